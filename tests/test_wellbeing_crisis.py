"""Care signals (A.11), second round: passive and indirect suicidal ideation and plans in chat
spelling and in English with apostrophes ("nie meer wakker worden", "i don't want to wake up",
pills saved up, the tracks, not eating for days), with their near misses (tiredness, an ordinary
absence, idioms with a track, someone else's words reported to a teacher, the writer as the object
of another verb). Every sentence was written for these tests; none is taken from the corpus."""

from __future__ import annotations

import pytest

from core.findings import Severity
from tests.test_wellbeing import findings


@pytest.mark.parametrize(("text", "severity"), [
    ("ik wil nie meer wakker worden eerlijk", Severity.HIGH),
    ("i honestly don't want to wake up anymore", Severity.HIGH),
    ("i've saved up all my mum's pills, i'm done", Severity.HIGH),
    ("ik heb al weken pillen gespaard", Severity.HIGH),
    ("heb gisteravond op de rails gelegen, weet niet waarom", Severity.HIGH),
    ("i stood on the railway tracks last night", Severity.HIGH),
    ("ik schrijf een brief voor mn zus voor als ik er nie meer ben", Severity.HIGH),
    ("i'm thinking about killing myself, don't know who else to tell", Severity.HIGH),
    ("ik wil gewoon dat alles ophoudt", Severity.MEDIUM),
    ("no one would even care if i vanished", Severity.MEDIUM),
    ("i haven't eaten in days and i'm so tired", Severity.MEDIUM),
    ("ik heb al dagen niks gegeten", Severity.MEDIUM),
    ("i'm not gonna be around much longer", Severity.MEDIUM),
    ("ik heb het gevoel dat ik langzaam verdwijn", Severity.MEDIUM),
])
def test_passive_ideation_and_plans_are_care_signals(text: str, severity: Severity) -> None:
    found = findings(text)
    assert found and found[0].flag == "wellbeing" and found[0].severity is severity


@pytest.mark.parametrize("text", [
    "ik ben zo moe van die toetsen",
    "ik eet vandaag niet op school, ik heb geen honger",
    "i won't be around tomorrow, dentist appointment",
    "hij zit niet meer op deze school sinds de kerst",
    "kan iemand mij vertellen waar mijn jas hangt?",
    "juf, iemand uit 2b schreef dat ik me moet ophangen, wat moet ik doen",
    "we zitten op het goede spoor met ons project",
    "het project staat weer op de rails, dank jullie",
    "we're on track for the deadline, i'm sure",
    "ik schiet me dood van het lachen om die uitleg over mitose 😂",
])
def test_near_misses_are_no_care_signals(text: str) -> None:
    assert findings(text) == []


def test_telling_a_teacher_about_oneself_is_still_a_care_signal() -> None:
    found = findings("juf, ik moet u zeggen dat ik me wil ophangen")
    assert found and found[0].severity is Severity.HIGH
