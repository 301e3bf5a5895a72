"""The persistent outbox: in-group actions, alerts, chat notices, leave requests and mails.

Producers store an item with a dedupe key in the same transaction as the decision that caused it
(``storage.decisions_repo``); the dispatcher delivers due items through the channel's handler.

Semantics (docs/delivery.md):

- an item is *claimed* (``sending``) before its handler runs and marked ``sent`` right after the
  platform accepted it; a crash in between leaves it ``sending``, and ``recover`` at start-up makes
  it pending again with the interrupted attempt counted: at-least-once, with idempotent handlers
  (a redone delete that finds the message gone counts as done; a mail keeps its Message-ID);
- failures are retried with exponential backoff capped at ``MAX_DELAY`` (15 minutes) for at least
  ``HORIZON`` (24 hours) from the item's creation, or at the time the platform names
  (``retry_after``); only then, or on a permanent error, is an item ``dead``; dead items are listed
  and revived with ``schoolwacht outbox list|retry``;
- items of one channel (a chat, a mail address) are delivered in order, one at a time; channels are
  independent lanes, so one group's flood limit or a slow relay never delays another.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from core.clock import now_utc
from core.delivery import (
    ChatMovedError,
    PermanentDeliveryError,
    TemporaryDeliveryError,
    delivery_key,
)
from storage.models import OutboxItem
from storage.repositories import OutboxRepository

log = logging.getLogger(__name__)

BASE_DELAY = 2.0  # seconds; doubles per attempt up to MAX_DELAY
MAX_DELAY = 900.0  # 15 minutes
HORIZON = timedelta(hours=24)  # retried at least this long before an item is dead
LANES = 32  # channels delivered at the same time


# A handler delivers one item and returns where it landed (for later edits) or None.
Handler = Callable[[OutboxItem], Awaitable[dict[str, Any] | None]]


class NotYet(TemporaryDeliveryError):
    """Not a failure: the item waits for something (an alert for the actions it reports)."""


def backoff(attempts: int) -> float:
    return min(MAX_DELAY, BASE_DELAY * (2 ** min(max(0, attempts), 20)))


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class Outbox:
    """Enqueue side; the dispatcher below delivers."""

    def __init__(self, repo: OutboxRepository) -> None:
        self.repo = repo
        self.wakeup = asyncio.Event()

    async def put(self, *, kind: str, channel: str, payload: dict[str, Any], dedupe_key: str,
                  group_key: str | None = None, not_before: datetime | None = None) -> bool:
        item = OutboxItem(kind=kind, channel=channel, payload=payload, dedupe_key=dedupe_key,
                          group_key=group_key, next_attempt_at=not_before or now_utc())
        stored = await self.repo.db.run(self.repo.enqueue, item)
        if stored:
            self.wakeup.set()
        return stored


class Dispatcher:
    """The single-process delivery loop over the outbox table (the embedded default).

    A multi-worker mode (for example procrastinate on PostgreSQL) keeps the same contract: claim an
    item, run the channel's handler, mark it sent or failed with this module's retry rules."""

    def __init__(self, outbox: Outbox, *, poll_seconds: float = 5.0) -> None:
        self.outbox = outbox
        self.repo = outbox.repo
        self.handlers: dict[str, Handler] = {}
        self.poll_seconds = poll_seconds
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._busy: dict[str, asyncio.Task[int]] = {}  # channel -> its running lane
        self._lanes = asyncio.Semaphore(LANES)
        self._pass = asyncio.Lock()
        self.dead_seen = 0

    def register(self, scheme: str, handler: Handler) -> None:
        """Deliver items whose channel starts with ``scheme:`` (telegram, matrix, mail, console)."""
        self.handlers[scheme] = handler

    async def deliver_due(self) -> int:
        """Deliver every due item (waiting for lanes already running); returns how many were
        sent in lanes started by this call."""
        async with self._pass:
            lanes = await self._start_lanes()
        running = [t for t in self._busy.values() if t not in lanes]
        results = await asyncio.gather(*lanes, return_exceptions=True)
        if running:
            await asyncio.gather(*running, return_exceptions=True)
        return sum(r for r in results if isinstance(r, int))

    async def _start_lanes(self) -> list[asyncio.Task[int]]:
        busy = list(self._busy)
        items = await self.repo.db.run(lambda: self.repo.due(now_utc(), skip_channels=busy))
        by_channel: dict[str, list[OutboxItem]] = {}
        for item in items:
            if item.channel.partition(":")[0] in self.handlers and item.channel not in self._busy:
                by_channel.setdefault(item.channel, []).append(item)
        tasks = []
        for channel, lane in by_channel.items():
            task = asyncio.create_task(self._lane(lane), name=f"outbox:{channel}")
            self._busy[channel] = task
            task.add_done_callback(lambda _t, c=channel: self._lane_done(c))
            tasks.append(task)
        return tasks

    def _lane_done(self, channel: str) -> None:
        self._busy.pop(channel, None)
        self.outbox.wakeup.set()  # what waited behind this lane may be due now

    async def _lane(self, items: list[OutboxItem]) -> int:
        sent = 0
        async with self._lanes:
            for item in items:
                assert item.id is not None
                if not await self.repo.db.run(self.repo.claim, item.id):
                    continue  # delivered or claimed meanwhile
                outcome = await self.deliver(item)
                if outcome == "sent":
                    sent += 1
                elif outcome == "retry":
                    break  # keep the channel's order: the rest waits behind this one
        return sent

    async def deliver(self, item: OutboxItem) -> str:
        """Run the handler of one claimed item and record the outcome: sent, retry or dead."""
        assert item.id is not None
        handler = self.handlers.get(item.channel.partition(":")[0])
        if handler is None:  # no adapter for this channel runs in this process: leave it pending
            await self.repo.db.run(self.repo.mark_failed, item.id, "no handler", now_utc(),
                                   count=False)
            return "retry"
        token = delivery_key.set(item.dedupe_key)
        try:
            ref = await handler(item)
        except ChatMovedError as exc:
            scheme = item.channel.partition(":")[0]
            log.info("outbox item follows a migrated chat", extra={"item": item.id})
            moved_to = f"{scheme}:{exc.new_chat_id}"
            await self.repo.db.run(lambda: self.repo.requeue(
                item.id, channel=moved_to))  # type: ignore[arg-type]
            return "retry"
        except PermanentDeliveryError as exc:
            log.warning("outbox item dead", extra={"item": item.id, "kind": item.kind,
                                                   "reason": type(exc).__name__})
            await self.repo.db.run(self.repo.mark_failed, item.id, str(exc), None)
            self.dead_seen += 1
            return "dead"
        except NotYet as exc:
            wait, reason = exc.retry_after or 1.0, str(exc)
            await self.repo.db.run(lambda: self.repo.mark_failed(
                item.id, reason, now_utc() + timedelta(seconds=wait),  # type: ignore[arg-type]
                count=False))
            return "retry"
        except asyncio.CancelledError:
            await asyncio.shield(self.repo.db.run(lambda: self.repo.mark_failed(
                item.id, "interrupted", now_utc(), count=False)))  # type: ignore[arg-type]
            raise
        except Exception as exc:  # temporary by default: a network error must not lose it
            return await self._failed(item, exc)
        finally:
            delivery_key.reset(token)
        item.ref = ref
        await self.repo.db.run(self.repo.mark_sent, item.id, ref)
        return "sent"

    async def _failed(self, item: OutboxItem, exc: Exception) -> str:
        assert item.id is not None
        retry_after = getattr(exc, "retry_after", None)
        retry = backoff(item.attempts) if retry_after is None else float(retry_after)
        at = now_utc() + timedelta(seconds=retry)
        # A platform's own wait (a flood limit) is always honoured; backoff ends at the horizon.
        dead = retry_after is None and at > _aware(item.created_at) + HORIZON
        log.warning("outbox delivery failed", extra={
            "item": item.id, "kind": item.kind, "attempt": item.attempts + 1,
            "error": type(exc).__name__, "retry_in_s": None if dead else retry})
        if not isinstance(exc, TemporaryDeliveryError):
            log.debug("unexpected delivery error", exc_info=exc)
        await self.repo.db.run(self.repo.mark_failed, item.id, f"{type(exc).__name__}: {exc}",
                               None if dead else at)
        if dead:
            self.dead_seen += 1
            log.error("outbox item dead after the retry horizon",
                      extra={"item": item.id, "kind": item.kind})
        return "dead" if dead else "retry"

    async def deliver_items(self, items: Sequence[OutboxItem]) -> list[str]:
        """Deliver items claimed by their producer (the pipeline's in-group actions, inline)."""
        outcomes = []
        for item in items:
            outcomes.append(await self.deliver(item))
        return outcomes

    async def run(self) -> None:
        while not self._stopping:
            # Cleared before the pass, so a wake-up (new item, or stop) during it is not lost.
            self.outbox.wakeup.clear()
            try:
                async with self._pass:
                    await self._start_lanes()
            except Exception:
                log.exception("outbox pass failed")
            if self._stopping:
                break
            timeout = self.poll_seconds
            try:
                next_due = await self.repo.db.run(self.repo.next_due_at)
            except Exception:
                next_due = None
            if next_due is not None:
                timeout = max(0.05, min(timeout, (_aware(next_due) - now_utc()).total_seconds()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.outbox.wakeup.wait(), timeout)

    async def recover(self) -> int:
        recovered = await self.repo.db.run(self.repo.recover)
        if recovered:
            log.info("outbox items interrupted by a stop are pending again",
                     extra={"items": recovered})
        return recovered

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self.run(), name="outbox")

    async def stop(self, timeout: float = 5.0) -> None:
        self._stopping = True
        self.outbox.wakeup.set()
        if self._task:
            await self._task
            self._task = None
        lanes = list(self._busy.values())
        if lanes:
            _done, pending = await asyncio.wait(lanes, timeout=timeout)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=2)
