"""The route of one message through the real pipeline, storage and outbox (SQLite on disk)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from adapters.mail import MemoryBackend
from bot.bootstrap import build_app
from core.events import MessageEvent, Role, Sender
from core.findings import ActionKind
from storage.models import ActionRecord, FindingRecord
from tests.core_support import WordRule, config, core_app
from tests.recording_port import RecordingPort

STUDENT = Sender("s1", "Sanne", Role.STUDENT)
TEACHER = Sender("mentor", "Meneer Bakker", Role.TEACHER)  # moderator of console:klas


def msg(text: str, group: str = "klas", sender: Sender = STUDENT, mid: str = "1") -> MessageEvent:
    return MessageEvent(platform="console", group_id=group, message_id=mid, sender=sender, text=text)


@pytest.fixture
async def app(tmp_path: Path):
    application = await core_app(tmp_path)
    yield application
    await application.stop()


async def test_clean_message_leaves_no_trace(app, tmp_path: Path) -> None:
    decision = await app.on_message(msg("Morgen toets hoofdstuk 4, vergeet je rekenmachine niet"))
    assert decision is not None and decision.verdict.clean
    assert app.port.actions == []
    with app.db.session() as s:
        assert s.exec(select(FindingRecord)).all() == []
    app.db.engine.dispose()
    # Data minimisation: the text of a clean message is not written anywhere in the database.
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("sw.db*"))
    assert b"rekenmachine" not in raw


async def test_flagged_message_is_deleted_warned_recorded_and_alerted(app) -> None:
    decision = await app.on_message(msg("jij bent een rotzak", mid="42"))
    assert decision.verdict.flags == ["harassment"]
    assert [a.kind for a in decision.plan.actions] == [ActionKind.DELETE, ActionKind.WARN,
                                                       ActionKind.NOTIFY]
    deletes = app.port.of("delete")
    assert deletes[0].detail["message_id"] == "42"
    assert "A.10" in deletes[0].detail["reason"]
    # The warning goes privately to Sanne; the group reads a notice that names nobody.
    (warn,) = app.port.of("private")
    assert warn.chat_id == "s1" and "Sanne" in warn.detail["text"] and "A.10" in \
        warn.detail["text"]
    (notice,) = app.port.of("send")
    assert "Sanne" not in notice.detail["text"] and "A.10" in notice.detail["text"]
    assert notice.detail["reply_to"] is None  # the message is gone: no reply to it
    await app.dispatcher.deliver_due()
    alert = app.port.of("alert")[0]
    assert alert.chat_id == "mentor"
    assert "Klas 2B" in alert.detail["text"] and "A.10" in alert.detail["text"]
    assert alert.detail["buttons"][0].startswith("fb:correct:")
    await app.pipeline.flush_actions()  # the action log is written in batches
    with app.db.session() as s:
        finding = s.exec(select(FindingRecord)).one()
        assert finding.text == "jij bent een rotzak" and finding.member_id == "s1"
        actions = s.exec(select(ActionRecord)).all()
    assert sorted(a.action for a in actions) == ["delete", "notify", "warn"]
    assert all(a.ok and not a.observe for a in actions)


async def test_observe_mode_records_and_notifies_but_never_acts_in_group(app) -> None:
    decision = await app.on_message(msg("rotzak", group="ouders"))
    assert decision.plan.observe
    assert app.port.of("delete") == [] and app.port.of("send") == []
    await app.dispatcher.deliver_due()
    alerts = app.port.of("alert")
    assert alerts and alerts[0].chat_id == "admins"  # no moderators configured: admins
    assert "observatiemodus" in alerts[0].detail["text"]
    await app.pipeline.flush_actions()
    with app.db.session() as s:
        actions = s.exec(select(ActionRecord)).all()
    assert {a.action for a in actions if a.observe} == {"delete", "warn"}


async def test_staff_messages_are_never_deleted_or_answered(app) -> None:
    decision = await app.on_message(msg("rotzak", sender=TEACHER))
    assert decision.verdict.flags == ["harassment"]
    assert app.port.actions == []
    assert not decision.plan.has(ActionKind.DELETE)


async def test_unapproved_or_unknown_group_is_ignored(app) -> None:
    assert await app.on_message(msg("rotzak", group="onbekend")) is None
    assert app.port.actions == []


async def test_reminder_once_per_member_per_day_then_teacher_is_told(app) -> None:
    first = await app.on_message(msg("zacht:rotzak", mid="1"))
    second = await app.on_message(msg("zacht:rotzak", mid="2"))
    third = await app.on_message(msg("zacht:rotzak", mid="3"))
    assert first.plan.kinds == ["remind"]
    assert second.plan.kinds == ["notify"]  # the teacher hears it once ...
    assert third.plan.kinds == []  # ... and is not flooded: later repeats are recorded only
    # The reminder went privately to the member; nothing in the group.
    assert len(app.port.of("private")) == 1 and app.port.of("send") == []
    await app.dispatcher.deliver_due()
    assert len(app.port.of("alert")) == 1


async def test_missing_rights_put_the_group_in_observe_mode(app) -> None:
    await app.on_rights("console:klas", can_delete=False, can_read_all=True)
    decision = await app.on_message(msg("rotzak"))
    assert decision.plan.observe and app.port.of("delete") == []
    await app.on_rights("console:klas", can_delete=True, can_read_all=True)
    decision = await app.on_message(msg("rotzak", mid="2"))
    assert not decision.plan.observe and app.port.of("delete")


async def test_group_override_from_beleid_applies_and_is_audited(app) -> None:
    from core.events import CommandEvent

    result = await app.on_command(CommandEvent(platform="console", group_id="klas", sender=TEACHER,
                                               name="beleid", args=("word", "words",
                                                                    '["boef"]')))
    assert "words" in result.replies[0].text
    decision = await app.on_message(msg("wat een boef"))
    assert decision.verdict.flags == ["harassment"]
    refused = await app.on_command(CommandEvent(platform="console", group_id="klas", sender=TEACHER,
                                                name="beleid", args=("word", "nonsense", "1")))
    assert "unknown key" in refused.replies[0].text
    student = await app.on_command(CommandEvent(platform="console", group_id="klas",
                                                sender=STUDENT, name="beleid", args=()))
    assert "medewerkers" in student.replies[0].text
    audit = app.repos.audit.list("console:klas")
    # The student's attempt changed nothing and is in the audit log too (newest first).
    assert [a.action for a in audit] == ["permission.refused", "policy.change"]


@pytest.mark.parametrize("text", [
    "x" * 1_000_000,
    "\ud800\udfff kapot",
    "\x00\x01\x02binair\xff",
    "r\u200bo\u200bt\u200bz\u200ba\u200bk",
    "😀" * 5000,
])
async def test_hostile_text_gets_a_safe_verdict(app, text: str) -> None:
    decision = await app.on_message(msg(text))
    assert decision is not None
    assert decision.verdict.severity.label in ("none", "low", "medium", "high", "critical")


async def test_zero_width_evasion_is_still_caught(app) -> None:
    decision = await app.on_message(msg("r\u200bo\u200bt\u200bz\u200ba\u200bk"))
    assert decision.verdict.flags == ["harassment"]


async def test_a_failing_rule_does_not_silence_the_others(tmp_path: Path) -> None:
    class Broken(WordRule):
        name = "broken"

        def check_text(self, text, ctx, event):  # type: ignore[no-untyped-def]
            raise RuntimeError("boom")

    application = build_app(config(tmp_path), mail=MemoryBackend(), adapters=[],
                            policies=[Broken(), WordRule()])
    try:
        await application.directory.sync_config()
        decision = await application.on_message(msg("rotzak"))
        assert decision.verdict.flags == ["harassment"]
        assert [f.policy for f in decision.verdict.findings] == ["word"]
    finally:
        await application.stop()


def test_decision_time_is_the_clock_of_the_app(tmp_path: Path) -> None:
    fixed = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    application = build_app(config(tmp_path), mail=MemoryBackend(), adapters=[],
                            policies=[WordRule()], clock=lambda: fixed)
    assert application.pipeline.clock() == fixed
    application.db.close()


async def test_feedback_buttons_mark_findings_and_extend_the_allow_list(tmp_path: Path) -> None:
    from core.events import CommandEvent
    from policies.personal_data import PersonalDataPolicy

    application = build_app(config(tmp_path), mail=MemoryBackend(), adapters=[],
                            policies=[PersonalDataPolicy()],
                            features=("bot.feedback_commands",))
    try:
        await application.directory.sync_config()
        application.add_port(RecordingPort("console"))
        first = await application.on_message(msg("zijn nummer is 06-12345678"))
        finding_id = first.finding_ids[0]
        student = await application.on_command(CommandEvent(
            platform="console", group_id="klas", sender=STUDENT, name="fb",
            args=("wrong", str(finding_id))))
        assert "medewerkers" in student.replies[0].text
        result = await application.on_command(CommandEvent(
            platform="console", group_id="klas", sender=TEACHER, name="fb",
            args=("wrong", str(finding_id), "06-12345678")))
        assert result.replies[0].to == "private" and "06-12345678" in result.replies[0].text
        again = await application.on_message(msg("zijn nummer is 06-12345678", mid="2"))
        assert again.verdict.clean  # the moderator allowed it in this group
        report = await application.feedback.report(["console:klas"])
        row = next(r for r in report if r.flag == "personal_data")
        assert row.wrong == 1
    finally:
        await application.stop()
