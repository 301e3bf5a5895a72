"""The persistent outbox: alerts, chat notices, leave requests and mails that must arrive.

Producers store an item with a dedupe key in the same step as the decision that caused it; the
dispatcher delivers due items through the channel's handler, marks them sent, and retries failures
with exponential backoff. A crash or restart loses nothing (items stay pending) and duplicates
nothing (a dedupe key is stored once; an item is marked sent right after the platform accepted it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from core.clock import now_utc
from core.delivery import PermanentDeliveryError
from storage.models import OutboxItem
from storage.repositories import OutboxRepository

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BASE_DELAY = 2.0  # seconds; doubles per attempt up to MAX_DELAY
MAX_DELAY = 1800.0


# A handler delivers one item and returns where it landed (for later edits) or None.
Handler = Callable[[OutboxItem], Awaitable[dict[str, Any] | None]]


def backoff(attempts: int) -> float:
    return min(MAX_DELAY, BASE_DELAY * (2 ** max(0, attempts)))


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
    def __init__(self, outbox: Outbox, *, poll_seconds: float = 5.0) -> None:
        self.outbox = outbox
        self.repo = outbox.repo
        self.handlers: dict[str, Handler] = {}
        self.poll_seconds = poll_seconds
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        # One delivery pass at a time: the background loop and an explicit call (the console
        # shows alerts at once) must never pick up the same pending item twice.
        self._pass = asyncio.Lock()

    def register(self, scheme: str, handler: Handler) -> None:
        """Deliver items whose channel starts with ``scheme:`` (telegram, matrix, mail, console)."""
        self.handlers[scheme] = handler

    async def deliver_due(self) -> int:
        """Deliver every due item once; returns how many were sent."""
        async with self._pass:
            return await self._deliver_due()

    async def _deliver_due(self) -> int:
        items = await self.repo.db.run(self.repo.due, now_utc())
        sent = 0
        for item in items:
            scheme = item.channel.partition(":")[0]
            handler = self.handlers.get(scheme)
            if handler is None:
                continue  # no adapter for this channel runs in this process: leave it pending
            assert item.id is not None
            try:
                ref = await handler(item)
            except PermanentDeliveryError as exc:
                log.warning("outbox item dead", extra={"item": item.id, "kind": item.kind,
                                                       "reason": type(exc).__name__})
                await self.repo.db.run(self.repo.mark_failed, item.id, str(exc), None)
                continue
            except Exception as exc:  # temporary by default: a network error must not lose it
                retry_after = getattr(exc, "retry_after", None)
                retry = backoff(item.attempts) if retry_after is None else float(retry_after)
                dead = item.attempts + 1 >= MAX_ATTEMPTS
                log.warning("outbox delivery failed", extra={
                    "item": item.id, "kind": item.kind, "attempt": item.attempts + 1,
                    "error": type(exc).__name__, "retry_in_s": None if dead else retry})
                await self.repo.db.run(self.repo.mark_failed, item.id, f"{type(exc).__name__}: "
                                       f"{exc}", None if dead else now_utc() + timedelta(
                                           seconds=retry))
                continue
            await self.repo.db.run(self.repo.mark_sent, item.id, ref)
            sent += 1
        return sent

    async def run(self) -> None:
        while not self._stopping:
            # Cleared before the pass, so a wake-up (new item, or stop) during it is not lost.
            self.outbox.wakeup.clear()
            try:
                await self.deliver_due()
            except Exception:
                log.exception("outbox pass failed")
            if self._stopping:
                break
            timeout = self.poll_seconds
            next_due = await self.repo.db.run(self.repo.next_due_at)
            if next_due is not None:
                if next_due.tzinfo is None:
                    next_due = next_due.replace(tzinfo=UTC)
                timeout = max(0.05, min(timeout, (next_due - now_utc()).total_seconds()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.outbox.wakeup.wait(), timeout)

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self.run(), name="outbox")

    async def stop(self) -> None:
        self._stopping = True
        self.outbox.wakeup.set()
        if self._task:
            await self._task
            self._task = None
