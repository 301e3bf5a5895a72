"""The sanction ladder: per person, the history and the next step the protocol suggests.

The protocol lists the measures a school may take with students, mildest first: a warning, a talk
with parents/carers, devices taken in temporarily, suspension, removal from school. schoolwacht
counts a member's flagged messages (not the ones a moderator called wrong) and suggests a step;
people decide, and their decision is recorded in the audit trail. The next offence after a decision
suggests the step above it, so the ladder is climbed one rung at a time unless the count says more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.escalation.settings import LADDER_STEPS, EscalationSettings
from core.findings import Severity
from storage.incidents_repo import Offence
from storage.models import AuditEntry

NONE = "none"
STEP_ALIASES: dict[str, str] = {
    "geen": NONE, "none": NONE, "niets": NONE,
    "waarschuwing": "warning", "warning": "warning", "waarschuwen": "warning",
    "ouders": "parents", "gesprek": "parents", "parents": "parents", "verzorgers": "parents",
    "devices": "devices", "apparaten": "devices", "innemen": "devices", "telefoon": "devices",
    "schorsing": "suspension", "schorsen": "suspension", "suspension": "suspension",
    "verwijdering": "removal", "verwijderen": "removal", "removal": "removal",
}


def parse_step(raw: str) -> str | None:
    return STEP_ALIASES.get(raw.strip().lower())


def level_for_count(count: int, thresholds: Sequence[int]) -> int:
    """Index of the highest step whose threshold ``count`` reaches; -1 below the first."""
    level = -1
    for index, threshold in enumerate(thresholds):
        if count >= threshold:
            level = index
    return level


def crossed_step(count: int, thresholds: Sequence[int]) -> int | None:
    """The step just reached when the count went from ``count - 1`` to ``count``."""
    before, after = level_for_count(count - 1, thresholds), level_for_count(count, thresholds)
    return after if after > before else None


@dataclass(frozen=True, slots=True)
class LadderView:
    member_id: str
    offences: int
    days: int
    decided: str | None  # highest step decided so far (None: nothing decided)
    suggested: str | None  # next step the protocol suggests (None: nothing new to decide)
    decisions: tuple[AuditEntry, ...] = field(default=())

    def as_json(self) -> dict[str, object]:
        return {"offences": self.offences, "days": self.days, "decided": self.decided,
                "suggested": self.suggested,
                "decisions": [{"at": d.at.isoformat(), "step": d.detail.get("step"),
                               "incident": d.detail.get("incident"), "by": d.actor,
                               "note": d.detail.get("note")} for d in self.decisions]}


def _aware(value: datetime) -> datetime:
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)


def assess(member_id: str, offences: Sequence[Offence], decisions: Sequence[AuditEntry],
           settings: EscalationSettings) -> LadderView:
    thresholds = settings.ladder_thresholds
    level = level_for_count(len(offences), thresholds)
    if any(o.severity >= Severity.CRITICAL for o in offences):
        level = max(level, LADDER_STEPS.index(settings.critical_min_step))
    decided_levels = [LADDER_STEPS.index(d.detail["step"]) for d in decisions
                      if d.detail.get("step") in LADDER_STEPS]
    decided = max(decided_levels, default=-1)
    last = _aware(decisions[-1].at) if decisions else None
    new = [o for o in offences if last is None or _aware(o.created_at) > last]
    if not new:
        suggested = None  # everything counted has been decided on
    else:
        wanted = max(level, decided + 1) if decided >= 0 else level
        suggested = LADDER_STEPS[min(wanted, len(LADDER_STEPS) - 1)] if wanted >= 0 else None
    return LadderView(member_id=member_id, offences=len(offences), days=settings.ladder_days,
                      decided=LADDER_STEPS[decided] if decided >= 0 else None,
                      suggested=suggested, decisions=tuple(decisions))
