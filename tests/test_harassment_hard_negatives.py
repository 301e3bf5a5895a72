"""Harassment (A.10), false alarms of the rules on clean school messages, read as kinds: a slur's
homonym (part of a place name, a people written with a capital, a verb after "ik"), people named by
what they do, acceptance, the writer's own word for themself, a call whose words are someone's
quoted words or whose callee acts on themself, a question asked of anyone, a dilemma, and a
parent's question about their own child. Each clean sentence has a hostile twin that must still be
found. Every sentence was written for these tests (none comes from a corpus file)."""

from __future__ import annotations

import pytest

from core.events import Role
from policies.harassment import HarassmentPolicy
from tests.test_group_hate import assert_clean
from tests.test_group_hate_negatives import _clearing
from tests.test_harassment import harassment


@pytest.mark.parametrize("text", [
    # a slur inside a place or proper name
    "we varen volgende week over de rio negro, zegt de gids",
    "de sierra negra is een vulkaan op de galapagos",
    # a people written with a capital in the middle of a sentence
    "bij geschiedenis ging het over de Mongolen en hun paarden",
    "lees voor morgen hoe de Mongolen de steppe overstaken",
    # a slur that is also a verb, after the writer as its subject
    "ik flikker bijna van mijn fiets door die gladde tegels",
    "ik flikkerde gisteren zo van het klimrek bij gym",
])
def test_homonyms_of_slurs(harassment_policy: HarassmentPolicy, text: str) -> None:
    assert_clean(harassment_policy, text)


@pytest.mark.parametrize("text", [
    "jij bent echt een mongool",
    "die flikker moet oppassen",
    "ik flikker je van de trap",
    "hey negro, kom eens hier",
])
def test_the_slurs_themselves_are_still_found(harassment_policy: HarassmentPolicy,
                                               text: str) -> None:
    assert harassment(harassment_policy, text) is not None, text


@pytest.mark.parametrize("text", [
    "mensen die hun afval naast de prullenbak gooien zijn echt asociaal",
    "ouders die op de stoep parkeren, ik haat jullie echt",
    "iedereen die kauwgom onder de tafel plakt is gewoon irritant",
    "people who leave their trays in the canteen are so annoying",
    "iedereen die nepnieuws over de school deelt wordt uit de groep gegooid",
])
def test_people_named_by_what_they_do(harassment_policy: HarassmentPolicy, text: str) -> None:
    assert_clean(harassment_policy, text)


def test_a_teacher_teasing_the_class_about_what_they_do(
        harassment_policy: HarassmentPolicy) -> None:
    assert_clean(harassment_policy, "Leerlingen die hun boek weer vergeten: jullie zijn onmogelijk 😉")
    assert harassment(harassment_policy, "Leerlingen die hun boek weer vergeten: jullie zijn onmogelijk 😉",
                      role=Role.TEACHER) is None


@pytest.mark.parametrize("text", [
    # a person by name, mention or a singular pronoun is no behaviour
    "mensen die met noor omgaan zijn echt losers",
    "iedereen die haar uit de groep gooit krijgt van mij een zak chips",
    # a protected group inside the relative clause stays a group
    "mensen die moslim zijn zijn echt asociaal",
    # a call on others against someone named
    "iedereen die daan ziet: gooi hem uit de groep",
])
def test_behaviour_twins_that_are_still_found(harassment_policy: HarassmentPolicy,
                                              text: str) -> None:
    assert harassment(harassment_policy, text) is not None, text


@pytest.mark.parametrize("text", [
    # acceptance
    "dat je lesbisch bent maakt voor ons echt niks uit, je hoort erbij",
    "dat hij homo is boeit niet, hij is gewoon de beste keeper",
    # the writer's own word for themself, even with someone named later in the clause
    "ik ben echt zo lelijk op die pasfoto haha",
    "ja ik ben een trotse pot en ik zie jullie bij de regenboogborrel",
    "ik ben such a loser, forgot my gym bag again",
    # a quoted statement rejected with a negator after it
    "die uitspraak van 'meisjes kunnen geen wiskunde' klopt echt niet",
    # a slur quoted, whoever says it should be ashamed
    "wie 'mongool' roept naar iemand met down moet zich echt schamen",
    # counter-speech
    "zulke uitspraken over joden horen hier niet, haal het weg",
    "saying all refugees are criminals is just ignorant",
    # what something means, denied
    "dat je adhd hebt betekent niet dat je dom bent",
])
def test_acceptance_self_reference_and_counter_speech(harassment_policy: HarassmentPolicy,
                                                      text: str) -> None:
    assert_clean(harassment_policy, text)


@pytest.mark.parametrize("text", [
    "je bent gewoon een homo",
    "ik ben zo klaar met jou, jij bent een vieze pot",
    "ik word misselijk van lesbiennes",
    "jij bent echt zo lelijk op die pasfoto haha",
    "meisjes kunnen geen wiskunde, echt niet normaal",
])
def test_their_hostile_twins(harassment_policy: HarassmentPolicy, text: str) -> None:
    assert harassment(harassment_policy, text) is not None, text


@pytest.mark.parametrize("text", [
    # a call whose words are someone else's quoted words
    "iemand schreef 'alle joden moeten dood' op de muur van de gymzaal, walgelijk",
    "my daughter said someone posted 'all gays should die' in the class chat, is the mentor aware?",
    # in a game, the writer's own move is no call on others
    "bij trefbal gooi ik jullie er allemaal uit, let maar op 😈",
    # a question asked of anyone: its "je" is anyone
    "weet iemand waar je de gymkleren moet terugsturen?",
    "weet iemand of je de boeken moet terugbrengen voor vrijdag?",
    # a dilemma: the verb has another object than the reader
    "bij levensbeschouwing: mag je een persoon doden om er vijf te redden?",
    # a parent's question about their own child
    "mijn zoon draagt sinds kort een keppeltje, is dat een probleem bij zwemles?",
    # "moeten" far from "van school"
    "moeten ze voor techniek nog een schort kopen of krijgen ze die van school?",
])
def test_calls_questions_and_dilemmas(harassment_policy: HarassmentPolicy, text: str) -> None:
    assert_clean(harassment_policy, text)


@pytest.mark.parametrize("text", [
    "comment allemaal 'ga dood' onder haar nieuwe foto",
    "laten we allemaal 'loser' roepen als hij binnenkomt",
    "ga je ophangen, niemand mist je",
    "je moet jezelf doden",
    "die jongen moet gewoon van school af",
    "ik wil al die turkse kinderen van deze school af hebben",
    "die zigeuners moeten ze weghalen uit onze wijk",
])
def test_calls_and_threats_still_found(harassment_policy: HarassmentPolicy, text: str) -> None:
    assert harassment(harassment_policy, text) is not None, text


@pytest.mark.parametrize(("text", "modality"), [
    ("we varen volgende week over de rio negro, zegt de gids", "homonym"),
    ("mensen die hun afval naast de prullenbak gooien zijn echt asociaal", "behaviour"),
    ("dat je lesbisch bent maakt voor ons echt niks uit, je hoort erbij", "counter_speech"),
])
def test_the_model_leaves_these_alone(text: str, modality: str) -> None:
    assert _clearing(text) == modality
