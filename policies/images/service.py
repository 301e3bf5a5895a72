"""What the media policies share for one process: intake limits, the worker pool, the hash store and
a small per-attachment cache, so the re-share rule and the screenshot rule fetch and decode an image
once even though the evaluator runs them concurrently.

The bootstrap may put a ready ``ImageService`` in ``env.images``; otherwise the first image policy
builds one from ``env.options.images`` (the validated ``[images]`` section) and ``env.cpu``. The
hash store is ``env.image_hashes`` (the bootstrap hands in the database store), else a fresh in-memory
store (``schoolwacht check``: nothing is remembered).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from core.events import Attachment
from core.image_hashes import HashMatch, ImageHashStore, InMemoryImageHashStore
from policies.base import PolicyEnv
from policies.images import IMAGE_MIME_PREFIX, is_image  # noqa: F401 (re-exported)
from policies.images.detector import THRESHOLD, Verdict, detect
from policies.images.hashing import ImageHashes, hashes_of
from policies.images.intake import ImageRejected, IntakeLimits, SafeImage, open_image
from policies.images.pool import Deadline, ImageWorkPool, PoolBusy

log = logging.getLogger(__name__)
T = TypeVar("T")
CACHE_SIZE = 32


class ImageService:
    def __init__(self, limits: IntakeLimits, pool: ImageWorkPool, store: ImageHashStore) -> None:
        self.limits = limits
        self.pool = pool
        self.store = store
        self._cache: OrderedDict[tuple[str, str], asyncio.Task[Any]] = OrderedDict()
        # Why an attachment could not be read (file id -> the intake's refusal), for the
        # unreadable-image rule: an image nobody could read is reported, never judged clean.
        self._refused: OrderedDict[str, ImageRejected] = OrderedDict()

    @classmethod
    def for_env(cls, env: PolicyEnv) -> ImageService:
        """The shared service ``env.images`` (created and registered on first use)."""
        service = env.images
        if isinstance(service, ImageService):
            return service
        options = env.options.images
        store = env.image_hashes
        if store is None:
            store = InMemoryImageHashStore()
            env.image_hashes = store
        pool = ImageWorkPool.from_options(options, executor=env.cpu)
        service = cls(IntakeLimits.from_options(options), pool, store)
        env.images = service
        return service

    def _once(self, key: tuple[str, str], make: Callable[[], Awaitable[T]]) -> asyncio.Task[T]:
        task = self._cache.get(key)
        if task is None:
            task = asyncio.ensure_future(make())
            self._cache[key] = task
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return task

    def _refuse(self, att: Attachment, exc: ImageRejected) -> None:
        log.info("image refused", extra={"reason": exc.reason, "file": att.file_id})
        self._refused[att.file_id] = exc
        self._refused.move_to_end(att.file_id)
        while len(self._refused) > CACHE_SIZE:
            self._refused.popitem(last=False)

    async def refusal(self, att: Attachment) -> ImageRejected | None:
        """Why this image cannot be read (empty, not an image, corrupt or truncated, a
        decompression bomb, too large), or None when it can. It is read as the re-share rule reads
        every image (header checks, then a decode for the hashes), so asking costs nothing more."""
        if await self.load(att) is not None:
            await self.hashes(att)
        return self._refused.get(att.file_id)

    async def load(self, att: Attachment) -> SafeImage | None:
        """The attachment's bytes through the safe intake; None (logged) when refused."""
        return await self._once(("load", att.file_id), lambda: self._load(att))

    async def _load(self, att: Attachment) -> SafeImage | None:
        if att.fetch is None:
            return None
        if att.size is not None and att.size > self.limits.max_bytes:
            self._refuse(att, ImageRejected("too_large", f"{att.size} bytes"))
            return None
        try:
            data = await asyncio.wait_for(att.fetch(), self.pool.timeout)
            return open_image(data, self.limits)
        except ImageRejected as exc:
            self._refuse(att, exc)
        except TimeoutError:
            log.info("image skipped", extra={"reason": "fetch_timeout", "file": att.file_id})
        except OSError as exc:
            log.info("image skipped", extra={"reason": "fetch_failed", "file": att.file_id,
                                             "error": type(exc).__name__})
        return None

    async def _work(self, what: str, att: Attachment, fn: Callable[[Deadline], T]) -> T | None:
        try:
            return await self.pool.run(fn)
        except ImageRejected as exc:  # the header was fine, the pixels are not (truncated, bomb)
            self._refuse(att, exc)
        except PoolBusy:
            log.warning("image skipped", extra={"reason": "queue_full", "file": att.file_id})
        except TimeoutError:
            log.warning("image skipped", extra={"reason": "timeout", "file": att.file_id,
                                                "stage": what})
        except Exception as exc:  # Tesseract missing or crashed: never take the pipeline down
            log.error("image analysis failed", extra={"file": att.file_id, "stage": what,
                                                      "error": type(exc).__name__})
        return None

    async def hashes(self, att: Attachment) -> ImageHashes | None:
        async def make() -> ImageHashes | None:
            image = await self.load(att)
            if image is None:
                return None
            return await self._work("hash", att, lambda _d: hashes_of(image.decode(max_width=256)))

        return await self._once(("hash", att.file_id), make)

    async def known(self, att: Attachment) -> tuple[ImageHashes, HashMatch] | None:
        """A match in the store of flagged images, if this picture is one of them."""
        hashes = await self.hashes(att)
        if hashes is None:
            return None
        hit = await self.store.match(hashes.phash, hashes.dhash)
        return (hashes, hit) if hit is not None else None

    async def analyse(self, att: Attachment, threshold: float = THRESHOLD) -> Verdict | None:
        async def make() -> Verdict | None:
            image = await self.load(att)
            if image is None:
                return None
            return await self._work("detect", att,
                                    lambda d: detect(image, d, threshold=threshold))

        return await self._once((f"detect:{threshold}", att.file_id), make)

    async def aclose(self) -> None:
        for task in self._cache.values():
            task.cancel()
        self._cache.clear()
        self.pool.close()
