"""Perceptual hashes of images flagged or confirmed by moderators, for re-share detection.

The protocol lives here beside its two implementations: an in-memory store (``schoolwacht check``
and tests: no side effects) and a database store over ``storage.models.ImageHash``. Both answer a
lookup from memory, because a re-share must be recognised within milliseconds; the database store
loads its rows once and writes new ones through the database thread. A hash is only a fingerprint:
the image itself is never stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from sqlmodel import select

from storage.models import ImageHash

# Hamming distances (64-bit hashes) under which two images count as the same picture. Measured on
# generated screenshots: resized, recompressed and slightly cropped copies stay well below, while
# different screenshots of the same app (same layout, different words) stay above. Crops are matched
# through the crop variants remembered with each image (``variants``: "phash:dhash" strings).
MAX_PHASH_DISTANCE = 12
MAX_DHASH_DISTANCE = 16


@dataclass(frozen=True, slots=True)
class HashEntry:
    phash: str
    dhash: str | None
    group_key: str
    finding_id: int | None
    source: str  # flagged | confirmed
    created_at: datetime


@dataclass(frozen=True, slots=True)
class HashMatch:
    entry: HashEntry
    distance: int


@runtime_checkable
class ImageHashStore(Protocol):
    async def match(self, phash: str, dhash: str | None = None) -> HashMatch | None: ...

    async def remember(self, phash: str, group_key: str, finding_id: int | None,
                       source: str = "flagged", dhash: str | None = None,
                       variants: Iterable[str] = ()) -> None: ...


def _distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def _all_hashes(phash: str, dhash: str | None,
                variants: Iterable[str]) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = [(phash, dhash)]
    for value in variants:
        p, _, d = str(value).partition(":")
        if p:
            out.append((p, d or None))
    return out


class InMemoryImageHashStore:
    """Hashes in a list: a linear scan of 64-bit XORs takes microseconds for thousands of rows."""

    def __init__(self) -> None:
        self._rows: list[tuple[int, int | None, HashEntry]] = []

    def __len__(self) -> int:
        return len(self._rows)

    def _add(self, entry: HashEntry) -> None:
        for p, _d, old in self._rows:
            if p == int(entry.phash, 16) and old.group_key == entry.group_key:
                return  # the same picture remembered twice in one group adds nothing
        self._rows.append((int(entry.phash, 16),
                           int(entry.dhash, 16) if entry.dhash else None, entry))

    def lookup(self, phash: str, dhash: str | None = None) -> HashMatch | None:
        p = int(phash, 16)
        d = int(dhash, 16) if dhash else None
        best: HashMatch | None = None
        for rp, rd, entry in self._rows:
            dist = _distance(p, rp)
            if dist > MAX_PHASH_DISTANCE:
                continue
            if d is not None and rd is not None and _distance(d, rd) > MAX_DHASH_DISTANCE:
                continue
            if best is None or dist < best.distance:
                best = HashMatch(entry, dist)
        return best

    async def match(self, phash: str, dhash: str | None = None) -> HashMatch | None:
        return self.lookup(phash, dhash)

    async def remember(self, phash: str, group_key: str, finding_id: int | None,
                       source: str = "flagged", dhash: str | None = None,
                       variants: Iterable[str] = ()) -> None:
        now = datetime.now(UTC)
        for p, d in _all_hashes(phash, dhash, variants):
            self._add(HashEntry(p, d, group_key, finding_id, source, now))


class DatabaseImageHashStore:
    """``ImageHash`` rows, mirrored in memory for lookups; writes go through ``Database.run``."""

    def __init__(self, db) -> None:  # storage.db.Database (not imported: keeps this module light)
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
                          source=source) for p, d in _all_hashes(phash, dhash, variants)]

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


class FlaggedImageMemory:
    """A pipeline listener: remembers the hashes of every image a finding flagged, so re-posts in
    any approved group are recognised at once. Findings carry ``data["phash"]``, ``data["dhash"]``
    and ``data["hash_variants"]``; ``finding_ids`` are the stored findings' ids."""

    def __init__(self, store: ImageHashStore) -> None:
        self.store = store

    async def on_decision(self, decision: Any) -> None:
        findings = decision.verdict.findings
        ids = list(decision.finding_ids) + [None] * (len(findings) - len(decision.finding_ids))
        for finding, finding_id in zip(findings, ids, strict=False):
            data = finding.data or {}
            phash = data.get("phash")
            if not phash:
                continue
            await self.store.remember(str(phash), decision.event.group_key, finding_id,
                                      source="flagged", dhash=data.get("dhash"),
                                      variants=data.get("hash_variants") or ())
