"""Escalation through the real pipeline, storage, outbox and scheduler (SQLite on disk).

Conversations are simulated with a test-only marker rule (tests/escalation_support.py) so each test
knows exactly which messages are flagged; everything after the rule is the real application.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from bot.bootstrap import FEATURES
from storage.models import AuditEntry, FindingRecord, Incident
from tests.escalation_support import ALEX, KIM, MENTOR, NOOR, SAM, config, start


@pytest.fixture
async def h(tmp_path: Path):
    harness = await start(config(tmp_path), tmp_path)
    yield harness
    await harness.app.stop()


def incidents(app) -> list[Incident]:  # type: ignore[no-untyped-def]
    with app.db.session() as s:
        return list(s.exec(select(Incident).order_by(Incident.id)))


def audit(app, action: str) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    with app.db.session() as s:
        return list(s.exec(select(AuditEntry).where(AuditEntry.action == action)))


def test_feature_is_installed_by_default() -> None:
    assert "bot.escalation" in FEATURES


async def test_pile_on_opens_one_incident_for_the_moderators(h) -> None:
    kim_msg, _ = await h.say(KIM, "Heeft iemand de sommen van paragraaf 3?", minute=0)
    await h.say(SAM, "[[plaag]] jij weer", minute=1, reply_to=(kim_msg, KIM))
    await h.say(ALEX, "[[plaag]] haha ja", minute=2, reply_to=(kim_msg, KIM))
    assert incidents(h.app) == []  # two members are not yet a pile-on
    await h.say(NOOR, "[[plaag]] @kim niemand vraagt het jou", minute=3)
    rows = incidents(h.app)
    assert len(rows) == 1
    incident = rows[0]
    assert incident.reason == "pile_on" and incident.status == "open" and incident.tier == 0
    assert set(incident.members) == {"sam", "alex", "noor", "kim"}
    assert incident.articles == ["A.10"]
    # Minimal context: the three flagged messages and Kim's message that led up to them.
    texts = [(e["sender_name"], e["flagged"]) for e in incident.context]
    assert texts == [("Kim", False), ("Sam", True), ("Alex", True), ("Noor", True)]
    with h.app.db.session() as s:
        linked = s.exec(select(FindingRecord).where(FindingRecord.incident_id == incident.id))
        assert len(list(linked)) == 3
    await h.deliver()
    alerts = h.alerts(h.telegram, "800")
    assert len(alerts) == 1
    assert "Klas 2B" in alerts[0] and "3 leden richten zich samen op Kim" in alerts[0]
    assert "artikel A.10" in alerts[0] and f"/ack {incident.id}" in alerts[0]
    buttons = h.telegram.of("alert")[0].detail["buttons"]
    assert buttons == [f"ack:{incident.id}", f"resolve:{incident.id}"]
    assert "Klas 2B" in h.console_out.getvalue()  # console:mentor too
    assert h.alerts(h.telegram, "900") == [] and h.matrix.of("alert") == []  # tier 0 only
    # A fourth voice joins the same situation: no second incident, no second alert.
    await h.say(SAM, "[[plaag]] @kim echt", minute=4)
    await h.deliver()
    assert len(incidents(h.app)) == 1 and len(h.alerts(h.telegram, "800")) == 1


async def test_single_threat_goes_to_leadership_on_every_channel(h) -> None:
    await h.say(SAM, "[[dreig]] morgen na school ben je er geweest", minute=0)
    (incident,) = incidents(h.app)
    assert incident.reason == "critical" and incident.severity == 4 and incident.tier == 2
    await h.deliver()
    mentor = [a for a in h.alerts(h.telegram, "800") if "Incident #" in a]
    leadership = h.alerts(h.telegram, "900")
    team = h.alerts(h.matrix, "!team:school.test")
    assert len(mentor) == len(leadership) == len(team) == 1
    assert "dreiging met geweld" in leadership[0] and "kritiek" in leadership[0]
    assert "B.5" in leadership[0]
    assert h.matrix.of("alert")[0].detail["buttons"] == [f"ack:{incident.id}",
                                                         f"resolve:{incident.id}"]
    mails = h.app.mail.outbox
    assert [m["To"] for m in mails] == ["directie@school.test"]
    assert f"Incident #{incident.id}" in mails[0]["Subject"]
    assert f"schoolwacht incidents ack {incident.id}" in mails[0].get_content()
    # The pipeline's own finding alert (NOTIFY in the rule's table) reaches the mentor as well.
    assert len(h.alerts(h.telegram, "800")) == 2


async def test_slow_heated_thread_crosses_the_threshold(h) -> None:
    await h.say(SAM, "[[grof]] dit slaat nergens op", minute=0)
    await h.say(ALEX, "[[grof]] hou zelf je mond", minute=4)
    assert incidents(h.app) == []
    await h.say(SAM, "gewoon een normaal bericht", minute=6)
    await h.say(NOOR, "[[grof]] jullie allebei", minute=8)
    (incident,) = incidents(h.app)
    assert incident.reason == "burst"
    flagged = [e["message_id"] for e in incident.context if e["flagged"]]
    assert len(flagged) == 3
    await h.deliver()
    (alert,) = h.alerts(h.telegram, "800")
    assert "3 zorgwekkende berichten binnen 10 minuten" in alert


async def test_messages_spread_over_a_long_time_do_not_escalate(h) -> None:
    await h.say(SAM, "[[grof]] a", minute=0)
    await h.say(ALEX, "[[grof]] b", minute=12)
    await h.say(NOOR, "[[grof]] c", minute=24)
    assert incidents(h.app) == []


async def test_false_alarm_resolved_by_the_moderator(h) -> None:
    await h.say(SAM, "[[dreig]] ik maak je kapot met Fortnite vanavond", minute=0)
    (incident,) = incidents(h.app)
    await h.deliver()
    assert h.app.scheduler.has(f"escalation:{incident.id}:t1") is False  # started at the top
    # Destructive: first the bot says what will happen and asks for confirmation.
    asked = await h.command(MENTOR, "resolve", str(incident.id), "onterecht", "over", "een",
                            "spel")
    assert "Weet je het zeker?" in asked.replies[0].text
    assert incidents(h.app)[0].status != "resolved"
    result = await h.command(MENTOR, "resolve", str(incident.id), "onterecht", "over", "een",
                             "spel", "bevestig")
    assert [r.to for r in result.replies] == ["private"]
    assert "vals alarm" in result.replies[0].text
    (incident,) = incidents(h.app)
    assert incident.status == "resolved" and incident.resolved_at is not None
    (entry,) = audit(h.app, "incident.resolve")
    assert entry.actor == "telegram:800" and entry.detail["outcome"] == "false_alarm"
    assert entry.detail["note"] == "over een spel"
    with h.app.db.session() as s:
        findings = list(s.exec(select(FindingRecord)))
    assert findings and all(f.feedback == "wrong" for f in findings)
    await h.deliver()
    edits = h.telegram.of("edit")
    assert edits and all("Vals alarm" in str(e.detail["text"]) for e in edits)
    assert len(h.matrix.of("edit")) == 1
    # The ladder no longer counts the message.
    view = await h.service.ladder("sam", h.service.settings(None))
    assert view.offences == 0 and view.suggested is None


async def test_acknowledge_edits_alerts_and_stops_reminders(h) -> None:
    await h.say(SAM, "[[plaag]] a", minute=0, reply_to=("x", KIM))
    await h.say(ALEX, "[[plaag]] b", minute=1, reply_to=("x", KIM))
    await h.say(NOOR, "[[plaag]] c", minute=2, reply_to=("x", KIM))
    (incident,) = incidents(h.app)
    assert h.app.scheduler.has(f"escalation:{incident.id}:t1")
    await h.deliver()
    result = await h.command(MENTOR, "ack", str(incident.id))
    assert "opgepakt" in result.replies[0].text and result.replies[0].to == "private"
    (incident,) = incidents(h.app)
    assert incident.status == "acknowledged" and incident.assignee == "Mevrouw de Vries"
    assert not h.app.scheduler.has(f"escalation:{incident.id}:t1")
    await h.deliver()
    (edit,) = h.telegram.of("edit")
    assert edit.chat_id == "800" and str(edit.detail["text"]).startswith("✅ Opgepakt door "
                                                                         "Mevrouw de Vries")
    assert "Opgepakt" in h.console_out.getvalue()
    again = await h.command(MENTOR, "ack", str(incident.id))
    assert "al opgepakt" in again.replies[0].text
    (entry,) = audit(h.app, "incident.ack")
    assert entry.detail == {"assignee": "Mevrouw de Vries"}


async def test_students_cannot_acknowledge(h) -> None:
    await h.say(SAM, "[[dreig]] x", minute=0)
    (incident,) = incidents(h.app)
    result = await h.command(KIM, "ack", str(incident.id))
    assert result.replies[0].to == "private"
    assert incidents(h.app)[0].status == "open"


async def test_a_rule_can_ask_for_escalation_itself(tmp_path: Path) -> None:
    from tests.escalation_support import GROUP

    cfg = config(tmp_path)
    group = cfg.groups[0].model_copy(update={"policies": {"marker": {"actions": {
        "medium": ["escalate"]}}}})
    cfg = cfg.model_copy(update={"groups": [group]})
    assert cfg.groups[0].id == f"telegram:{GROUP}"
    harness = await start(cfg, tmp_path)
    try:
        await harness.say(SAM, "[[grof]] één bericht", minute=0)
        (incident,) = incidents(harness.app)
        assert incident.reason == "policy" and incident.tier == 0
        await harness.deliver()
        (alert,) = harness.alerts(harness.telegram, "800")
        assert "pesten of kwetsend bericht (van Sam)" in alert
    finally:
        await harness.app.stop()


async def test_off_topic_chat_from_someone_in_an_open_incident_is_not_joined(tmp_path) -> None:
    """Regression: a severity-none finding (off topic) from an incident member crashed the
    monitor (max() of nothing) and would have attached chat to the incident."""
    from bot.escalation.monitor import ConversationMonitor
    from bot.pipeline import Decision
    from core.events import MessageEvent, Role, Sender
    from core.findings import Finding, Severity
    from core.verdict import ActionPlan, Verdict

    class Service:
        def settings(self, group):  # type: ignore[no-untyped-def]
            from bot.escalation.settings import EscalationSettings

            return EscalationSettings()

    class Recent:
        def add(self, event, size):  # type: ignore[no-untyped-def]
            pass

    monitor = ConversationMonitor(Service(), Recent())  # type: ignore[arg-type]
    off_topic = Finding("topic", "off_topic", "B.2", 0.9, Severity.NONE, "geen schoolonderwerp")
    event = MessageEvent("console", "klas", "9", Sender("s1", "Sam", Role.STUDENT), text="x")

    class Group:
        key = "console:klas"

    decision = Decision(event=event, group=Group(), verdict=Verdict((off_topic,)),  # type: ignore[arg-type]
                        plan=ActionPlan())
    await monitor.on_decision(decision)  # must neither raise nor touch storage
    assert not monitor.windows.get("console:klas")
