"""What a policy says about a message: a finding, how serious it is, and what may be done about it.

A policy *decides*; it never acts. Every finding names the protocol article it upholds; the pipeline
merges findings into a verdict (``core.verdict``) and an action plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any


class Severity(IntEnum):
    NONE = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str | int | Severity) -> Severity:
        if isinstance(value, Severity):
            return value
        if isinstance(value, int):
            return cls(value)
        return cls[value.strip().upper()]


class ActionKind(StrEnum):
    """What the pipeline may do about a finding. Adapters carry these out through ports."""

    RECORD = "record"  # store the finding (always done for any finding)
    REMIND = "remind"  # a kind reminder in the group citing the article
    WARN = "warn"  # a personal warning addressed to the sender
    DELETE = "delete"  # remove the message inside the approved group
    NOTIFY = "notify"  # alert the group's moderators
    ESCALATE = "escalate"  # hand to the escalation monitor (B.5)
    RESTRICT = "restrict"  # mute the sender for a while (only where the group allows it)


class Route(StrEnum):
    """How the core handles a policy's findings. A policy declares it (``BasePolicy.route``); the
    planner and the pipeline read it from the finding and never name a policy."""

    NORMAL = "normal"  # the policy's per-severity action table decides
    # Quiet care: a member who may be at risk. Nothing happens in the group about the whole message
    # (no reminder, warning or removal); the alert reaches the confidential adviser too (A.11).
    CARE = "care"
    # Information, not harm (an off-topic score): it acts only when it is the message's only kind of
    # finding. Findings of severity ``none`` are informational whatever their route.
    INFORMATIONAL = "informational"


@dataclass(frozen=True, slots=True)
class Finding:
    policy: str
    flag: str
    article: str
    score: float
    severity: Severity
    evidence: str
    category: str | None = None
    # Member ids this finding is aimed at (a reply target or a mention); used by the pile-on monitor.
    targets: tuple[str, ...] = ()
    # Machine-readable details for the core (for example {"phash": "..."} of a flagged image).
    data: Mapping[str, Any] = field(default_factory=dict, compare=False)
    # How the core handles it: the policy's declared route, set by the evaluator (core.findings.Route).
    route: Route = field(default=Route.NORMAL, compare=False)

    @property
    def informational(self) -> bool:
        return self.route is Route.INFORMATIONAL or self.severity is Severity.NONE

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "policy": self.policy,
            "flag": self.flag,
            "article": self.article,
            "score": round(self.score, 3),
            "severity": self.severity.label,
            "evidence": self.evidence,
        }
        if self.category:
            data["category"] = self.category
        return data


class Outcome(StrEnum):
    """What one policy said about one message."""

    FINDING = "finding"  # it found something (its findings are in the verdict)
    CLEAR = "clear"  # it looked and found nothing, for a reason
    SKIPPED = "skipped"  # it did not look: disabled here, nothing for it in the message, or failed


@dataclass(frozen=True, slots=True)
class PolicyResult:
    """Every policy answers for every message, including why it cleared it (``check --explain``,
    and later the dashboard: why nothing happened)."""

    policy: str
    result: Outcome
    reason: str

    def as_json(self) -> dict[str, Any]:
        return {"policy": self.policy, "result": self.result.value, "reason": self.reason}
