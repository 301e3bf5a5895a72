"""The database store of image hashes: ``ImageHash`` rows, mirrored in memory for lookups.

The protocol and the in-memory store are ``core.image_hashes``; the bootstrap hands this store to the
image policies and to the pipeline listener that remembers flagged images (``bot.image_memory``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from core.image_hashes import HashEntry, HashMatch, InMemoryImageHashStore, all_hashes
from storage.db import Database
from storage.models import ImageHash


class DatabaseImageHashStore:
    """``ImageHash`` rows, mirrored in memory for lookups; writes go through ``Database.run``."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._memory = InMemoryImageHashStore()
        self._loaded = False
        self._lock = asyncio.Lock()

    async def _load(self) -> None:
        if self._loaded:
            return
        async with self._lock:
            if self._loaded:
                return

            def read() -> list[ImageHash]:
                with self.db.session() as session:
                    return list(session.exec(select(ImageHash)))

            for row in await self.db.run(read):
                self._memory._add(HashEntry(row.phash, row.dhash, row.group_key, row.finding_id,
                                            row.source, row.created_at))
            self._loaded = True

    async def match(self, phash: str, dhash: str | None = None) -> HashMatch | None:
        await self._load()
        return self._memory.lookup(phash, dhash)

    async def remember(self, phash: str, group_key: str, finding_id: int | None,
                       source: str = "flagged", dhash: str | None = None,
                       variants: Iterable[str] = ()) -> None:
        await self._load()
        hit = self._memory.lookup(phash, dhash)
        if hit is not None and hit.distance == 0 and hit.entry.group_key == group_key and (
            hit.entry.source == source
        ):
            return
        rows = [ImageHash(phash=p, dhash=d, group_key=group_key, finding_id=finding_id,
                          source=source) for p, d in all_hashes(phash, dhash, variants)]

        def write() -> None:
            with self.db.session() as session:
                session.add_all(rows)
                session.commit()

        await self.db.run(write)
        for row in rows:
            self._memory._add(HashEntry(row.phash, row.dhash, group_key, finding_id, source,
                                        row.created_at))

    async def purge(self, older_than_days: int) -> int:
        """Retention: forget hashes older than the findings they came from."""
        cutoff = datetime.now(UTC) - timedelta(days=older_than_days)

        def delete() -> int:
            with self.db.session() as session:
                rows = list(session.exec(select(ImageHash).where(ImageHash.created_at < cutoff)))
                for row in rows:
                    session.delete(row)
                session.commit()
                return len(rows)

        removed = await self.db.run(delete)
        self._loaded = False
        self._memory = InMemoryImageHashStore()
        return removed
