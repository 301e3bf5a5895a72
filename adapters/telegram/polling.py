"""Our own ``getUpdates`` loop: Telegram's offset moves past an update only once it was handled.

python-telegram-bot's ``Updater`` confirms a batch (the next ``getUpdates`` carries a higher
``offset``) as soon as it was put in the application's queue, before it was handled: a SIGKILL in
between lost those updates. Here the offset sent to Telegram is the lowest update id still being
handled (or one past the newest when none is), so whatever was fetched and not finished is
delivered again after a restart; the adapter then skips ids already marked processed
(docs/delivery.md).

Updates are handed to ``handle`` as tasks, concurrently (the adapter keeps the order within a
chat). While an update is in flight Telegram answers ``getUpdates`` at once with the unconfirmed
updates; ids already dispatched are skipped, and the loop waits for a handler to finish (at most
``BUSY_POLL_S``) before it asks again, so new updates of other chats still arrive within moments.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import Bot, Update
from telegram.error import RetryAfter, TelegramError

log = logging.getLogger(__name__)

BUSY_POLL_S = 0.25  # while updates are in flight: how often to look for new ones
HANDLER_TRIES = 3  # an update whose handling fails is tried again, then given up (logged)


class UpdatePoller:
    def __init__(self, bot: Bot, handle: Callable[[Update], Awaitable[None]], *,
                 timeout: int, allowed_updates: Sequence[str], limit: int = 100,
                 backoff_max: float = 30.0,
                 on_error: Callable[[TelegramError], None] | None = None) -> None:
        self.bot = bot
        self.handle = handle
        self.timeout = timeout
        self.allowed_updates = list(allowed_updates)
        self.limit = limit
        self.backoff_max = backoff_max
        self.on_error = on_error
        self._next: int | None = None  # one past the newest update fetched
        self._inflight: set[int] = set()
        self._dispatched: set[int] = set()  # ids at or above the offset already taken
        self._tasks: set[asyncio.Task[None]] = set()
        self._finished = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def offset(self) -> int | None:
        """What ``getUpdates`` confirms: everything below the oldest update still in flight."""
        if self._inflight:
            return min(self._inflight)
        return self._next

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="telegram:getUpdates")

    async def stop(self, grace: float = 3.0) -> None:
        """Stop fetching, give running handlers ``grace`` seconds, then confirm what finished."""
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        if self._tasks:
            _done, pending = await asyncio.wait(list(self._tasks), timeout=grace)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=1)
        if self._next is not None:
            # Confirm what was handled (not needed for correctness: processed ids are skipped).
            with contextlib.suppress(TelegramError, Exception):
                await asyncio.wait_for(self.bot.get_updates(
                    offset=self.offset, timeout=0, limit=1,
                    allowed_updates=self.allowed_updates), 2)

    async def _run(self) -> None:
        delay = 1.0
        while not self._stopping:
            busy = bool(self._inflight)
            try:
                updates = await self.bot.get_updates(
                    offset=self.offset, timeout=0 if busy else self.timeout, limit=self.limit,
                    allowed_updates=self.allowed_updates)
            except RetryAfter as exc:
                if self.on_error is not None:
                    self.on_error(exc)
                await asyncio.sleep(_seconds(exc.retry_after))
                continue
            except TelegramError as exc:
                if self.on_error is not None:
                    self.on_error(exc)
                await asyncio.sleep(delay)
                delay = min(self.backoff_max, delay * 2)
                continue
            delay = 1.0
            fresh = self._take(updates)
            if busy and not fresh:
                # Only updates already being handled came back: wait for one to finish.
                self._finished.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._finished.wait(), BUSY_POLL_S)

    def _take(self, updates: Sequence[Update]) -> int:
        """Dispatch the updates not taken before; returns how many were new."""
        fresh = 0
        for update in updates:
            uid = update.update_id
            self._next = max(self._next or 0, uid + 1)
            if uid in self._dispatched:
                continue
            fresh += 1
            self._dispatched.add(uid)
            self._inflight.add(uid)
            task = asyncio.create_task(self._handle(update), name=f"telegram:update:{uid}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        floor = self.offset or 0
        self._dispatched = {uid for uid in self._dispatched if uid >= floor}
        return fresh

    async def _handle(self, update: Update) -> None:
        uid = update.update_id
        for attempt in range(1, HANDLER_TRIES + 1):
            try:
                await self.handle(update)
                break
            except asyncio.CancelledError:
                # Stopped mid-way: stays in flight, so the offset never moves past it.
                raise
            except Exception:
                if attempt == HANDLER_TRIES:
                    log.exception("telegram update given up after errors",
                                  extra={"update": uid, "tries": attempt})
                    break
                log.warning("telegram update failed, trying again",
                            extra={"update": uid, "attempt": attempt}, exc_info=True)
                await asyncio.sleep(attempt)
        self._inflight.discard(uid)
        self._finished.set()


def _seconds(value: Any) -> float:
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)
