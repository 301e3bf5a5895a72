"""``schoolwacht groups approve`` while the bot runs (issue 16): the running bot picks the approval
up within seconds, greets the group and judges its messages from then on. Telegram against the Bot
API stand-in, Matrix against the real Synapse; the approval runs the CLI's own code path
(``bot.approval.decide_offline`` over a database connection of its own, as another process)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from bot.approval import decide_offline
from bot.keys import open_database
from storage.repositories import Repositories
from tests.matrix_support import bot_config, eventually, start_bot
from tests.synapse_fixture import Synapse, synapse  # noqa: F401  (session fixture)
from tests.telegram_standin import administrator, group, left, message, my_chat_member
from tests.test_matrix import HARASSING, people  # noqa: F401  (fixture)
from tests.test_telegram import DOXXING as INSULT
from tests.test_telegram import STUDENT, TEACHER, make_config, needs, sent_to
from tests.test_telegram import standin as standin_fixture
from tests.test_telegram import start as start_fixture

standin, start = standin_fixture, start_fixture  # the same fixtures as tests/test_telegram.py

NEW_ID = -100321
NEW = group(NEW_ID, "Klas 5D")


def approve_from_cli(config, key: str) -> tuple[bool, str]:  # type: ignore[no-untyped-def]
    db = open_database(config)  # as the CLI opens it: with the data key
    try:
        return decide_offline(config, Repositories(db), key, approve=True, actor="cli")
    finally:
        db.close()


async def test_telegram_cli_approval_is_picked_up_within_seconds(start, standin,
                                                                 tmp_path: Path) -> None:
    needs("personal_data", "harassment")
    api = standin
    bot = api.bot_user
    api.bot_member[NEW_ID] = administrator(bot)
    config = make_config(tmp_path, api)
    app = await start(config)
    api.push(my_chat_member(NEW, TEACHER, left(bot), administrator(bot)))
    await api.wait_for(lambda: sent_to(api, NEW_ID, "wacht op goedkeuring"))
    ignored = message(NEW, STUDENT, INSULT)
    api.push(ignored)
    await api.drained()
    await asyncio.sleep(0.3)
    assert not api.calls_of("deleteMessage")  # pending: not moderated yet

    ok, _line = await asyncio.to_thread(approve_from_cli, config, f"telegram:{NEW_ID}")
    assert ok
    approved_at = time.monotonic()
    await api.wait_for(lambda: sent_to(api, NEW_ID, "goedgekeurd"), timeout=10)
    assert time.monotonic() - approved_at < 5.0
    bad = message(NEW, STUDENT, INSULT)
    api.push(bad)
    await api.wait_for(lambda: api.calls_of("deleteMessage", message_id=bad["message"]
                                            ["message_id"]), timeout=5)
    assert (await app.directory.get(f"telegram:{NEW_ID}")).approved


@pytest.mark.slow
async def test_matrix_cli_approval_joins_greets_and_moderates_within_seconds(
        synapse: Synapse, tmp_path: Path, people, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    bot = synapse.register("schoolwacht")
    teacher, student = await people("mentor"), await people("leerling")
    management = await teacher.create_room("Beheer", invite=(bot.user_id,))
    klas = await teacher.create_room("Klas 3C", invite=(bot.user_id, student.user_id),
                                     powers={bot.user_id: 50})
    await student.join(klas)
    monkeypatch.setenv("SW_TEST_MATRIX_TOKEN", bot.access_token)
    config = bot_config(tmp_path, synapse, bot, management_room=management)
    app, _adapter = await start_bot(config)
    try:
        await eventually(lambda: teacher.notice_containing(management, f"matrix:{klas}"),
                         what="approval alert")
        assert bot.user_id not in await teacher.members(klas)

        ok, _line = await asyncio.to_thread(approve_from_cli, config, f"matrix:{klas}")
        assert ok
        approved_at = time.monotonic()
        await eventually(lambda: teacher.notice_containing(klas, "goedgekeurd"), timeout=30,
                         what="greeting in the approved room")
        took = time.monotonic() - approved_at
        assert took < 10.0, took
        bad = await student.say(klas, HARASSING)
        await eventually(lambda: teacher.redaction_of(klas, bad), timeout=15,
                         what="the first message after approval is judged")
        item = [i for i in await app.repos.db.run(app.repos.outbox.list)
                if i.channel == f"matrix:{klas}" and "approved" in i.dedupe_key]
        assert item and item[0].status == "sent"
    finally:
        await app.stop()


async def test_the_directory_refresh_drops_only_changed_groups(tmp_path: Path) -> None:
    """The periodic refresh compares plain row tuples (no ORM objects): an unchanged group stays
    cached, a group changed by another process is read again."""
    from tests.core_support import core_app

    app = await core_app(tmp_path)
    try:
        key = "console:klas"
        first = await app.directory.get(key)
        assert first is not None
        await app.directory.refresh()
        assert await app.directory.get(key) is first  # unchanged: still the cached entry
        await app.repos.db.run(lambda: app.repos.groups.update(key, mode="observe"))
        await app.directory.refresh()
        again = await app.directory.get(key)
        assert again is not first and again.observe
    finally:
        await app.stop()
