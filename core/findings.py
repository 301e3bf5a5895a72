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
