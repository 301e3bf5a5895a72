"""A.8: screenshots of private chat conversations shared in a group.

The image goes through the safe intake and the detector in ``policies/images`` on the bounded
worker pool (never on the event loop). A screenshot finding carries the text read from it (the
evaluator runs the text rules over ``ocr_text``) and its perceptual hashes (the pipeline remembers
flagged images, so a re-post is recognised at once by ``policies.reshare``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, ClassVar

from pydantic import Field

from core.events import GroupKind, MessageEvent
from core.findings import ActionKind, Finding, Severity
from policies import articles
from policies.base import ImagePolicy, PolicyContext, PolicySettings, images
from policies.registry import register
from policies.text import TextView

if TYPE_CHECKING:  # the image stack loads on the first image, not with the rule
    from policies.images.service import ImageService

log = logging.getLogger(__name__)


class ScreenshotSettings(PolicySettings):
    # Points the detector needs before it calls an image a chat screenshot (see docs/images.md).
    min_score: float = Field(4.0, ge=0)
    actions: dict[str, list[ActionKind]] = Field(
        default_factory=lambda: {"medium": [ActionKind.REMIND, ActionKind.NOTIFY]}
    )


@register
class ScreenshotPolicy(ImagePolicy):
    name: ClassVar[str] = "screenshot"
    flag: ClassVar[str] = "leaked_screenshot"
    article: ClassVar[str] = articles.A8
    order: ClassVar[int] = 60
    synchronous: ClassVar[bool] = False
    settings_model: ClassVar[type[PolicySettings]] = ScreenshotSettings
    # Staff discuss incidents with screenshots as evidence; the rule is for class and parent groups.
    kind_defaults: ClassVar = {GroupKind.STAFF: {"enabled": False}}

    def _service(self) -> ImageService:
        from policies.images.service import ImageService

        return ImageService.for_env(self.env)

    async def check(self, event: MessageEvent, text: TextView, ctx: PolicyContext) -> list[Finding]:
        settings = ctx.settings
        min_score = getattr(settings, "min_score", 4.0)
        service = self._service()
        findings: list[Finding] = []
        for att in images(event):
            if await service.known(att) is not None:
                # a re-post of a flagged image: the re-share rule reports it, no OCR
                ctx.clear("a known flagged image: the re-share rule answers")
                continue
            verdict = await service.analyse(att, min_score)
            if verdict is None:
                ctx.clear("image not analysed (unreadable, or the image workers were busy)")
                continue
            if verdict.score < min_score:
                ctx.clear(f"not a chat screenshot (score {verdict.score:.1f} below {min_score:g})")
                continue
            data: dict[str, object] = {"ocr_text": verdict.ocr_text, "file_id": att.file_id}
            if verdict.hashes is not None:
                data["phash"] = verdict.hashes.phash
                data["dhash"] = verdict.hashes.dhash
                from policies.images.hashing import pack

                data["hash_variants"] = [pack(v) for v in verdict.variants]
            findings.append(Finding(
                policy=self.name, flag=self.flag, article=self.article,
                score=min(1.0, verdict.score / (2 * min_score)) if min_score else 1.0,
                severity=Severity.MEDIUM,
                evidence="chatscreenshot: " + verdict.summary(),
                category="screenshot",
                data=data,
            ))
        return findings

    async def aclose(self) -> None:
        service = self.env.images
        if service is not None:
            await service.aclose()
            self.env.images = None
