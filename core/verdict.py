"""A verdict merges all findings about one message; a plan says what to do about it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from core.findings import ActionKind, Finding, PolicyResult, Severity


@dataclass(frozen=True, slots=True)
class Verdict:
    findings: tuple[Finding, ...] = ()
    # One answer per policy, in run order (the evaluator fills it; empty for a verdict built by hand).
    results: tuple[PolicyResult, ...] = field(default=(), compare=False)

    @classmethod
    def of(cls, findings: Iterable[Finding]) -> Verdict:
        return cls(tuple(findings))

    @property
    def flags(self) -> list[str]:
        return sorted({f.flag for f in self.findings})

    @property
    def severity(self) -> Severity:
        return max((f.severity for f in self.findings), default=Severity.NONE)

    @property
    def clean(self) -> bool:
        return not self.findings

    @property
    def articles(self) -> list[str]:
        return sorted({f.article for f in self.findings})

    def primary(self) -> Finding | None:
        """The most serious finding (highest severity, then score): it names the article cited."""
        if not self.findings:
            return None
        return max(self.findings, key=lambda f: (f.severity, f.score))

    def as_json(self) -> dict[str, Any]:
        return {
            "flags": self.flags,
            "severity": self.severity.label,
            "findings": [f.as_json() for f in self.findings],
        }

    def explain(self) -> list[dict[str, Any]]:
        """Each policy's answer: ``{"policy", "result": "finding|clear|skipped", "reason"}``."""
        return [r.as_json() for r in self.results]


@dataclass(frozen=True, slots=True)
class PlannedAction:
    kind: ActionKind
    finding: Finding


@dataclass(frozen=True, slots=True)
class ActionPlan:
    actions: tuple[PlannedAction, ...] = ()
    observe: bool = False  # observe mode: in-group actions are recorded, not carried out

    def has(self, kind: ActionKind) -> bool:
        return any(a.kind is kind for a in self.actions)

    def get(self, kind: ActionKind) -> PlannedAction | None:
        return next((a for a in self.actions if a.kind is kind), None)

    @property
    def kinds(self) -> list[str]:
        return [a.kind.value for a in self.actions]
