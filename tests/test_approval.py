"""B.1: the bot works only in approved groups; elsewhere it says so and leaves."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from adapters.mail import MemoryBackend
from bot.bootstrap import build_app
from core.clock import now_utc
from core.events import BotAddedEvent, CommandEvent, MessageEvent, Role, Sender
from tests.core_support import WordRule, config, core_app
from tests.recording_port import RecordingPort

TEACHER = Sender("t9", "Juf Visser", Role.TEACHER)
ADMIN = Sender("admins", "Beheerder", Role.STAFF)  # [[school.admins]] console:admins
STUDENT = Sender("s1", "Sem", Role.STUDENT)


@pytest.fixture
async def app(tmp_path: Path):
    application = await core_app(tmp_path)
    yield application
    await application.stop()


def added(group: str = "nieuw") -> BotAddedEvent:
    return BotAddedEvent(platform="console", group_id=group, group_title="Nieuwe groep",
                         added_by=TEACHER)


async def test_unknown_group_waits_and_admins_get_buttons(app) -> None:
    assert await app.on_bot_added(added()) == "pending"
    await app.dispatcher.deliver_due()
    waiting = app.port.of("send")
    assert waiting[0].chat_id == "nieuw" and "goedkeuring" in waiting[0].detail["text"]
    alert = app.port.of("alert")[0]
    assert alert.chat_id == "admins"
    assert alert.detail["buttons"] == ["approve:console:nieuw", "reject:console:nieuw"]
    # No moderation while pending.
    event = MessageEvent(platform="console", group_id="nieuw", message_id="1", sender=STUDENT,
                         text="rotzak")
    assert await app.on_message(event) is None
    # Adding the bot again does not repeat the messages.
    await app.on_bot_added(added())
    await app.dispatcher.deliver_due()
    assert len(app.port.of("send")) == 1 and len(app.port.of("alert")) == 1


async def test_approval_by_button_starts_moderation_and_is_audited(app) -> None:
    await app.on_bot_added(added())
    result = await app.on_command(CommandEvent(platform="console", group_id="admins",
                                               sender=ADMIN, name="approve",
                                               args=("console:nieuw",)))
    assert "goedgekeurd" in result.replies[0].text
    await app.dispatcher.deliver_due()
    assert any("goedgekeurd" in a.detail["text"] for a in app.port.of("send"))
    assert app.port.of("edit")  # the admin alert is updated with the decision
    event = MessageEvent(platform="console", group_id="nieuw", message_id="2", sender=STUDENT,
                         text="rotzak")
    decision = await app.on_message(event)
    assert decision is not None and decision.verdict.flags == ["harassment"]
    assert [a.action for a in app.repos.audit.list("console:nieuw")][:1] == ["group.approved"]


async def test_only_the_school_approves(app) -> None:
    await app.on_bot_added(added())
    for sender in (STUDENT, TEACHER, Sender("t2", "Groepsbeheerder", Role.TEACHER,
                                            is_group_admin=True)):
        result = await app.on_command(CommandEvent(platform="console", group_id="nieuw",
                                                   sender=sender, name="approve",
                                                   args=("console:nieuw",)))
        assert result.replies[0].to == "private"
        assert "medewerkers" in result.replies[0].text or "schoolleiding" in result.replies[0].text
    assert (await app.directory.row("console:nieuw")).approval == "pending"


async def test_rejected_group_is_told_and_left(app) -> None:
    await app.on_bot_added(added())
    asked = await app.on_command(CommandEvent(platform="console", group_id="admins", sender=ADMIN,
                                              name="reject", args=("console:nieuw",)))
    assert "Weet je het zeker?" in asked.replies[0].text and asked.replies[0].to == "private"
    await app.dispatcher.deliver_due()
    assert not app.port.of("leave")  # nothing happens before the confirmation
    await app.on_command(CommandEvent(platform="console", group_id="admins", sender=ADMIN,
                                      name="reject", args=("console:nieuw", "bevestig")))
    await app.dispatcher.deliver_due()
    assert any("niet goedgekeurd" in a.detail["text"] for a in app.port.of("send"))
    assert [a.chat_id for a in app.port.of("leave")] == ["nieuw"]


async def test_not_approved_in_time_means_leaving(app) -> None:
    await app.on_bot_added(added())
    await app.directory.update("console:nieuw", approval_deadline=now_utc() - timedelta(
        minutes=1))
    assert await app.approvals.expire_overdue() == 1
    await app.dispatcher.deliver_due()
    assert [a.chat_id for a in app.port.of("leave")] == ["nieuw"]
    assert (await app.directory.row("console:nieuw")).approval == "left"


async def test_pre_approved_group_is_active_at_once(app) -> None:
    assert await app.on_bot_added(added("klas")) == "approved"
    await app.dispatcher.deliver_due()
    assert app.port.of("alert") == []


def test_cli_approves_and_the_bot_announces_it_later(tmp_path: Path) -> None:
    import asyncio

    from typer.testing import CliRunner

    from bot.cli import app as cli

    cfg_path = tmp_path / "c.toml"
    cfg_path.write_text(f"[storage]\nurl = 'sqlite:///{tmp_path / 'sw.db'}'\n")
    application = build_app(config(tmp_path), mail=MemoryBackend(), adapters=[],
                            policies=[WordRule()])
    port = RecordingPort("console")
    application.add_port(port)

    async def register() -> None:
        await application.on_bot_added(added())

    asyncio.run(register())
    runner = CliRunner()
    listed = runner.invoke(cli, ["groups", "list", "--config", str(cfg_path)])
    assert "console:nieuw" in listed.output and "pending" in listed.output
    result = runner.invoke(cli, ["groups", "approve", "console:nieuw", "--config",
                                 str(cfg_path)])
    assert result.exit_code == 0, result.output
    again = runner.invoke(cli, ["groups", "approve", "console:nieuw", "--config", str(cfg_path)])
    assert again.exit_code == 1 and "al goedgekeurd" in again.output

    async def deliver() -> None:
        await application.dispatcher.deliver_due()
        await application.stop()

    asyncio.run(deliver())
    assert any("goedgekeurd" in a.detail["text"] for a in port.of("send"))
