"""When a group's digest goes out: ``daily 16:00``, ``weekly fri 15:00`` or ``immediate``.

Times are the school's local time; the core's persistent scheduler fires the job (a digest missed
while the bot was down is sent once when it starts again).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RE = re.compile(r"^\s*(?:(daily)|weekly\s+(mon|tue|wed|thu|fri|sat|sun))\s+"
                 r"([01]?\d|2[0-3]):([0-5]\d)\s*$|^\s*(immediate)\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Schedule:
    kind: Literal["daily", "weekly", "immediate"]
    hour: int = 0
    minute: int = 0
    day: str | None = None

    @property
    def immediate(self) -> bool:
        return self.kind == "immediate"

    def cron_fields(self) -> dict[str, Any]:
        """Fields for APScheduler's ``CronTrigger`` (the scheduler adds the time zone)."""
        fields: dict[str, Any] = {"hour": self.hour, "minute": self.minute}
        if self.kind == "weekly":
            fields["day_of_week"] = self.day
        return fields


def parse_schedule(text: str) -> Schedule:
    match = _RE.match(text)
    if match is None:
        raise ValueError(f"digest schedule {text!r} must look like 'daily 16:00', "
                         "'weekly fri 15:00' or 'immediate'")
    daily, day, hour, minute, immediate = match.groups()
    if immediate:
        return Schedule("immediate")
    if daily:
        return Schedule("daily", int(hour), int(minute))
    return Schedule("weekly", int(hour), int(minute), day.lower())
