"""An image nobody could read is reported, never judged clean.

Every image goes through the safe intake (``policies/images/intake.py``). When it refuses a picture
(an empty file, something that is not an image, a corrupt or truncated file, a decompression bomb,
a file over ``[images] max_bytes``) no other media rule could look at it, and without this rule the
message would come out clean. This rule turns the refusal into a finding for the moderators:

- unreadable (empty, not an image, corrupt or truncated, too large): severity ``none``
  (informational: it acts only when nothing else was found about the message, and the message still
  counts as clean for the digest), no article: a broken upload breaks no rule, but a moderator
  should know the bot did not see the picture;
- a decompression bomb (a small file that claims billions of pixels): severity ``medium`` under
  A.10, since a file built to make phones and computers freeze is not a mistake.

Neither does anything in the group (no reminder, no removal): the moderators look and decide.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from pydantic import Field

from core.events import MessageEvent
from core.findings import ActionKind, Finding, Route, Severity
from policies import articles
from policies.base import ImagePolicy, PolicyContext, PolicySettings, images
from policies.registry import register
from policies.text import TextView

if TYPE_CHECKING:  # the image stack loads on the first image, not with the rule
    from policies.images.intake import ImageRejected

# What moderators read, per refusal reason of the intake (evidence is Dutch, like every rule's).
REASONS = {
    "empty": "het bestand is leeg",
    "format": "het is geen afbeelding (of een formaat dat niet wordt gelezen)",
    "corrupt": "het bestand is beschadigd of afgebroken",
    "too_large": "het bestand is groter dan de ingestelde limiet ([images] max_bytes)",
    "bomb": ("een decompressiebom: een klein bestand dat zich uitgeeft voor een enorm aantal "
             "pixels, gemaakt om telefoons en computers te laten vastlopen"),
}


def evidence(exc: ImageRejected, file_name: str | None = None) -> str:
    why = REASONS.get(exc.reason, exc.reason)
    detail = f" ({exc.detail})" if exc.reason in ("bomb", "format") and exc.detail else ""
    name = f" {file_name}" if file_name else ""
    return f"afbeelding{name} kon niet worden gelezen: {why}{detail}"


class UnreadableImageSettings(PolicySettings):
    actions: dict[str, list[ActionKind]] = Field(
        default_factory=lambda: {"none": [ActionKind.NOTIFY], "medium": [ActionKind.NOTIFY]}
    )


@register
class UnreadableImagePolicy(ImagePolicy):
    name: ClassVar[str] = "unreadable_image"
    flag: ClassVar[str] = "unreadable_image"
    article: ClassVar[str] = articles.NONE
    order: ClassVar[int] = 21  # right after the re-share rule, which reads every image anyway
    synchronous: ClassVar[bool] = False
    settings_model: ClassVar[type[PolicySettings]] = UnreadableImageSettings

    async def check(self, event: MessageEvent, text: TextView, ctx: PolicyContext) -> list[Finding]:
        from policies.images.service import ImageService  # the image stack, on the first image

        service = ImageService.for_env(self.env)
        findings: list[Finding] = []
        for att in images(event):
            refused = await service.refusal(att)
            if refused is None:
                ctx.clear("the image could be read")
                continue
            bomb = refused.reason == "bomb"
            findings.append(Finding(
                policy=self.name, flag=self.flag,
                article=articles.A10 if bomb else articles.NONE,
                score=1.0, severity=Severity.MEDIUM if bomb else Severity.NONE,
                evidence=evidence(refused, att.file_name),
                category=refused.reason,
                data={"file_id": att.file_id, "reason": refused.reason},
                # a bomb is handled like any rule's finding; a broken upload only when alone
                route=Route.NORMAL if bomb else Route.INFORMATIONAL,
            ))
        return findings
