"""The contract every rule implements.

A policy *decides*; it never acts. It receives one platform-neutral event plus the group context and
returns findings. The pipeline merges them into a verdict and an action plan. Every check returns a
named result (possibly empty) so moderators can see why the bot acted, and every finding names the
protocol article it upholds.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from core.events import Attachment, GroupKind, MessageEvent, Role
from core.findings import ActionKind, Finding, Route
from core.image_hashes import ImageHashStore
from policies.images import is_image
from policies.images.settings import ImageSettings
from policies.ml.settings import ModelSettings
from policies.text import TextView

if TYPE_CHECKING:
    from policies.images.service import ImageService


class PolicySettings(BaseModel):
    """Settings every policy has. Subclasses add their own; unknown keys are rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    # Actions per severity label ("low", "medium", "high", "critical"). Empty means "record only".
    actions: dict[str, list[ActionKind]] = {}
    # Reminders to one member within a day before the group's teacher is told instead (the core's
    # reminder limit reads it for every policy; default 2).
    report_repeats_after: int = Field(2, ge=1)


# Default reasons of a policy's answer (``PolicyResult.reason``).
NO_MATCH = "no match"
NOT_APPLICABLE_TEXT = "not applicable: text only"
NOT_APPLICABLE_NO_TEXT = "not applicable: no text"
NO_IMAGE = "not applicable: no image"
STAFF_GROUP = "staff group"


@dataclass(frozen=True, slots=True)
class PolicyContext:
    """What a policy may know about the group the event happened in."""

    group_key: str
    group_kind: GroupKind
    sender_role: Role
    settings: PolicySettings
    language: str = "nl"
    timezone: str = "Europe/Amsterdam"
    now: datetime | None = None
    # Free-form, validated group facts a policy may read (timetable, allow-lists, consent flags).
    group_facts: Mapping[str, Any] = field(default_factory=dict)
    # Findings of the cheaper rules that ran before this one (models run last and may skip
    # messages the rules already settled; a model cannot overrule a hard rule).
    prior_findings: tuple[Finding, ...] = ()
    # Where the policy says why it found nothing (``clear``); the evaluator reads the last reason.
    reasons: list[str] | None = field(default=None, compare=False)

    def clear(self, reason: str) -> None:
        """Say why this message is clear for this policy ("school subject", "doubt threshold …").
        Shown by ``schoolwacht check --explain``; without a reason a clear message says "no match"."""
        if self.reasons is not None:
            self.reasons.append(reason)


@dataclass(frozen=True, slots=True)
class PolicyOptions:
    """The global config sections policies read, already validated."""

    models: ModelSettings = field(default_factory=ModelSettings)  # ``[models]``
    images: ImageSettings = field(default_factory=ImageSettings)  # ``[images]``
    # A model file to use instead of the school's retrained or the shipped one (tests, tools).
    topic_model: Path | None = None
    harassment_model: Path | None = None


@dataclass(slots=True)
class PolicyEnv:
    """Resources a policy may need, handed over by the bootstrap (never built at import time)."""

    data_dir: Path = Path("var")
    # Bounded pool for CPU-heavy work (OCR, models) so the event loop stays free.
    cpu: Executor | None = None
    # The perceptual-hash store of flagged images. The bootstrap hands in the database store;
    # left None (``schoolwacht check``, tests), the image policies use a fresh in-memory store.
    image_hashes: ImageHashStore | None = None
    # The media policies' shared ImageService (intake, worker pool, cache); built on first use.
    images: ImageService | None = None
    # The validated ``[models]`` / ``[images]`` config sections.
    options: PolicyOptions = field(default_factory=PolicyOptions)


@runtime_checkable
class Policy(Protocol):
    """A rule. ``name`` is stable (it appears in config, storage and the check output)."""

    name: ClassVar[str]
    flag: ClassVar[str]
    article: ClassVar[str]
    order: ClassVar[int]
    settings_model: ClassVar[type[PolicySettings]]
    kind_defaults: ClassVar[Mapping[GroupKind, Mapping[str, Any]]]
    synchronous: ClassVar[bool]
    route: ClassVar[Route]

    async def check(
        self, event: MessageEvent, text: TextView, ctx: PolicyContext
    ) -> list[Finding]: ...


class BasePolicy:
    """Shared class attributes; subclasses set name, flag, article and implement ``check``.

    ``order`` puts cheap hard rules first (personal data, hashes) and models last; a model cannot
    overrule a hard rule.
    """

    name: ClassVar[str]
    flag: ClassVar[str]
    article: ClassVar[str]
    order: ClassVar[int] = 50
    settings_model: ClassVar[type[PolicySettings]] = PolicySettings
    # Defaults that differ per group kind (merged below config and group overrides).
    kind_defaults: ClassVar[Mapping[GroupKind, Mapping[str, Any]]] = {}
    synchronous: ClassVar[bool] = False
    # How the core handles this policy's findings (core.findings.Route): NORMAL by the action
    # table, CARE quietly via the confidential adviser, INFORMATIONAL only when alone. The evaluator
    # sets it on each finding the policy returns (unless the policy set another on the finding).
    route: ClassVar[Route] = Route.NORMAL

    def __init__(self, env: PolicyEnv | None = None) -> None:
        self.env = env or PolicyEnv()

    def wants(self, event: MessageEvent) -> bool:
        """Whether this rule has anything to look at in ``event``. Media rules say no to plain text,
        so a text message costs them nothing (no task, no await)."""
        return True

    # -- the answer when there is no finding (core.findings.PolicyResult) --------------------------
    # A policy that looked and found nothing says why with ``ctx.clear(reason)``; these are the
    # defaults, so every policy answers for every message.

    def not_applicable(self, event: MessageEvent) -> str:
        """Why ``wants`` said no (override with the rule's own words)."""
        return NOT_APPLICABLE_TEXT if not event.attachments else "not applicable"

    def disabled_reason(self, kind: GroupKind) -> str:
        """Why the rule is off in this group: its defaults for the group kind, or the settings."""
        if self.kind_defaults.get(kind, {}).get("enabled") is False:
            return STAFF_GROUP if kind is GroupKind.STAFF else f"{kind.value} group"
        return "disabled in this group"

    async def check(
        self, event: MessageEvent, text: TextView, ctx: PolicyContext
    ) -> list[Finding]:
        raise NotImplementedError

    async def aclose(self) -> None:
        """Release resources (model sessions, pools). Most policies hold none."""


class TextPolicy(BasePolicy):
    """Base for cheap, deterministic text rules.

    They implement ``check_text`` synchronously; the pipeline calls it directly for speed (no task per
    rule per message), while ``check`` keeps the common async interface for everything else.
    """

    order: ClassVar[int] = 10
    synchronous: ClassVar[bool] = True

    def check_text(self, text: TextView, ctx: PolicyContext, event: MessageEvent) -> list[Finding]:
        raise NotImplementedError

    async def check(
        self, event: MessageEvent, text: TextView, ctx: PolicyContext
    ) -> list[Finding]:
        return self.check_text(text, ctx, event)


def images(event: MessageEvent) -> list[Attachment]:
    """The attachments of a message that are images (photos, or image files sent as documents)."""
    return [att for att in event.attachments if is_image(att)]


class ImagePolicy(BasePolicy):
    """A rule about the images of a message: it runs only when one is attached."""

    def wants(self, event: MessageEvent) -> bool:
        return any(is_image(att) for att in event.attachments)

    def not_applicable(self, event: MessageEvent) -> str:
        return super().not_applicable(event) if not event.attachments else NO_IMAGE
