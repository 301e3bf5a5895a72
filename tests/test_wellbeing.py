"""Care signals: a member who may harm themself is never answered in the group; the confidential
adviser hears about it quietly (A.11), alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.events import GroupKind, MessageEvent, Role, Sender
from core.findings import Severity
from policies.base import PolicyContext
from policies.registry import policy_types
from policies.text import TextView
from policies.wellbeing import WellbeingPolicy, WellbeingSettings
from tests.core_support import core_app


def findings(text: str):  # type: ignore[no-untyped-def]
    event = MessageEvent("console", "klas", "1", Sender("s", "Sam", Role.STUDENT), text=text)
    ctx = PolicyContext("console:klas", GroupKind.CLASS, Role.STUDENT, WellbeingSettings())
    return WellbeingPolicy().check_text(TextView.of(text), ctx, event)


@pytest.mark.parametrize(("text", "severity"), [
    ("ik ga me snijden vanavond", Severity.HIGH),
    ("ik heb alle pillen uit het badkamerkastje verzameld", Severity.HIGH),
    ("ik sta nu op de brug en ik wil dat het stopt", Severity.HIGH),
    ("wil gewoon slapen en nooit meer wakker worden", Severity.HIGH),  # no "ik": chat drops it
    ("i wrote a goodbye letter to my brother yesterday", Severity.HIGH),
    ("ik wil er niet meer zijn", Severity.HIGH),
    ("vannacht heb ik me weer gesneden", Severity.HIGH),
    ("misschien hang ik me gewoon op", Severity.HIGH),
    ("ik denk erover om van de flat te springen", Severity.HIGH),
    ("i really want to kill myself", Severity.HIGH),
    ("ik ga mezelf vanavond iets aandoen", Severity.HIGH),
    ("echt, ik wil gewoon niet meer leven", Severity.HIGH),
    ("soms denk ik aan zelfmoord", Severity.HIGH),
    ("niemand zou me missen als ik weg ben", Severity.HIGH),
    ("ik kr@s m3zelf weer", Severity.HIGH),
    ("i think im going to hurt myself tonight", Severity.HIGH),
    ("ik zie het echt niet meer zitten", Severity.MEDIUM),
])
def test_signals_are_found(text: str, severity: Severity) -> None:
    found = findings(text)
    assert found and found[0].flag == "wellbeing" and found[0].severity is severity
    assert found[0].article == "A.11"


@pytest.mark.parametrize("text", [
    "ik wil dood haha drie toetsen morgen",
    "ik ga dood van het lachen 😂",
    "kms 💀 ik ben mijn sleutels weer vergeten",
    "morgen doe ik mijn presentatie over zelfmoordpreventie",
    "hij wil niet meer naar de les",
    "mijn fiets is kapot, ik zie het niet zitten om te lopen",
    "ik ga me niet snijden hoor, maak je geen zorgen",
    "ik snij de taart morgen wel aan",
    "ik ben echt niet van plan die jongen iets aan te doen",
    "als hij in ons team komt stap ik eruit",
    "mijn opa is vorig jaar dood gegaan",
    "ik ga dood van de honger, wie heeft er een koek",
    "bij maatschappijleer hebben we een les over zelfmoord gehad",
    "ga je toch ophangen",  # aimed at the reader: the harassment rule's, not a care signal
])
def test_jokes_and_ordinary_school_talk_are_not_signals(text: str) -> None:
    assert findings(text) == []


def test_registered() -> None:
    assert policy_types()["wellbeing"] is WellbeingPolicy


async def test_the_adviser_hears_it_quietly_and_the_group_sees_nothing(tmp_path: Path) -> None:
    from tests.core_support import config

    cfg = config(tmp_path, school={
        "admins": [{"name": "Beheer", "channels": ["console:admins"]}],
        "confidential_adviser": {"name": "Vertrouwenspersoon",
                                 "channels": ["console:vertrouwenspersoon"]}})
    app = await core_app(tmp_path, cfg, policies=[WellbeingPolicy()])
    try:
        event = MessageEvent("console", "klas", "5", Sender("s1", "Sanne", Role.STUDENT),
                             text="ik ga mezelf iets aandoen vanavond")
        decision = await app.on_message(event)
        assert decision.verdict.flags == ["wellbeing"]
        await app.dispatcher.deliver_due()
        assert app.port.of("delete") == [] and app.port.of("send") == []
        to = sorted(a.chat_id for a in app.port.of("alert"))
        assert to == ["vertrouwenspersoon"]  # the adviser's alone, not the mentor's
        assert "zorgsignaal" in app.port.of("alert")[0].detail["text"]
        # Not an offence and not an incident that mentors, team leaders or leadership would see,
        # however often it comes (three would otherwise be a burst).
        for mid in ("6", "7"):
            await app.on_message(MessageEvent("console", "klas", mid, event.sender,
                                              text="ik ga mezelf iets aandoen echt"))
        await app.pipeline.close()
        assert await app.db.run(lambda: app.escalation.incidents.list()) == []
    finally:
        await app.stop()


def test_care_signal_gets_no_reminder_from_any_rule() -> None:
    """A member who says they will hurt themself gets no harassment or off-topic reminder."""
    from policies.registry import build_policies

    text = "ik ga me snijden vanavond"
    event = MessageEvent("console", "klas", "1", Sender("s", "Sam", Role.STUDENT), text=text)
    view = TextView.of(text)
    prior: list = []
    for policy in build_policies():
        if not hasattr(policy, "check_text"):
            continue
        ctx = PolicyContext("console:klas", GroupKind.CLASS, Role.STUDENT,
                            policy.settings_model(), prior_findings=tuple(prior))
        prior.extend(policy.check_text(view, ctx, event))
    assert [f.flag for f in prior] == ["wellbeing"]
