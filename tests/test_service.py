"""``schoolwacht run`` as a service (issue 16): stdin closed, runs until SIGTERM/SIGINT, then stops
cleanly within 10 s; ``schoolwacht health`` answers for the running bot. A real subprocess against
the Bot API stand-in."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.telegram_standin import BotApiStandIn

TOKEN = "123456:TEST-token"
ROOT = Path(__file__).resolve().parent.parent


def write_config(tmp_path: Path, api: BotApiStandIn, more: str = "") -> Path:
    """A Telegram bot's config on the Bot API stand-in (``more``: further TOML, such as groups)."""
    path = tmp_path / "schoolwacht.toml"
    path.write_text(f"""
[school]
name = "Testschool"

[storage]
url = "sqlite:///{tmp_path / 'sw.db'}"

[mail]
backend = "memory"

[adapters.telegram]
enabled = true
base_url = "{api.base_url}"
admin_chat_id = -100900
{more}""", encoding="utf-8")
    return path


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_run_with_stdin_closed_lasts_until_a_signal_then_stops_within_10_s(
        tmp_path: Path, sig: signal.Signals) -> None:
    api = BotApiStandIn(token=TOKEN)
    await api.start()
    env = {**os.environ, "SCHOOLWACHT_TELEGRAM_TOKEN": TOKEN, "PYTHONPATH": str(ROOT)}
    config = write_config(tmp_path, api)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", "--config", str(config), cwd=tmp_path, env=env,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        await api.wait_for(lambda: api.last_poll, timeout=60)  # polling Telegram
        await asyncio.sleep(3)  # the console chat would have ended the bot by now
        assert proc.returncode is None
        health = await asyncio.to_thread(cli, "health", "--config", str(config), env=env)
        assert health.returncode == 0, health.stdout + health.stderr
        assert json.loads(health.stdout)["ok"] is True
        began = time.monotonic()
        proc.send_signal(sig)
        _out, err = await asyncio.wait_for(proc.communicate(), 15)
        took = time.monotonic() - began
        assert proc.returncode == 0, err.decode()[-2000:]
        assert took < 10, took
        assert b"Traceback" not in err
        assert not (tmp_path / "var" / "alerts").exists()  # no console chat beside Telegram
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await api.stop()
    # Stopped: the heartbeat ages, so the health check fails once it is older than a minute;
    # without any database it fails at once with one JSON line.
    broken = tmp_path / "broken.toml"
    broken.write_text(config.read_text().replace(str(tmp_path / "sw.db"),
                                                 str(tmp_path / "nope" / "x" / "sw.db")))
    result = await asyncio.to_thread(cli, "health", "--config", str(broken), env=env)
    assert result.returncode == 1 and json.loads(result.stdout)["ok"] is False
