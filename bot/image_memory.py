"""The pipeline listener that remembers every flagged image, so a re-post is recognised at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.image_hashes import ImageHashStore

if TYPE_CHECKING:
    from bot.pipeline import Decision


class FlaggedImageMemory:
    """A pipeline listener: remembers the hashes of every image a finding flagged, so re-posts in
    any approved group are recognised at once. Findings carry ``data["phash"]``, ``data["dhash"]``
    and ``data["hash_variants"]``; ``finding_ids`` are the stored findings' ids."""

    def __init__(self, store: ImageHashStore) -> None:
        self.store = store

    async def on_decision(self, decision: Decision) -> None:
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
