"""Harassment (A.10) doxxing, composed: someone else's data that lets people reach or find them
(found by the personal-data rule) × a call on many or a shared intention to act on it (calling,
messaging, spamming, going to the door, signing them up), or a grudge offered to whoever wants it.
The parts are word lists in predicates.toml [doxxing] (reach, calls, grudges, offers, visits,
welcome), not sentences. Near misses: one's own number, data for a plain reason, a family's party
address, a leak reported to a teacher, grades laughed at (humiliation, not doxxing). Sentences
written for these tests."""

from __future__ import annotations

import pytest

from core.events import GroupKind, MessageEvent, Role, Sender
from core.findings import Severity
from policies.base import PolicyContext
from policies.harassment import HarassmentPolicy
from policies.personal_data import PersonalDataPolicy, PersonalDataSettings
from policies.text import TextView
from tests.test_harassment import harassment


@pytest.fixture(scope="module")
def policy() -> HarassmentPolicy:
    return HarassmentPolicy()


def personal(text: str, role: Role = Role.STUDENT) -> tuple:
    event = MessageEvent("console", "klas", "m1", Sender("s1", "Lid", role), text=text)
    ctx = PolicyContext("console:klas", GroupKind.CLASS, role, PersonalDataSettings())
    return tuple(PersonalDataPolicy().check_text(TextView.of(text), ctx, event))


@pytest.mark.parametrize("text", [
    "dit is het nummer van die klikspaan: 06 71 23 45 98, bel hem allemaal op",
    "haar mail is sterre.b2011@hotmail.com, meld haar allemaal aan voor reclame",
    "zijn vader d'r mobiel is 0687654321, blijven bellen tot hij opneemt",
    "ik weet nu waar die gast woont, Bosweg 41 in Ede. zondag gaan we erheen",
    "voor wie die trainer wil aanpakken: hij woont op de Lijsterlaan 6",
    "zn snap is bram_x2010, iedereen vannacht spammen",
    "her number is 06 12 43 65 87, everyone text her all night",
])
def test_data_with_a_call_on_many_is_doxxing(policy: HarassmentPolicy, text: str) -> None:
    prior = personal(text)
    assert prior, "the personal-data rule should find the data"
    found = harassment(policy, text, prior=prior)
    # (a threat that comes with it, "ik weet waar je woont", may weigh more than the doxxing)
    assert found is not None and "doxxing" in found.data["combinations"]
    assert found.category in ("doxxing", "threat") and found.severity >= Severity.HIGH


@pytest.mark.parametrize("text", [
    # one's own data, one reader asked for one practical call
    "bel me even op 0612345678 als je er bent",
    "het nummer van de moeder van Sem is 0611223344, app haar even als je later komt",
    "voor wie mee wil rijden: bel de vader van Noor, 0644556677",
    # a parent sharing a party address on purpose
    "het klassenfeest is bij de familie de Boer, Wending 12a in Assen. jullie zijn allemaal welkom!",
    "zaterdag is het feest bij Emma thuis, Lindelaan 4. kom je ook?",
    # a leak reported to a teacher
    "juf, iemand heeft het adres van Lisa in de groep gezet (Zonnelaan 3) en schreef dat we er "
    "allemaal heen moesten",
])
def test_data_without_a_call_to_act_is_no_doxxing(policy: HarassmentPolicy, text: str) -> None:
    found = harassment(policy, text, prior=personal(text))
    assert found is None or "doxxing" not in found.data["combinations"]


def test_grades_laughed_at_are_not_doxxing(policy: HarassmentPolicy) -> None:
    text = "haha Sem had een 2,1 voor Frans, wat een sukkel"
    found = harassment(policy, text, prior=personal(text))
    assert found is not None and "doxxing" not in found.data["combinations"]
