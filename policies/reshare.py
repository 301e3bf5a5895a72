"""A.8: a re-post of an image that was already flagged (or confirmed by a moderator).

Only perceptual hashes are compared (no OCR), against every approved group's flagged images, so a
screenshot that goes round the school is stopped at its second appearance even when resized,
recompressed or slightly cropped. The store comes from ``env.image_hashes``.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from core.events import GroupKind, MessageEvent
from core.findings import ActionKind, Finding, Severity
from policies import articles
from policies.base import ImagePolicy, PolicyContext, PolicySettings, images
from policies.registry import register
from policies.text import TextView


class ReshareSettings(PolicySettings):
    actions: dict[str, list[ActionKind]] = Field(
        default_factory=lambda: {
            "medium": [ActionKind.REMIND, ActionKind.NOTIFY],
            "high": [ActionKind.DELETE, ActionKind.REMIND, ActionKind.NOTIFY],
        }
    )


@register
class ResharePolicy(ImagePolicy):
    name: ClassVar[str] = "reshare"
    flag: ClassVar[str] = "leaked_screenshot"
    article: ClassVar[str] = articles.A8
    order: ClassVar[int] = 20  # a hard rule: known images first
    synchronous: ClassVar[bool] = False
    settings_model: ClassVar[type[PolicySettings]] = ReshareSettings
    kind_defaults: ClassVar = {GroupKind.STAFF: {"enabled": False}}

    async def check(self, event: MessageEvent, text: TextView, ctx: PolicyContext) -> list[Finding]:
        from policies.images.service import ImageService  # the image stack, on the first image

        service = ImageService.for_env(self.env)
        findings: list[Finding] = []
        for att in images(event):
            known = await service.known(att)
            if known is None:
                ctx.clear("not a known flagged image")
                continue
            hashes, hit = known
            confirmed = hit.entry.source == "confirmed"
            where = "deze groep" if hit.entry.group_key == event.group_key else "een andere groep"
            findings.append(Finding(
                policy=self.name, flag=self.flag, article=self.article,
                score=1.0 - hit.distance / 64,
                severity=Severity.HIGH if confirmed else Severity.MEDIUM,
                evidence=(f"opnieuw gedeeld: dezelfde afbeelding werd eerder "
                          f"{'door een moderator bevestigd' if confirmed else 'gemarkeerd'}"
                          f" in {where} (verschil {hit.distance}/64)"),
                category="reshare",
                data={"phash": hashes.phash, "dhash": hashes.dhash, "file_id": att.file_id,
                      "matched_finding_id": hit.entry.finding_id},
            ))
        return findings
