"""Hate against protected groups, the hard negatives (issue: non-hateful kept clean >= 0.85):
a negator inside a phrase of hatred, a hateful statement quoted to reject it, counter-speech about
hate, a form of a common verb that is one letter from a slur, and abuse aimed at a thing. Each
clean sentence has a hateful twin that must still be found. Every sentence was written for these
tests (none comes from a corpus file or a published test suite)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from core.events import MessageEvent, Role, Sender
from policies.harassment import HarassmentPolicy, clearing_modality
from policies.text import TextView
from tests.test_group_hate import assert_clean
from tests.test_harassment import harassment


@pytest.mark.parametrize("text", [
    # a negator between the words of a phrase of hatred
    "ik walg echt niet van autisten hoor",
    "ik heb nog nooit een hekel gehad aan surinamers",
    # a hateful statement between quote marks, rejected
    "'joden zijn gierig' is gewoon een fabeltje",
    "\"homo's zijn ziek\" zegt mijn oom, wat een onzin",
    "'immigrants are criminals' yeah sure, tell that to my dad who is a nurse",
    # counter-speech that names the hate
    "die haat tegen vluchtelingen in de comments is echt erg",
    "ik begrijp niet dat mensen moslims nog steeds terroristen noemen",
    "dat racistische stereotype over marokkanen slaat nergens op",
    "mensen die beweren dat vrouwen niet kunnen rekenen moeten mijn zus zien",
    "im so tired of people hating on trans kids",
    # a form of a common verb, one letter from a slur
    "het licht in de gang flikkert weer",
    "hij flikkerde van zijn fiets in de bocht",
    # abuse aimed at a thing
    "ik haat dit kutapparaat, hij slaat steeds vast",
    "ik trap die automaat kapot als hij mijn geld weer inslikt",
    "die stomme wifi is weer traag, niemand kan inloggen",
])
def test_what_stays_clean(harassment_policy: HarassmentPolicy, text: str) -> None:
    assert_clean(harassment_policy, text)


@pytest.mark.parametrize("text", [
    "ik walg van autisten",
    "ik heb een hekel aan surinamers",
    "die 'vluchtelingen' zijn allemaal criminelen",
    "ik haat hem, hij heeft mijn telefoon gepakt",
    "ik trap hem kapot met mijn laptop",
    "die flikker weer met zijn tasje",
    "vluchtelingen moet je niet helpen, je moet ze laten verzuipen",
])
def test_what_is_still_found(harassment_policy: HarassmentPolicy, text: str) -> None:
    assert harassment(harassment_policy, text) is not None, text


# -- the trained model's clearing hook ----------------------------------------------------------


def _clearing(text: str) -> str | None:
    event = MessageEvent("console", "klas", "m1", Sender("s1", "Leerling", Role.STUDENT),
                         text=text)
    ctx = SimpleNamespace(sender_role=Role.STUDENT)  # (the hook reads the sender's role only)
    return clearing_modality(TextView.of(text), ctx, event)  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "modality"), [
    ("die stomme schoolcomputer loopt weer vast", "object"),  # a thing, nobody named
    ("ik walg niet van autisten", "negation"),
    ("'vrouwen zijn dom' is gewoon seksistisch", "counter_speech"),
    ("ik maak je af met fifa vanavond", "game"),  # a game between writer and reader
    ("in het boek zegt het personage dat niemand hem erbij wil", "lesson"),
])
def test_the_model_leaves_cleared_messages_alone(text: str, modality: str) -> None:
    assert _clearing(text) == modality


@pytest.mark.parametrize("text", [
    "typical of those people, they want everything for free",  # a word said of no one is no context
    "die stomme sem loopt weer te zeuren",  # a person, not a thing
    # a reading the rules set aside for a weaker reason than a changed meaning: the rule thought
    # the writer spoke of themself, a part was missing (no laughter), a game while someone else
    # is named; the model may still judge these
    "ik gooi morgen vuurwerk in de kluisjes van die tyfuslijers",
    "wie wil de foto zien van mees die bij gym zijn broek scheurde",
    "bij korfbal zag je die broek van noor toch, ik kon niet meer",
])
def test_no_clearing_context(text: str) -> None:
    assert _clearing(text) is None


@pytest.mark.parametrize("text", [
    # two frequent words side by side are two words ("nu de" is no "nude")
    "joden vieren nu de sabbat, kan de toets een dag later?",
    # a disclaimer whose "alleen" opens no clause goes on with no judgement
    "ik heb echt niks tegen polen, mijn vraag ging alleen over de bus",
    # hate denied, a thing hated after it
    "ik haat niemand om zijn afkomst, ik haat alleen maandag",
    # nobody is it
    "niemand in deze groep is een sukkel, iedereen mag fouten maken",
    "nobody in this class is stupid",
    # counter-speech that tells others to think again, or names scapegoating
    "iedereen die om homo's lacht moet eens nadenken",
    "blaming migrants for the housing crisis is lazy",
    "ik ga die kankerautomaat slopen, hij heeft mijn geld opgegeten",
])
def test_more_that_stays_clean(harassment_policy: HarassmentPolicy, text: str) -> None:
    assert_clean(harassment_policy, text)


@pytest.mark.parametrize("text", [
    "ik heb niks tegen turken, alleen zijn ze allemaal dieven",
    "niemand is zo dom als jij, sukkel",
    "na de toets sla ik hem in elkaar",
])
def test_their_hostile_twins(harassment_policy: HarassmentPolicy, text: str) -> None:
    assert harassment(harassment_policy, text) is not None, text


@pytest.mark.parametrize("text", [
    # the writer says who they are before what they call themself or ask
    "als bi meisje noem ik mezelf soms ook gewoon lesbo haha",
    "as a muslim student i would like a quiet room during ramadan",
])
def test_who_the_writer_is(harassment_policy: HarassmentPolicy, text: str) -> None:
    assert_clean(harassment_policy, text)


@pytest.mark.parametrize("text", [
    "als een homo me aanraakt in de kleedkamer sla ik hem",  # "me" is the group's object
    "als moslims hier komen wonen sla ik ze",  # a plural is others
])
def test_a_condition_about_others_is_no_identity(harassment_policy: HarassmentPolicy, text: str) -> None:
    assert harassment(harassment_policy, text) is not None, text
