"""Escalation thresholds and routing per group, validated like policy settings.

The effective dict comes from ``EffectiveGroup.escalation`` (the config's
``[policies.<kind>.escalation]`` table merged with the group's own ``escalation`` table). Defaults
always exist and unknown keys are rejected, so a typo stops start-up instead of silently disabling
an alert.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.config import AppConfig, ConfigError
from core.events import GroupKind
from core.findings import Severity

SeverityName = Literal["low", "medium", "high", "critical"]

# The protocol's measures for students, mildest first (protocol-nl.txt, "Sancties en gevolgen").
LADDER_STEPS: tuple[str, ...] = ("warning", "parents", "devices", "suspension", "removal")


class EscalationSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    # Critical: one finding at or above this severity, or in one of these categories, escalates
    # at once (threat of violence, sextortion, encouragement of self-harm).
    critical_severity: SeverityName = "critical"
    critical_categories: list[str] = ["threat", "violence", "sextortion", "self_harm"]
    # Burst: this many flagged messages of at least ``burst_severity`` within ``burst_minutes``.
    burst_count: int = Field(3, ge=2)
    burst_minutes: float = Field(10, gt=0)
    burst_severity: SeverityName = "medium"
    # Pile-on: this many different members aim flagged messages at one member within the window.
    pile_on_senders: int = Field(3, ge=2)
    pile_on_minutes: float = Field(15, gt=0)
    pile_on_severity: SeverityName = "low"
    # One incident per situation: a new trigger within this time joins the group's open incident.
    incident_window_minutes: float = Field(120, gt=0)
    # Context kept with an incident: each flagged message plus this many messages before it.
    context_before: int = Field(3, ge=0, le=20)
    context_buffer: int = Field(50, ge=5, le=500)
    # Reminders: unacknowledged after this long, remind and move up one tier (0 moderators,
    # 1 team leaders, 2 leadership), up to ``max_tier``.
    remind_after_minutes: float = Field(15, gt=0)
    max_tier: int = Field(2, ge=0, le=2)
    critical_tier: int = Field(2, ge=0, le=2)  # where a critical incident starts (B.5)
    # Quiet reports (A.11): who receives them.
    reports_to: Literal["confidential_adviser", "moderators", "both"] = "confidential_adviser"
    # Sanction ladder: flagged messages (at least ``ladder_severity``) per member within
    # ``ladder_days`` at which each step of LADDER_STEPS is suggested.
    ladder_days: int = Field(90, ge=1)
    ladder_severity: SeverityName = "medium"
    ladder_thresholds: list[int] = [3, 6, 10, 15, 20]
    # A critical finding suggests at least this step (a threat is never "just a warning").
    critical_min_step: Literal["warning", "parents", "devices", "suspension", "removal"] = "parents"

    @field_validator("ladder_thresholds")
    @classmethod
    def _thresholds(cls, value: list[int]) -> list[int]:
        if not value or len(value) > len(LADDER_STEPS):
            raise ValueError(f"give 1 to {len(LADDER_STEPS)} thresholds, one per step "
                             f"({', '.join(LADDER_STEPS)})")
        if any(b <= a for a, b in itertools.pairwise(value)) or value[0] < 1:
            raise ValueError("thresholds must be positive and increasing")
        return value

    @model_validator(mode="after")
    def _tiers(self) -> EscalationSettings:
        if self.critical_tier > self.max_tier:
            raise ValueError("critical_tier cannot be above max_tier")
        return self

    def severity(self, name: str) -> Severity:
        return Severity.parse(name)

    @property
    def window_minutes(self) -> float:
        """How long findings stay in the sliding window: the longest rule's window."""
        return max(self.burst_minutes, self.pile_on_minutes)


def _error(exc: ValidationError, where: str) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
    return f"{where}{'.' + loc if loc else ''}: {msg}"


@lru_cache(maxsize=256)
def _parse(raw: str) -> EscalationSettings:
    return EscalationSettings.model_validate(json.loads(raw))


_BY_OBJECT: dict[int, tuple[Mapping[str, Any], EscalationSettings]] = {}


def settings_from(values: Mapping[str, Any]) -> EscalationSettings:
    """Validated settings for an effective escalation dict (cached: called for every message).

    A group's effective dict is built once and reused, so it is first looked up by identity (the
    entry keeps the dict alive, so its id cannot be reused); a new dict is parsed by content.
    """
    known = _BY_OBJECT.get(id(values))
    if known is not None and known[0] is values:
        return known[1]
    parsed = _parse(json.dumps(dict(values), sort_keys=True, default=str))
    if len(_BY_OBJECT) >= 4096:
        _BY_OBJECT.clear()  # bounded; groups re-resolved after a config change start afresh
    _BY_OBJECT[id(values)] = (values, parsed)
    return parsed


def validate_config(config: AppConfig) -> None:
    """Check every escalation table in the config now, so mistakes stop start-up."""
    for kind in GroupKind:
        table = config.policies.for_kind(kind).escalation
        try:
            EscalationSettings.model_validate(table)
        except ValidationError as exc:
            raise ConfigError(_error(exc, f"policies.{kind.value}.escalation")) from None
    for index, group in enumerate(config.groups):
        merged = {**config.policies.for_kind(group.kind).escalation, **group.escalation}
        try:
            EscalationSettings.model_validate(merged)
        except ValidationError as exc:
            raise ConfigError(_error(exc, f"groups[{index}].escalation")) from None
