"""The Matrix bot SIGKILLed and restarted against a real Synapse (issue 16, rows 1 and 2), and the
outbox key as the Matrix transaction id (a re-sent alert is deduplicated by the homeserver).

The bot is a real ``schoolwacht run`` subprocess; teacher and student are real nio clients."""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from storage.db import Database
from storage.repositories import Repositories
from tests.matrix_support import Person, bot_config, eventually, start_bot
from tests.privacy_support import TEST_KEYS
from tests.synapse_fixture import Synapse, User, synapse  # noqa: F401  (session fixture)
from tests.test_matrix import HARASSING, people  # noqa: F401  (fixture)

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


async def test_an_alert_sent_again_is_one_event(synapse: Synapse, tmp_path: Path, people,  # noqa: F811
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The process dies after Synapse accepted an alert and before it was marked sent: the redo
    carries the same transaction id, and the room shows the alert once."""
    bot = synapse.register("schoolwacht")
    teacher = await people("docent")
    management = await teacher.create_room("Beheer", invite=(bot.user_id,))
    monkeypatch.setenv("SW_TEST_MATRIX_TOKEN", bot.access_token)
    app, _adapter = await start_bot(bot_config(tmp_path, synapse, bot,
                                               management_room=management))
    try:
        await app.outbox.put(kind="alert", channel=f"matrix:{management}",
                             payload={"text": "Melding 42", "buttons": []},
                             dedupe_key="alert:dedupe-test")
        await eventually(lambda: teacher.notice_containing(management, "Melding 42"),
                         what="first delivery")
        item = await app.repos.db.run(app.repos.outbox.by_key, "alert:dedupe-test")
        assert item is not None and item.status == "sent"
        first = item.ref
        # As after a SIGKILL between Synapse's answer and mark_sent: the item is sent again.
        await app.repos.db.run(lambda: app.repos.outbox.mark_failed(item.id, "interrupted",
                                                                     item.created_at))
        await app.dispatcher.deliver_due()
        again = await app.repos.db.run(app.repos.outbox.by_key, "alert:dedupe-test")
        assert again.status == "sent" and again.ref == first  # the same event, answered again
        await asyncio.sleep(1.5)
        notices = [n for n in teacher.notices(management) if "Melding 42" in n["content"]["body"]]
        assert len(notices) == 1
    finally:
        await app.stop()


def write_config(tmp_path: Path, server: Synapse, bot: User, management: str, klas: str) -> Path:
    path = tmp_path / "schoolwacht.toml"
    q = json.dumps
    path.write_text(f"""
[school]
name = "Testcollege"

[storage]
url = {q(f"sqlite:///{tmp_path / 'bot.db'}")}

[mail]
backend = "memory"

[adapters.matrix]
enabled = true
homeserver = {q(server.url)}
user_id = {q(bot.user_id)}
access_token_env = "SW_TEST_MATRIX_TOKEN"
store_path = {q(str(tmp_path / "matrix-store"))}
management_room = {q(management)}

[[groups]]
id = {q(f"matrix:{klas}")}
kind = "class"
title = "Klas 1A"
""", encoding="utf-8")
    return path


def can_delete(tmp_path: Path, key: str) -> bool:
    db = Database(f"sqlite:///{tmp_path / 'bot.db'}", keys=TEST_KEYS)
    try:
        row = Repositories(db).groups.get(key)
        return row is not None and row.can_delete is True
    except Exception:
        return False
    finally:
        db.close()


def alerts(teacher: Person, management: str) -> list[str]:
    return [str(n["content"]["body"]) for n in teacher.notices(management)
            if "Gedaan" in str(n["content"].get("body", ""))]


async def test_killed_0_to_300_ms_after_harassment_loses_nothing(
        synapse: Synapse, tmp_path: Path, people) -> None:  # noqa: F811
    """Killed 0-300 ms after each harassing message, restarted each time: every message is
    removed, and every removal is reported exactly once."""
    bot = synapse.register("schoolwacht")
    teacher, student = await people("docent"), await people("leerling")
    management = await teacher.create_room("Beheer", invite=(bot.user_id,))
    klas = await teacher.create_room("Klas 1A", invite=(bot.user_id, student.user_id),
                                     powers={bot.user_id: 50})
    await student.join(klas)
    config = write_config(tmp_path, synapse, bot, management, klas)
    env = {**os.environ, "SW_TEST_MATRIX_TOKEN": bot.access_token, "PYTHONPATH": str(ROOT)}
    proc: asyncio.subprocess.Process | None = None

    async def start() -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", "--config", str(config), cwd=tmp_path,
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)

    async def kill(p: asyncio.subprocess.Process) -> None:
        if p.returncode is None:
            p.kill()
            await p.wait()

    rng = random.Random(16)
    sent: list[str] = []
    try:
        proc = await start()
        await eventually(lambda: bot.user_id in teacher.client.rooms[klas].users, timeout=60,
                         what="bot joined")
        await eventually(lambda: can_delete(tmp_path, f"matrix:{klas}"), timeout=30,
                         what="rights checked")
        for i in range(6):
            sent.append(await student.say(klas, f"{HARASSING} ({i})"))
            await asyncio.sleep(rng.uniform(0, 0.3))
            await kill(proc)
            proc = await start()
        for event_id in sent:
            await eventually(lambda e=event_id: teacher.redaction_of(klas, e), timeout=60,
                             what=f"redaction of {event_id}")
        await eventually(lambda: len(alerts(teacher, management)) >= len(sent), timeout=30,
                         what="an alert per message")
        await asyncio.sleep(3)  # nothing more arrives
        found = alerts(teacher, management)
        assert len(found) == len(sent), found  # exactly once: Synapse dropped any re-send
        assert all("verwijderd" in text for text in found)
        redactions = [e for e in teacher.events.get(klas, []) if e.get("type") ==
                      "m.room.redaction"]
        assert len(redactions) == len(sent)
    finally:
        if proc is not None:
            await kill(proc)
