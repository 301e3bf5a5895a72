"""Quiet reports (A.11), reminders that survive a restart, mail over a real SMTP server on loopback,
and the sanction ladder with a recorded decision: all through the real app on SQLite."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from adapters.mail import SmtpBackend
from bot.config import ConfigError
from core.events import Role, Sender
from storage.models import AuditEntry, Incident, OutboxItem
from tests.escalation_support import (
    ALEX,
    KIM,
    MENTOR,
    NOOR,
    SAM,
    MarkerRule,
    config,
    free_port,
    start,
)


def incidents(app) -> list[Incident]:  # type: ignore[no-untyped-def]
    with app.db.session() as s:
        return list(s.exec(select(Incident).order_by(Incident.id)))


def outbox(app) -> list[OutboxItem]:  # type: ignore[no-untyped-def]
    with app.db.session() as s:
        return list(s.exec(select(OutboxItem).order_by(OutboxItem.id)))


# --- quiet reports ----------------------------------------------------------------------------
async def test_meld_reaches_only_the_adviser_and_never_the_group(tmp_path: Path) -> None:
    h = await start(config(tmp_path), tmp_path)
    try:
        await h.say(KIM, "Wie doet mee met de presentatie?", minute=0)
        sam_msg, _ = await h.say(SAM, "kim hoort er toch niet bij", minute=1)
        result = await h.command(KIM, "meld", "hij", "doet", "dit", "elke", "dag",
                                 reply_to=(sam_msg, SAM))
        assert result.delete_command is True
        assert [r.to for r in result.replies] == ["private"]
        assert "vertrouwenspersoon" in result.replies[0].text
        (incident,) = incidents(h.app)
        assert incident.confidential and incident.reason == "report"
        assert incident.members == ["sam"]  # the reporter is not a "member involved"
        assert "A.11" in incident.articles
        await h.deliver()
        (alert,) = h.alerts(h.telegram, "700")
        assert "Melder: Kim" in alert and "kim hoort er toch niet bij" in alert
        assert "hij doet dit elke dag" in alert
        # Nothing in the group, nothing for mentor, team leader or leadership.
        assert [a for a in h.telegram.actions if a.chat_id == "-100"] == []
        assert h.alerts(h.telegram, "800") == [] and h.alerts(h.telegram, "900") == []
        assert h.matrix.actions == [] and h.app.mail.outbox == []
        for item in outbox(h.app):
            if item.channel != "telegram:700":
                assert "Kim" not in str(item.payload)
        with h.app.db.session() as s:
            trail = list(s.exec(select(AuditEntry)))
        assert trail and all("kim" not in (str(e.detail) + e.actor).lower() for e in trail)
        # The report is the adviser's alone: the mentor is refused (and it is audited); the
        # adviser's summary names who was reported, not who reported.
        refused = await h.command(MENTOR, "incident", str(incident.id))
        assert refused.replies[0].to == "private" and "Sam" not in refused.replies[0].text
        adviser = Sender("700", "Vertrouwenspersoon", Role.STAFF)
        shown = await h.command(adviser, "incident", str(incident.id), group=False)
        assert "Sam" in shown.replies[0].text and "Kim" not in shown.replies[0].text
    finally:
        await h.app.stop()


async def test_meld_without_anything_explains_privately(tmp_path: Path) -> None:
    h = await start(config(tmp_path), tmp_path)
    try:
        result = await h.command(NOOR, "meld")
        assert result.delete_command and result.replies[0].to == "private"
        assert "antwoord op het bericht met /meld" in result.replies[0].text
        english = await h.command(NOOR, "report")
        assert "reply to the message with /report" in english.replies[0].text
        assert incidents(h.app) == []
    finally:
        await h.app.stop()


async def test_meld_routed_to_the_mentor_when_the_group_says_so(tmp_path: Path) -> None:
    h = await start(config(tmp_path, escalation={"reports_to": "moderators"}), tmp_path)
    try:
        result = await h.command(ALEX, "meld", "er", "wordt", "iemand", "buitengesloten")
        assert "je mentor" in result.replies[0].text
        await h.deliver()
        assert len(h.alerts(h.telegram, "800")) == 1 and h.alerts(h.telegram, "700") == []
        assert "een situatie" in h.alerts(h.telegram, "800")[0]
    finally:
        await h.app.stop()


# --- reminders across a restart -----------------------------------------------------------------
async def test_pending_reminder_fires_after_a_restart(tmp_path: Path) -> None:
    cfg = config(tmp_path, escalation={"remind_after_minutes": 0.02})  # 1.2 seconds
    h = await start(cfg, tmp_path)
    await h.say(SAM, "[[plaag]] a", minute=0, reply_to=("k", KIM))
    await h.say(ALEX, "[[plaag]] b", minute=1, reply_to=("k", KIM))
    await h.say(NOOR, "[[plaag]] c", minute=2, reply_to=("k", KIM))
    (incident,) = incidents(h.app)
    assert incident.tier == 0
    await h.deliver()
    assert len(h.alerts(h.telegram, "800")) == 1
    await h.app.stop()  # the process ends before anyone acknowledged the alert

    h2 = await start(cfg, tmp_path)  # a new process on the same database
    try:
        deadline = time.monotonic() + 15
        last_alert = "incident:1:t2@mail:directie@school.test"  # queued last by the tier-2 job
        while time.monotonic() < deadline and all(i.dedupe_key != last_alert
                                                  for i in outbox(h2.app)):
            await asyncio.sleep(0.1)
        assert incidents(h2.app)[0].tier == 2
        await h2.deliver()
        team = h2.alerts(h2.matrix, "!team:school.test")
        assert len(team) == 2  # the team leader is reminded again when leadership comes in
        assert team[0].startswith("⏰ Herinnering: incident #1") and "teamleider" in team[0]
        (leadership,) = h2.alerts(h2.telegram, "900")
        assert "nu ook naar schoolleiding" in leadership
        mentor = h2.alerts(h2.telegram, "800")
        assert len(mentor) == 2 and all(a.startswith("⏰") for a in mentor)  # no re-sent original
        assert [m["To"] for m in h2.app.mail.outbox] == ["directie@school.test"]
        with h2.app.db.session() as s:
            moves = list(s.exec(select(AuditEntry).where(
                AuditEntry.action == "incident.escalate")))
        assert [m.detail["tier"] for m in moves] == [1, 2]
        # Acknowledged now: the alerts of every tier are edited, and nothing more fires.
        await h2.command(MENTOR, "ack", "1")
        await h2.deliver()
        edited = {e.chat_id for e in h2.telegram.of("edit")} | {
            e.chat_id for e in h2.matrix.of("edit")}
        assert edited == {"800", "900", "!team:school.test"}
        assert "opgepakt door Mevrouw de Vries" in h2.app.mail.outbox[-1].get_content()
    finally:
        await h2.app.stop()


# --- mail over real SMTP ----------------------------------------------------------------------
class Collect:
    def __init__(self) -> None:
        self.envelopes: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.envelopes.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


async def test_leadership_mail_over_a_real_smtp_server(tmp_path: Path) -> None:
    port = free_port()
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    cfg = config(tmp_path, mail={"backend": "smtp", "from_address": "schoolwacht@school.test",
                                 "smtp": {"host": "127.0.0.1", "port": port,
                                          "security": "none"}})
    h = await start(cfg, tmp_path, mail=SmtpBackend(cfg.mail))
    try:
        await h.say(SAM, "[[dreig]] ik weet waar je woont", minute=0)
        await h.deliver()
        assert len(handler.envelopes) == 1
        rcpt, content = handler.envelopes[0]
        assert rcpt == ["directie@school.test"]
        text = content.decode()
        assert "Incident #1" in text and "schoolleiding" in text
    finally:
        await h.app.stop()
        controller.stop()


# --- the sanction ladder ----------------------------------------------------------------------
async def test_ladder_step_is_suggested_and_the_decision_recorded(tmp_path: Path) -> None:
    cfg = config(tmp_path, escalation={"ladder_thresholds": [2, 4], "burst_count": 9})
    h = await start(cfg, tmp_path)
    try:
        await h.say(SAM, "[[grof]] een", minute=0)
        assert incidents(h.app) == []
        await h.say(SAM, "[[grof]] twee", minute=30)
        (incident,) = incidents(h.app)
        assert incident.reason == "ladder" and incident.members == ["sam"]
        await h.deliver()
        (alert,) = h.alerts(h.telegram, "800")
        assert "Sam heeft 2 overtredingen in 90 dagen" in alert
        assert "voorstel een waarschuwing" in alert and f"/besluit {incident.id} 1" in alert

        bad = await h.command(MENTOR, "besluit", str(incident.id), "1", "strafwerk")
        assert "Die stap ken ik niet" in bad.replies[0].text
        nobody = await h.command(MENTOR, "besluit", str(incident.id), "7", "waarschuwing")
        assert "1. Sam" in nobody.replies[0].text
        ok = await h.command(MENTOR, "besluit", str(incident.id), "1", "waarschuwing",
                             "gesprek", "gehad")
        assert ok.replies[0].to == "private"
        assert "een waarschuwing voor Sam" in ok.replies[0].text
        with h.app.db.session() as s:
            (decision,) = s.exec(select(AuditEntry).where(
                AuditEntry.action == "sanction.decision")).all()
        assert decision.target == "member:sam" and decision.actor == "telegram:800"
        assert decision.detail["step"] == "warning" and decision.detail["suggested"] == "warning"
        assert decision.detail["note"] == "gesprek gehad"
        settings = h.service.settings(await h.app.directory.get("telegram:-100"))
        assert (await h.service.ladder("sam", settings)).suggested is None  # decided

        await h.say(SAM, "[[grof]] drie", minute=60)
        view = await h.service.ladder("sam", settings)
        assert view.decided == "warning" and view.suggested == "parents"
        await h.say(SAM, "[[grof]] vier", minute=90)  # reaches the second threshold: alert again
        await h.deliver()
        alerts = h.alerts(h.telegram, "800")
        assert len(alerts) == 2 and alerts[1].startswith("🔺 Update")
        assert "Sam heeft 4 overtredingen" in alerts[1]
        assert "voorstel gesprek met ouders/verzorgers" in alerts[1]
        assert len(incidents(h.app)) == 1  # still one situation
        shown = await h.command(MENTOR, "incident", str(incident.id))
        assert "eerder besloten: een waarschuwing" in shown.replies[0].text
    finally:
        await h.app.stop()


async def test_unknown_escalation_key_stops_start_up(tmp_path: Path) -> None:
    from adapters.mail import MemoryBackend
    from bot.bootstrap import build_app

    cfg = config(tmp_path, escalation={"burst_cuont": 2})
    with pytest.raises(ConfigError, match=r"groups\[0\]\.escalation\.burst_cuont: unknown key"):
        build_app(cfg, mail=MemoryBackend(), adapters=[], policies=[MarkerRule()],
                  features=("bot.escalation",))
    bad = config(tmp_path, escalation={"ladder_thresholds": [5, 3]})
    with pytest.raises(ConfigError, match="increasing"):
        build_app(bad, mail=MemoryBackend(), adapters=[], policies=[MarkerRule()],
                  features=("bot.escalation",))


async def test_unacknowledged_report_is_reminded_to_the_adviser_only(tmp_path: Path) -> None:
    h = await start(config(tmp_path, escalation={"remind_after_minutes": 0.01}), tmp_path)
    try:
        await h.command(KIM, "meld", "iemand", "wordt", "gechanteerd", "met", "fotos")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and all(
                i.dedupe_key != "incident:1:r1@telegram:700" for i in outbox(h.app)):
            await asyncio.sleep(0.1)
        await h.deliver()
        alerts = h.alerts(h.telegram, "700")
        assert len(alerts) == 2 and alerts[1].startswith("⏰ Herinnering: deze stille melding")
        assert "Melder: Kim" in alerts[1]
        assert {a.chat_id for a in h.telegram.actions} == {"700"} and h.matrix.actions == []
        assert incidents(h.app)[0].tier == 0
    finally:
        await h.app.stop()


def test_documented_example_config_is_valid() -> None:
    import re
    import tomllib

    from bot.config import parse_config
    from bot.escalation.settings import settings_from, validate_config

    doc = (Path(__file__).resolve().parent.parent / "docs" / "escalation.md").read_text("utf-8")
    block = re.search(r"## Example configuration\n\n```toml\n(.*?)```", doc, re.S)
    assert block is not None
    cfg = parse_config(tomllib.loads(block.group(1)))
    validate_config(cfg)
    group = cfg.groups[0]
    merged = settings_from({**cfg.policies.class_.escalation, **group.escalation})
    assert merged.pile_on_senders == 2 and merged.burst_count == 3
