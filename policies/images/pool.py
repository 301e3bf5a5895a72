"""A bounded worker pool for CPU-heavy image work (decoding, OCR).

A flood of images must queue, not stall text moderation: the event loop only awaits futures, at
most ``workers`` analyses run at once, at most ``queue_size`` wait, and anything beyond that is
refused at once (``PoolBusy``) so memory stays bounded. Each job has a time limit counted from the
moment it starts running; Tesseract gets the remaining time as its own subprocess timeout, so a
stuck OCR run is killed instead of holding a worker forever. A worker slot is released only when
its thread has really finished, so the bound stays true even after a timeout.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any, TypeVar

from policies.images.settings import ImageSettings

log = logging.getLogger(__name__)
T = TypeVar("T")


class PoolBusy(Exception):
    """The queue is full; the image is skipped (and logged) rather than piling up."""


class Deadline:
    """The time left for one job; OCR calls ask it for their subprocess timeout."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(0.0, self.end - time.monotonic())

    def expired(self) -> bool:
        return time.monotonic() >= self.end


class ImageWorkPool:
    def __init__(
        self,
        workers: int = 1,
        queue_size: int = 64,
        timeout_seconds: float = 10.0,
        executor: Executor | None = None,
    ) -> None:
        # Tesseract's OpenMP threads fight each other when several OCR runs share the cores; one
        # thread each is faster overall (and halves a single run's time on two cores).
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        self.workers = workers
        self.queue_size = queue_size
        self.timeout = timeout_seconds
        # The bootstrap's CPU pool when given (sized by [images] workers), else one of our own.
        self._own = executor is None
        self._executor = executor or ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="images"
        )
        self._slots: asyncio.Semaphore | None = None
        self._waiting = 0
        self._closed = False

    @classmethod
    def from_options(cls, options: ImageSettings | None,
                     executor: Executor | None = None) -> ImageWorkPool:
        if options is None:
            return cls(executor=executor)
        return cls(options.workers, options.queue_size, options.timeout_seconds,
                   executor=executor)

    @property
    def waiting(self) -> int:
        return self._waiting

    async def run(self, fn: Callable[[Deadline], T]) -> T:
        """Run ``fn(deadline)`` on a worker. Raises ``PoolBusy`` or ``TimeoutError``."""
        if self._closed:
            raise PoolBusy("pool closed")
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.workers)
        if self._waiting >= self.queue_size:
            raise PoolBusy(f"{self._waiting} images waiting")
        self._waiting += 1
        try:
            await self._slots.acquire()
        except BaseException:
            self._waiting -= 1
            raise
        self._waiting -= 1
        slots = self._slots
        deadline = Deadline(self.timeout)
        loop = asyncio.get_running_loop()
        try:
            future = loop.run_in_executor(self._executor, fn, deadline)
        except BaseException:
            slots.release()
            raise
        future.add_done_callback(lambda _f: slots.release())
        try:
            return await asyncio.wait_for(asyncio.shield(future), self.timeout + 0.5)
        except TimeoutError:
            # The thread finishes on its own (OCR was given the deadline); its slot is freed then.
            future.add_done_callback(_swallow)
            raise

    def close(self) -> None:
        self._closed = True
        if self._own:  # a shared executor belongs to the bootstrap, which shuts it down
            self._executor.shutdown(wait=False, cancel_futures=True)


def _swallow(future: asyncio.Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.info("late image job failed", extra={"error": type(future.exception()).__name__})
