"""The bot SIGKILLed and restarted (issue 16, row 1): a real ``schoolwacht run`` subprocess against
the Bot API stand-in, killed after it fetched a harassing message and before it handled it (the
stand-in holds the bot in its first call while judging), then started again. The message is
judged once: removed once, one alert, its findings stored once. With python-telegram-bot's own
polling the next ``getUpdates`` had already confirmed the update to Telegram, and it was lost."""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from storage.db import Database
from storage.repositories import Repositories
from tests.privacy_support import TEST_KEYS
from tests.telegram_standin import BotApiStandIn, administrator, group, message, user
from tests.test_service import write_config as write_service_config

TOKEN = "123456:TEST-token"
ROOT = Path(__file__).resolve().parent.parent
ADMIN_CHAT = -100900
CLASS_ID = -100777
CLASS = group(CLASS_ID, "Klas 3A")
INSULT = "Bel hem maar op 06-12345678 en zeg wat je van die sukkel vindt"


def write_config(tmp_path: Path, api: BotApiStandIn) -> Path:
    return write_service_config(tmp_path, api, f"""
[[groups]]
id = "telegram:{CLASS_ID}"
kind = "class"
title = "Klas 3A"
""")


class Bot:
    """``schoolwacht run`` as a subprocess, killed with SIGKILL (no clean stop)."""

    def __init__(self, tmp_path: Path, api: BotApiStandIn) -> None:
        self.config = write_config(tmp_path, api)
        self.cwd = tmp_path
        self.env = {**os.environ, "SCHOOLWACHT_TELEGRAM_TOKEN": TOKEN, "PYTHONPATH": str(ROOT)}
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", "--config", str(self.config), cwd=self.cwd,
            env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)

    async def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()


def alerts(api: BotApiStandIn, mid: int) -> list[dict[str, Any]]:
    """Alerts in the admin chat (each test's messages come from a student of its own)."""
    return [c for c in api.calls_of("sendMessage", chat_id=ADMIN_CHAT)
            if "Gedaan" in str(c.get("text", ""))]


def findings(tmp_path: Path, mid: int) -> list[Any]:
    db = Database(f"sqlite:///{tmp_path / 'sw.db'}", keys=TEST_KEYS)
    try:
        return Repositories(db).findings.for_message(f"telegram:{CLASS_ID}", str(mid))
    finally:
        db.close()


@pytest.fixture
async def api():
    standin = BotApiStandIn(token=TOKEN)
    standin.bot_member[CLASS_ID] = administrator(standin.bot_user)
    await standin.start()
    yield standin
    await standin.stop()


async def test_killed_between_fetch_and_handling_the_message_is_judged_once(
        tmp_path: Path, api: BotApiStandIn) -> None:
    bot = Bot(tmp_path, api)
    await bot.start()
    try:
        await api.wait_for(lambda: api.last_poll, timeout=60)
        # Judging the message asks Telegram who the group's admins are: held there.
        api.hold("getChatAdministrators")
        update = message(CLASS, user(4001, "Sam"), INSULT)
        mid = update["message"]["message_id"]
        api.push(update)
        await api.wait_for(lambda: api.calls_of("getChatAdministrators") or
                           [c for c in api.calls if c.method == "getChatAdministrators"],
                           timeout=20)
        await asyncio.sleep(0.3)  # PTB's polling fetched the next batch (confirming) by now
        assert not api.calls_of("deleteMessage", message_id=mid)
        await bot.kill()
        api.release("getChatAdministrators")

        await bot.start()
        await api.wait_for(lambda: api.calls_of("deleteMessage", message_id=mid), timeout=60)
        await api.wait_for(lambda: alerts(api, mid), timeout=20)
        await asyncio.sleep(1.0)  # nothing more arrives
        assert len([c for c in api.calls if c.method == "deleteMessage"]) == 1
        assert len(alerts(api, mid)) == 1
        await bot.kill()
        stored = findings(tmp_path, mid)
        assert stored and len(stored) == len({f.policy for f in stored})  # judged once
    finally:
        await bot.kill()


async def test_killed_at_random_moments_loses_no_message_and_alerts_each_once(
        tmp_path: Path, api: BotApiStandIn) -> None:
    """Killed 0-300 ms after each of several harassing messages, restarted each time."""
    rng = random.Random(16)
    bot = Bot(tmp_path, api)
    await bot.start()
    sent: list[int] = []
    try:
        await api.wait_for(lambda: api.last_poll, timeout=60)
        for i in range(4):
            update = message(CLASS, user(4100 + i, f"Leerling{i}"), f"{INSULT} {i}")
            mid = update["message"]["message_id"]
            sent.append(mid)
            api.last_poll = {}
            api.push(update)
            await asyncio.sleep(rng.uniform(0, 0.3))
            await bot.kill()
            await bot.start()
            await api.wait_for(lambda: api.last_poll, timeout=60)
        for mid in sent:
            await api.wait_for(lambda m=mid: api.calls_of("deleteMessage", message_id=m),
                               timeout=30)
        await asyncio.sleep(2.0)  # alerts held for their actions, then nothing more
        for mid in sent:
            assert len(api.calls_of("deleteMessage", message_id=mid)) == 1
        texts = [c["text"] for c in api.calls_of("sendMessage", chat_id=ADMIN_CHAT)
                 if "Gedaan" in str(c.get("text", ""))]
        # one alert per message (a kill right after Telegram accepted an alert, before it was
        # marked sent, may repeat it: the documented at-least-once window of chat platforms)
        assert len(set(texts)) == len(sent), texts
        assert all("bericht verwijderd" in t for t in texts)
        await bot.kill()
        for mid in sent:
            assert findings(tmp_path, mid)
    finally:
        await bot.kill()
