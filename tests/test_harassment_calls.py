"""Harassment (A.10): calls on others, and a disease that opens its clause as a curse.
Someone's data handed out with a call to act on it is doxxing; telling the group to act against a
person is incitement. Near misses: data shared for a plain reason, a call about something that
harms nobody. Sentences written for these tests."""

from __future__ import annotations

import pytest

from core.findings import Finding, Severity
from policies.harassment import HarassmentPolicy
from tests.test_harassment import harassment, run

PHONE = (Finding("personal_data", "personal_data", "AVG", 0.9, Severity.MEDIUM, "telefoon"),)


@pytest.fixture(scope="module")
def policy() -> HarassmentPolicy:
    return HarassmentPolicy()


@pytest.mark.parametrize("text", [
    "hier is het nummer van die buurman: 06-11223344, bel hem maar eens om 3 uur 's nachts",
    "dit is de mail van de trainer, schrijf hem maar in op elke reclamefolder haha",
    "his gamertag is xx_tobi_xx, go comment what you think of his skills lol",
    "zn discord staat hieronder, raid hem vanavond",
])
def test_data_with_a_call_to_act_is_doxxing(policy: HarassmentPolicy, text: str) -> None:
    found = harassment(policy, text, prior=PHONE)
    assert found is not None and found.category == "doxxing"


@pytest.mark.parametrize("text", [
    "het nummer van de conciërge is 06-11223344, bel hem als de deur op slot zit",
    "voor de groepsopdracht: de inlog van de gedeelde map staat in teams",
    "mijn oma woont op de Kerklaan 3, bel maar aan als je de bloemen komt brengen",
    "here is the coach's number, he said text him before the match",
])
def test_data_shared_for_a_plain_reason_is_no_doxxing(policy: HarassmentPolicy, text: str) -> None:
    assert harassment(policy, text, prior=PHONE) is None


@pytest.mark.parametrize("text", [
    "als jullie hem morgen bij de kluisjes zien, gewoon een klap geven, hij vraagt erom",
    "ik stel voor dat we die nieuwe met z'n allen uitjouwen als ze de klas in komt",
    "iedereen als joost zijn spreekbeurt begint gaan we allemaal blaffen",
    "if you see him at lunch just slap him, everyone, he deserves it",
    "laten we allemaal 'lelijk' onder de foto van mila zetten",
])
def test_a_call_on_the_group_to_act_against_someone_is_incitement(policy: HarassmentPolicy,
                                                                   text: str) -> None:
    found = harassment(policy, text)
    assert found is not None


@pytest.mark.parametrize("text", [
    "laten we allemaal een kaart tekenen voor mila, ze ligt in het ziekenhuis",
    "als je hem ziet, zeg dan dat hij zijn boek moet terugbrengen",
    "everyone go comment happy birthday on noor's post 🎉",
    "ik stel voor dat we de juf met z'n allen een bos bloemen geven",
])
def test_a_call_on_the_group_for_something_harmless_is_clean(policy: HarassmentPolicy,
                                                              text: str) -> None:
    assert harassment(policy, text) is None


@pytest.mark.parametrize("text", [
    "tering, mijn boek voor biologie ligt nog thuis",
    "kanker wat een lange les was dat over de middeleeuwen",
])
def test_a_disease_opening_its_clause_is_a_curse_even_in_a_lesson(policy: HarassmentPolicy,
                                                                  text: str) -> None:
    assert [f.flag for f in run(policy, text)] == ["profanity"]


@pytest.mark.parametrize("text", [
    "kanker ontstaat als cellen ongeremd gaan delen, staat in hoofdstuk 4",
    "bij biologie leren we hoe kanker zich verspreidt",
])
def test_a_disease_named_in_a_lesson_is_no_curse(policy: HarassmentPolicy, text: str) -> None:
    assert run(policy, text) == []


# -- calls on the group: mass acts against one person ----------------------------------------------
@pytest.mark.parametrize("text", [
    "pak die gast uit 2c maar, ik dek jullie bij de mentor",
    "zullen we allemaal 'loser' onder de laatste foto van bram zetten?",
    "gooi morgen allemaal eieren tegen het raam van die jongen",
    "iedereen ontvolgt vanavond fenna op tiktok, stuur een screenshot",
    "let's all report his channel and comment 'cringe' under every video",
])
def test_a_call_on_the_group_to_pile_on_someone_is_found(policy: HarassmentPolicy,
                                                        text: str) -> None:
    found = harassment(policy, text)
    assert found is not None and found.severity >= Severity.HIGH


@pytest.mark.parametrize("text", [
    "zullen we allemaal een kaartje sturen naar juf die ziek is?",
    "iedereen moet de nieuwe app van school downloaden",
    "juf, iemand heeft in de groep gezet dat ze tim gaan pakken na school",
])
def test_a_kind_call_or_a_reported_one_is_no_incitement(policy: HarassmentPolicy,
                                                         text: str) -> None:
    assert harassment(policy, text) is None


@pytest.mark.parametrize("text", [
    "haar insta is lara.x_2010, ga los jongens",
    "this is his address, go say hi to him tonight lol",
])
def test_data_with_go_for_it_is_doxxing(policy: HarassmentPolicy, text: str) -> None:
    found = harassment(policy, text, prior=PHONE)
    assert found is not None and found.category == "doxxing"


# -- exclusion: votes, unfollowing, no seat, re-adding ---------------------------------------------
@pytest.mark.parametrize("text", [
    "poll: mag daan nog in de groepsapp blijven? ja of nee",
    "vote: should mia stay or go? react below",
    "nobody sit with lucas on the bus tomorrow",
    "wie hem weer toevoegt gaat er zelf ook uit",
    "kunnen we hem niet gewoon verwijderen uit de app, hij zegt toch nooit wat",
    "jij hoort nie bij ons, zoek maar een andere tafel",
    "die nieuwe ouders hoeven niet in de klassenapp",
    "bij het project doen we gewoon alsof sem er niet is",
    "none of us want you at the sleepover, emma",
])
def test_votes_seats_and_removals_are_exclusion(policy: HarassmentPolicy, text: str) -> None:
    found = harassment(policy, text)
    assert found is not None and found.category in ("exclusion", "incitement")


@pytest.mark.parametrize("text", [
    "stem vandaag op de leerlingenraad, de poll sluit om 5 uur",
    "je stem klonk echt mooi bij het koor, mag je blijven zingen?",
    "niemand hoeft zich zorgen te maken, de toets blijft gewoon",
    "mijn moeder staat in de keuken, ik moet zo eten",
])
def test_voting_singing_and_chores_are_no_exclusion(policy: HarassmentPolicy, text: str) -> None:
    assert harassment(policy, text) is None


def test_someone_pointed_at_by_a_label_is_named(policy: HarassmentPolicy) -> None:
    found = harassment(policy, "kunnen we die zeurpiet niet gewoon verwijderen uit de app")
    assert found is not None
    assert "die zeurpiet" in found.evidence
