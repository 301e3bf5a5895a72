"""Matrix rooms handled concurrently (issue 16, row 3): a burst in one room never delays another
room (< 2 s), and within a room the order of events is kept. Against the real Synapse."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from tests.matrix_support import bot_config, eventually, start_bot
from tests.synapse_fixture import Synapse, synapse  # noqa: F401  (session fixture)
from tests.test_matrix import HARASSING, people  # noqa: F401  (fixture)

pytestmark = pytest.mark.slow


async def _can_delete(app, key: str) -> bool:  # type: ignore[no-untyped-def]
    row = await app.directory.row(key)
    return row is not None and row.can_delete is True


async def test_a_burst_in_one_room_never_delays_another(
        synapse: Synapse, tmp_path: Path, people, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    bot = synapse.register("schoolwacht")
    teacher, student, other = await people("docent"), await people("leerling"), \
        await people("anderleerling")
    management = await teacher.create_room("Beheer", invite=(bot.user_id,))
    busy = await teacher.create_room("Klas 1A", invite=(bot.user_id, student.user_id),
                                     powers={bot.user_id: 50})
    quiet = await teacher.create_room("Klas 4C", invite=(bot.user_id, other.user_id),
                                      powers={bot.user_id: 50})
    await student.join(busy)
    await other.join(quiet)
    monkeypatch.setenv("SW_TEST_MATRIX_TOKEN", bot.access_token)
    config = bot_config(tmp_path, synapse, bot, management_room=management,
                        groups=[{"id": f"matrix:{busy}", "kind": "class"},
                                {"id": f"matrix:{quiet}", "kind": "class"}])
    app, adapter = await start_bot(config)
    seen: list[str] = []

    class Order:
        async def on_decision(self, decision) -> None:  # type: ignore[no-untyped-def]
            if decision.event.group_id == busy:
                seen.append(decision.event.message_id)

    app.pipeline.add_listener(Order())
    try:
        for room in (busy, quiet):
            await eventually(lambda r=room: r in adapter.client.rooms, what="bot joined")
            await eventually(lambda r=room: _can_delete(app, f"matrix:{r}"), what="rights")
        # Every message of the burst takes this long to judge in the busy room (a slow model,
        # an image): 40 of them keep that room busy for 8 s.
        slow = app.pipeline.evaluate

        async def evaluate(event, group):  # type: ignore[no-untyped-def]
            if event.group_id == busy:
                await asyncio.sleep(0.2)
            return await slow(event, group)

        app.pipeline.evaluate = evaluate  # type: ignore[method-assign]
        burst = [await student.say(busy, f"{HARASSING} {i}") for i in range(40)]
        sent_at = time.monotonic()
        insult = await other.say(quiet, HARASSING)
        await eventually(lambda: teacher.redaction_of(quiet, insult), timeout=30,
                         what="redaction in the quiet room")
        took = time.monotonic() - sent_at
        assert took < 2.0, took
        for event_id in burst:
            await eventually(lambda e=event_id: teacher.redaction_of(busy, e), timeout=60,
                             what="the burst removed")
        await eventually(lambda: len(seen) >= len(burst), what="every decision")
        assert seen == burst  # in the room's order
    finally:
        await app.stop()
