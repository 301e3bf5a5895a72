"""Micro-batching: collect score requests for up to ``max_wait_ms`` or ``batch_size`` texts, run
them as one batch in an executor, so the event loop never waits on the model and the model runs
on batches (much cheaper per message than one at a time)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import Executor

log = logging.getLogger(__name__)

Scores = dict[str, float]


class MicroBatcher:
    def __init__(
        self,
        run_batch: Callable[[list[str]], list[Scores]],
        *,
        batch_size: int = 16,
        max_wait_ms: float = 10.0,
        executor: Executor | None = None,
    ) -> None:
        self._run = run_batch
        self.batch_size = max(1, batch_size)
        self.max_wait = max(0.0, max_wait_ms) / 1000.0
        self._executor = executor
        self._queue: asyncio.Queue[tuple[str, asyncio.Future[Scores]]] | None = None
        self._worker: asyncio.Task[None] | None = None
        self.batches_run = 0  # for tests and metrics: how many model calls were made

    async def score(self, text: str) -> Scores:
        if self._worker is None or self._worker.done():
            self._queue = asyncio.Queue()
            self._worker = asyncio.create_task(self._loop(), name="model-batcher")
        assert self._queue is not None
        future: asyncio.Future[Scores] = asyncio.get_running_loop().create_future()
        await self._queue.put((text, future))
        return await future

    async def _loop(self) -> None:
        assert self._queue is not None
        queue = self._queue
        loop = asyncio.get_running_loop()
        while True:
            batch = [await queue.get()]
            deadline = loop.time() + self.max_wait
            while len(batch) < self.batch_size:
                timeout = deadline - loop.time()
                if timeout <= 0:
                    break
                try:
                    batch.append(await asyncio.wait_for(queue.get(), timeout))
                except TimeoutError:
                    break
            texts = [text for text, _ in batch]
            try:
                results = await loop.run_in_executor(self._executor, self._run, texts)
                self.batches_run += 1
            except Exception as exc:  # a model error fails these requests, not the loop
                log.exception("model batch failed", extra={"size": len(batch)})
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)

    async def aclose(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None
