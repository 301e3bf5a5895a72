"""Perceptual hashes of images flagged or confirmed by moderators, for re-share detection.

The store protocol lives here with the in-memory store (``schoolwacht check`` and tests: no side
effects); the database store over ``storage.models.ImageHash`` is ``storage.image_hashes``, handed to
the image policies by the bootstrap. Both answer a
lookup from memory, because a re-share must be recognised within milliseconds; the database store
loads its rows once and writes new ones through the database thread. A hash is only a fingerprint:
the image itself is never stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

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


def all_hashes(phash: str, dhash: str | None,
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
        for p, d in all_hashes(phash, dhash, variants):
            self._add(HashEntry(p, d, group_key, finding_id, source, now))
