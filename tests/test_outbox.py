"""The persistent outbox: nothing lost, nothing duplicated, across failures and restarts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.outbox import Dispatcher, Outbox
from core.clock import now_utc
from core.delivery import PermanentDeliveryError, TemporaryDeliveryError
from storage.db import Database
from storage.models import OutboxItem
from storage.repositories import OutboxRepository
from tests.privacy_support import TEST_KEYS


def outbox_on(path: Path) -> tuple[Database, Outbox, Dispatcher]:
    db = Database(f"sqlite:///{path}", keys=TEST_KEYS)
    outbox = Outbox(OutboxRepository(db))
    return db, outbox, Dispatcher(outbox)


async def test_same_dedupe_key_is_stored_once(tmp_path: Path) -> None:
    db, outbox, _ = outbox_on(tmp_path / "o.db")
    assert await outbox.put(kind="alert", channel="console:x", payload={"text": "a"},
                            dedupe_key="k1")
    assert not await outbox.put(kind="alert", channel="console:x", payload={"text": "a"},
                                dedupe_key="k1")
    assert len(outbox.repo.list()) == 1
    db.close()


async def test_temporary_failure_is_retried_with_backoff_then_delivered_once(tmp_path: Path
                                                                            ) -> None:
    db, outbox, dispatcher = outbox_on(tmp_path / "o.db")
    delivered: list[int] = []
    failures = [TemporaryDeliveryError("flood", retry_after=0.0), ConnectionError("down")]

    async def handler(item: OutboxItem):  # type: ignore[no-untyped-def]
        if failures:
            raise failures.pop(0)
        delivered.append(item.id or 0)
        return {"chat_id": "x", "message_id": "1"}

    dispatcher.register("console", handler)
    await outbox.put(kind="alert", channel="console:x", payload={"text": "a"}, dedupe_key="k")
    assert await dispatcher.deliver_due() == 0
    item = outbox.repo.list()[0]
    assert item.status == "pending" and item.attempts == 1
    # retry_after=0 means due again at once; the network error backs off a little
    assert await dispatcher.deliver_due() == 0
    item = outbox.repo.list()[0]
    assert item.attempts == 2 and item.next_attempt_at.replace(tzinfo=None) > \
        now_utc().replace(tzinfo=None)
    with db.session() as s:
        row = s.get(OutboxItem, item.id)
        row.next_attempt_at = now_utc() - timedelta(seconds=1)
        s.add(row)
        s.commit()
    assert await dispatcher.deliver_due() == 1
    assert await dispatcher.deliver_due() == 0
    assert len(delivered) == 1
    assert outbox.repo.list()[0].status == "sent"
    db.close()


async def test_permanent_failure_marks_the_item_dead(tmp_path: Path) -> None:
    db, outbox, dispatcher = outbox_on(tmp_path / "o.db")

    async def handler(item: OutboxItem):  # type: ignore[no-untyped-def]
        raise PermanentDeliveryError("bot removed")

    dispatcher.register("console", handler)
    await outbox.put(kind="alert", channel="console:x", payload={"text": "a"}, dedupe_key="k")
    await dispatcher.deliver_due()
    assert outbox.repo.list()[0].status == "dead"
    db.close()


async def test_a_restart_delivers_what_was_pending_and_nothing_twice(tmp_path: Path) -> None:
    path = tmp_path / "o.db"
    db, outbox, dispatcher = outbox_on(path)
    sent: list[str] = []

    async def handler(item: OutboxItem):  # type: ignore[no-untyped-def]
        sent.append(item.dedupe_key)
        return None

    for n in range(3):
        await outbox.put(kind="alert", channel="console:x", payload={"text": str(n)},
                         dedupe_key=f"k{n}")
    dispatcher.register("console", handler)
    items = outbox.repo.due(now_utc())
    # The first process delivers one item, then "crashes" before the others.
    await handler(items[0])
    outbox.repo.mark_sent(items[0].id, None)
    db.close()

    db2, outbox2, dispatcher2 = outbox_on(path)
    dispatcher2.register("console", handler)
    # Replaying the producer after the restart does not create duplicates either.
    await outbox2.put(kind="alert", channel="console:x", payload={"text": "1"}, dedupe_key="k1")
    assert await dispatcher2.deliver_due() == 2
    assert await dispatcher2.deliver_due() == 0
    assert sorted(sent) == ["k0", "k1", "k2"]
    db2.close()


async def test_items_for_channels_without_a_handler_wait(tmp_path: Path) -> None:
    db, outbox, dispatcher = outbox_on(tmp_path / "o.db")
    await outbox.put(kind="alert", channel="matrix:!room", payload={"text": "a"},
                     dedupe_key="k")
    assert await dispatcher.deliver_due() == 0
    assert outbox.repo.list()[0].status == "pending"
    db.close()


async def test_concurrent_passes_never_deliver_an_item_twice(tmp_path: Path) -> None:
    import asyncio

    db, outbox, dispatcher = outbox_on(tmp_path / "o.db")
    sent: list[str] = []

    async def handler(item: OutboxItem):  # type: ignore[no-untyped-def]
        await asyncio.sleep(0.01)
        sent.append(item.dedupe_key)
        return None

    dispatcher.register("console", handler)
    for n in range(5):
        await outbox.put(kind="alert", channel="console:x", payload={"text": str(n)},
                         dedupe_key=f"k{n}")
    await asyncio.gather(dispatcher.deliver_due(), dispatcher.deliver_due(),
                         dispatcher.deliver_due())
    assert sorted(sent) == [f"k{n}" for n in range(5)]
    db.close()


async def test_the_running_dispatcher_delivers_at_once_and_stops_promptly(tmp_path: Path) -> None:
    import asyncio
    import time

    db, outbox, dispatcher = outbox_on(tmp_path / "o.db")
    delivered = asyncio.Event()

    async def handler(item: OutboxItem):  # type: ignore[no-untyped-def]
        delivered.set()
        return None

    dispatcher.register("console", handler)
    dispatcher.start()
    await asyncio.sleep(0.05)
    await outbox.put(kind="alert", channel="console:x", payload={"text": "a"}, dedupe_key="k")
    await asyncio.wait_for(delivered.wait(), 2)  # woken by the new item, not by the 5 s poll
    started = time.monotonic()
    await dispatcher.stop()
    assert time.monotonic() - started < 1.0
    db.close()
