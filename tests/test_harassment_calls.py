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
