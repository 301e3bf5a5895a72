"""Power levels, including room version 12's creators, and the roles they imply.

From room version 12 on (and the ``org.matrix.hydra.11`` test version), the room's creator and any
``additional_creators`` named in ``m.room.create`` hold infinite power and are *not* listed in the
``users`` map of ``m.room.power_levels``; nio does not know this yet, so this module does it.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from core.events import GroupKind, Role

MODERATOR = 50
# Room versions in which creators hold implicit, infinite power (MSC4289).
_CREATOR_POWER_VERSIONS = ("12", "org.matrix.hydra.11")


def creators_have_power(room_version: str | None) -> bool:
    if not room_version:
        return False
    if room_version in _CREATOR_POWER_VERSIONS:
        return True
    return room_version.isdigit() and int(room_version) >= 12


def creators_from(create_event: Mapping[str, Any]) -> frozenset[str]:
    """The creators named by an ``m.room.create`` event (sender plus ``additional_creators``)."""
    content = create_event.get("content") or {}
    if not creators_have_power(str(content.get("room_version") or "1")):
        return frozenset()
    extra = content.get("additional_creators") or []
    return frozenset([str(create_event.get("sender", "")), *(str(u) for u in extra)]) - {""}


@dataclass(frozen=True, slots=True)
class Powers:
    """The parts of ``m.room.power_levels`` schoolwacht needs, plus the v12 creators."""

    users: Mapping[str, int] = field(default_factory=dict)
    users_default: int = 0
    events: Mapping[str, int] = field(default_factory=dict)
    events_default: int = 0
    state_default: int = 50
    redact: int = 50
    kick: int = 50
    ban: int = 50
    creators: Collection[str] = frozenset()

    @classmethod
    def from_content(cls, content: Mapping[str, Any] | None,
                     creators: Collection[str] = frozenset()) -> Powers:
        """Build from a power-levels content; a room without one gives creators all power
        and everyone else 0, as the spec says."""
        if not content:
            return cls(users={}, state_default=0, creators=creators)

        def num(key: str, default: int) -> int:
            try:
                return int(content.get(key, default))
            except (TypeError, ValueError):
                return default

        users = {str(k): int(v) for k, v in (content.get("users") or {}).items()
                 if isinstance(v, (int, str)) and str(v).lstrip("-").isdigit()}
        events = {str(k): int(v) for k, v in (content.get("events") or {}).items()
                  if isinstance(v, (int, str)) and str(v).lstrip("-").isdigit()}
        return cls(users=users, users_default=num("users_default", 0), events=events,
                   events_default=num("events_default", 0), state_default=num("state_default", 50),
                   redact=num("redact", 50), kick=num("kick", 50), ban=num("ban", 50),
                   creators=creators)

    def level(self, user_id: str) -> float:
        if user_id in self.creators:
            return math.inf
        return self.users.get(user_id, self.users_default)

    def can_redact_others(self, user_id: str) -> bool:
        """Redacting someone else's event needs the ``redact`` level and the level to send
        ``m.room.redaction`` events."""
        needed = max(self.redact, self.events.get("m.room.redaction", self.events_default))
        return self.level(user_id) >= needed

    def redact_level_needed(self) -> int:
        return max(self.redact, self.events.get("m.room.redaction", self.events_default))

    def admins(self) -> list[str]:
        """Who can change power levels: the people to ask for rights."""
        needed = self.events.get("m.room.power_levels", self.state_default)
        listed = [u for u, lvl in self.users.items() if lvl >= needed]
        return sorted(set(listed) | set(self.creators))


def role_for(user_id: str, powers: Powers | None, *, kind: GroupKind,
             staff: Collection[str], mods_moderate: bool = False) -> tuple[Role, bool]:
    """The sender's role for moderation and whether they have moderator power in this room.

    Configured staff are staff everywhere. Power ≥ 50 (moderator; a room's creator has it) is a
    platform fact only: it makes a teacher in class and parent groups (staff in staff groups) only
    when ``[permissions] chat_admins = "moderator"``; everyone else gets the kind's default role.
    What anyone may do is decided by ``core.permissions``, not by this role."""
    is_mod = powers is not None and powers.level(user_id) >= MODERATOR
    if user_id in staff:
        return Role.STAFF, is_mod
    if is_mod and mods_moderate:
        return (Role.STAFF if kind is GroupKind.STAFF else Role.TEACHER), True
    return {GroupKind.CLASS: Role.STUDENT, GroupKind.PARENT: Role.PARENT,
            GroupKind.STAFF: Role.STAFF}[kind], is_mod
