"""More care signals (issue 14): a child unsafe at home, self-harm already done, thoughts of
dying, an eating disorder; and the ordinary sentences that share their words. Every sentence was
written for these tests (none comes from a corpus file)."""

from __future__ import annotations

import pytest

from core.findings import Severity
from tests.test_wellbeing import findings


@pytest.mark.parametrize(("text", "severity"), [
    # unsafe at home: for the confidential adviser, like a plan to self-harm
    ("juf ik durf vanavond niet naar huis", Severity.HIGH),
    ("mijn stiefvader sloeg me weer toen ik thuiskwam", Severity.HIGH),
    ("im scared to go home, my dad hits me when he drinks", Severity.HIGH),
    # self-harm already done, at a place, or again
    ("mn benen zitten vol sneetjes, niemand weet het", Severity.HIGH),
    ("ik zat gisteravond op het viaduct en dacht aan alles", Severity.HIGH),
    ("vorige week heb ik een overdosis genomen", Severity.HIGH),
    # a hospital is the writer's own crisis here, not lesson content
    ("ik lag in het ziekenhuis na mijn overdosis, niemand weet het", Severity.HIGH),
    ("i took way too many pills on saturday", Severity.HIGH),
    # despair
    ("ik denk steeds aan doodgaan, ook in de les", Severity.MEDIUM),
    ("ik ben zo moe van het leven", Severity.MEDIUM),
    ("ik kots alles uit na het avondeten, elke dag", Severity.MEDIUM),
    ("ik heb al een week niks gegeten", Severity.MEDIUM),
    ("ik heb t nait meer, wil nait meer wakker worden", Severity.HIGH),
    ("ik ben er klaar mee, jullie zien me nooit meer", Severity.MEDIUM),
])
def test_more_signals_are_found(text: str, severity: Severity) -> None:
    found = findings(text)
    assert found and found[0].flag == "wellbeing", text
    assert found[0].severity is severity, (text, found[0].severity)


@pytest.mark.parametrize("text", [
    "ik durf niet naar huis met dit rapport haha 😂",
    "ik ga tussen de middag niet naar huis, ik eet op school",
    "mijn broer slaat me altijd met fifa",
    "ik heb een pil genomen tegen de hoofdpijn, gaat wel weer",
    "we zaten op de brug te vissen na school",
    "ik loop even weg uit de kantine, te druk",
    "hij dacht dat de toets morgen was, wat een dag",
    "ik ben zo moe, ik heb slecht geslapen",
    "ik zit op de bank en het dak lekt weer",
    "ik probeer het morgen nog een keer met die som",
    "i'm not going to be around tomorrow, dentist appointment",
])
def test_ordinary_sentences_with_their_words_are_not_signals(text: str) -> None:
    assert findings(text) == [], text


def test_the_evidence_shows_the_words_found() -> None:
    found = findings("ik stond gisteren op het viaduct, ik weet het niet meer")
    assert found and "|" not in found[0].evidence and "viaduct" in found[0].evidence
