"""Harassment (A.10): where a reading stops. A phrase does not reach across the start of a
subordinate clause, and a call on others needs an act against someone that is not negated.
Sentences written for these tests."""

from __future__ import annotations

import pytest

from policies.harassment import HarassmentPolicy
from tests.test_harassment import harassment


@pytest.fixture(scope="module")
def policy() -> HarassmentPolicy:
    return HarassmentPolicy()


@pytest.mark.parametrize("text", [
    "ik wil graag zeggen dat niemand buitengesloten wordt bij de sportdag, iedereen doet mee",
    "we wilden alleen weten of iemand al een groepje heeft voor het practicum",
])
def test_a_phrase_does_not_reach_across_a_subordinate_clause(policy: HarassmentPolicy,
                                                              text: str) -> None:
    assert harassment(policy, text) is None


@pytest.mark.parametrize("text", [
    "niemand wil jou erbij in het groepje",
    "ik zeg het nog 1 keer: niemand wil jou erbij",
])
def test_the_same_words_in_one_clause_still_exclude(policy: HarassmentPolicy, text: str) -> None:
    found = harassment(policy, text)
    assert found is not None and found.category == "exclusion"


def test_a_call_on_others_after_a_denied_act_is_no_incitement(policy: HarassmentPolicy) -> None:
    text = "mijn dochter heeft Lisa nooit geduwd en zou dat ook niet doen. laten we het uitpraten"
    assert harassment(policy, text) is None


def test_a_call_on_others_to_act_against_someone_is_incitement(policy: HarassmentPolicy) -> None:
    found = harassment(policy, "laten we lisa vanaf morgen allemaal negeren")
    assert found is not None
    found = harassment(policy, "iedereen blokkeer milan vanavond")
    assert found is not None and found.category == "incitement"


@pytest.mark.parametrize("text", [
    "onze dochter is doof aan één oor, kan ze vooraan zitten bij de mondeling?",
    "my son is autistic and gets tired in the canteen, is there a quiet room?",
])
def test_a_parent_about_their_own_child_is_no_insult(policy: HarassmentPolicy, text: str) -> None:
    assert harassment(policy, text) is None


def test_someone_elses_child_called_the_same_still_counts(policy: HarassmentPolicy) -> None:
    assert harassment(policy, "jouw zoon is gewoon autistisch, daarom heeft hij geen vrienden") \
        is not None


@pytest.mark.parametrize("text", [
    "stop met die 'turken zijn dom' grappen, dat is gewoon niet oké",
    "antisemitische memes horen niet in deze groep, joodse leerlingen moeten zich veilig voelen",
    "mijn zoon kreeg gisteren het verzoek om een naaktfoto te sturen, wie kan ik mailen?",
])
def test_rejecting_hate_or_reporting_a_request_is_clean(policy: HarassmentPolicy,
                                                        text: str) -> None:
    assert harassment(policy, text) is None


@pytest.mark.parametrize("text", ["joep doe ff nie zo achterlijk", "doe nou niet zo debiel ilse"])
def test_a_negative_command_with_a_filler_still_insults(policy: HarassmentPolicy,
                                                       text: str) -> None:
    assert harassment(policy, text) is not None


def test_a_negated_act_stays_negated(policy: HarassmentPolicy) -> None:
    assert harassment(policy, "ik doe je echt niks, rustig maar") is None


@pytest.mark.parametrize("text", [
    "we moesten allemaal lachen om de grap van meneer bij biologie",
    "ik lig in bed met griep, kan iemand het huiswerk sturen?",
    "i have nothing against gay people, my cousin is gay",
])
def test_a_story_a_sick_day_and_a_disclaimer_without_a_but_are_clean(policy: HarassmentPolicy,
                                                                      text: str) -> None:
    assert harassment(policy, text) is None


@pytest.mark.parametrize("text", [
    "morgen allemaal lachen als sven zijn spreekbeurt houdt",
    "hoi lisa, wil je vanavond bij mij in bed liggen? 😏",
])
def test_a_call_now_and_a_sexual_invitation_still_count(policy: HarassmentPolicy,
                                                       text: str) -> None:
    assert harassment(policy, text) is not None


def test_waiting_for_someone_is_no_lying_in_wait(policy: HarassmentPolicy) -> None:
    assert harassment(policy, "ik wacht op je bij de ingang, dan lopen we samen naar binnen") is None
    found = harassment(policy, "ik wacht je morgen op na school, dan zul je het zien")
    assert found is not None and found.category == "threat"
