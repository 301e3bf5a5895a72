"""The outbox's retry horizon with a real SMTP relay (aiosmtpd): relay down, then up (issue 16).

Mails are retried with capped backoff for at least 24 hours, never marked dead early; dead items are
listed and revived with ``schoolwacht outbox``; every mail is delivered once, with a Message-ID
derived from its outbox item (the same id again if a crash repeats a delivery: at-least-once).
"""

from __future__ import annotations

import asyncio
import socket
from datetime import timedelta
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlalchemy import update
from sqlmodel import select
from typer.testing import CliRunner

from adapters.mail import SmtpBackend
from bot.alerts import AlertService, Router
from bot.cli import app as cli
from bot.config import parse_config
from bot.delivery import mail_handler, message_id_for
from bot.outbox import BASE_DELAY, HORIZON, MAX_DELAY, Dispatcher, Outbox, backoff
from core.clock import now_utc
from storage.db import Database
from storage.models import OutboxItem
from storage.repositories import OutboxRepository
from tests.privacy_support import TEST_KEYS
from tests.test_digest import Recorder


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def time_passes(db: Database, hours: float = 0.0) -> None:
    """Every pending item is due now; ``hours`` ages the items (as if that much time passed)."""
    with db.session() as s:
        for item in s.exec(select(OutboxItem)).all():
            if item.status == "pending":
                item.next_attempt_at = now_utc()
            item.created_at = item.created_at - timedelta(hours=hours)
            s.add(item)
        s.commit()


def test_backoff_is_capped_and_the_horizon_is_a_day() -> None:
    assert backoff(0) == BASE_DELAY and backoff(3) == BASE_DELAY * 8
    assert backoff(50) == MAX_DELAY == 900
    assert timedelta(hours=24) <= HORIZON


async def test_relay_down_then_up_delivers_every_digest_mail_once(tmp_path: Path) -> None:
    port = free_port()
    url = f"sqlite:///{tmp_path / 'sw.db'}"
    config_file = tmp_path / "sw.toml"
    config_file.write_text(f'[storage]\nurl = "{url}"\n', encoding="utf-8")
    cfg = parse_config({"mail": {"backend": "smtp", "from_address": "wacht@school.nl",
                                 "smtp": {"host": "127.0.0.1", "port": port, "security": "none",
                                          "timeout_seconds": 2}}})
    db = Database(url, keys=TEST_KEYS)
    repo = OutboxRepository(db)
    outbox = Outbox(repo)
    dispatcher = Dispatcher(outbox)
    dispatcher.register("mail", mail_handler(SmtpBackend(cfg.mail), repo))
    alerts = AlertService(cfg, outbox, Router(cfg))
    keys = []
    for n in range(30):
        key = f"digest:klas-3a:2026-02-{n:02d}"
        mail = alerts.mail(f"ouder{n}@example.org", "Schoolnieuws 3A", f"Digest {n}", key)
        keys.append(f"{key}@mail:ouder{n}@example.org")
        await outbox.put(kind="mail", channel=f"mail:ouder{n}@example.org",
                         payload={"raw": mail.as_string()}, dedupe_key=keys[-1])

    # The relay is down for a long while: 12 rounds of retries (hours of backoff): none is dead.
    for _ in range(12):
        await dispatcher.deliver_due()
        time_passes(db, hours=1.5)
    counts = repo.counts()
    assert counts == {"pending": 30}, counts
    assert all(i.attempts == 12 for i in repo.list("pending"))
    # Past the horizon (a day and more), the next failure makes an item dead: visible, revivable.
    time_passes(db, hours=7)
    await dispatcher.deliver_due()
    assert repo.counts() == {"dead": 30}
    runner = CliRunner()
    listed = runner.invoke(cli, ["outbox", "list", "--config", str(config_file)])
    assert listed.exit_code == 0 and listed.output.count("\tdead\tmail\t") == 30
    revived = runner.invoke(cli, ["outbox", "retry", "--all-dead", "--config", str(config_file)])
    assert revived.exit_code == 0 and "30 item(s)" in revived.output

    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        await dispatcher.deliver_due()
        await dispatcher.deliver_due()  # nothing left to send twice
        assert repo.counts() == {"sent": 30}
        assert len(recorder.received) == 30
        ids = [m["Message-ID"] for _, m in recorder.received]
        # (each recipient is its own lane, so the relay sees them in any order)
        expected = [message_id_for(k.partition("@mail:")[0], "school.nl") for k in keys]
        assert sorted(ids) == sorted(expected)

        # A crash after the relay accepted a mail, before it was marked sent: at-least-once, with
        # the same Message-ID (receivers and the relay can recognise the repeat).
        first = repo.by_key(keys[0])
        with db.engine.begin() as conn:
            conn.execute(update(OutboxItem).where(OutboxItem.id == first.id)
                         .values(status="sending"))
        assert await dispatcher.recover() == 1
        await dispatcher.deliver_due()
        again = [m["Message-ID"] for _, m in recorder.received]
        assert len(again) == 31 and again[-1] == expected[0]
    finally:
        controller.stop()
        db.close()
    await asyncio.sleep(0)
