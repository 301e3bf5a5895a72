"""Recent messages per group, in memory only, to give an incident its minimal context.

The buffer holds the last few messages of each group (ids, sender, text) so that when an incident
opens, the flagged messages can be stored together with the few that led up to them. Nothing here is
ever written anywhere unless an incident uses it, and then only the messages of those involved:
of bystanders an incident keeps a count (``minimise``). A restart forgets it all, by design.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.events import MessageEvent

MAX_TEXT = 1000  # characters kept per message: enough to judge, not a transcript


@dataclass(frozen=True, slots=True)
class Recent:
    message_id: str
    sender_id: str
    sender_name: str
    role: str
    text: str
    at: datetime
    reply_to_sender_id: str | None = None

    def as_context(self, *, flagged: bool) -> dict[str, Any]:
        return {"message_id": self.message_id, "sender_id": self.sender_id,
                "sender_name": self.sender_name, "role": self.role, "text": self.text,
                "at": self.at.isoformat(), "flagged": flagged,
                "reply_to_sender_id": self.reply_to_sender_id}


class RecentMessages:
    def __init__(self, size: int = 50) -> None:
        self.size = size
        self._groups: dict[str, deque[Recent]] = {}

    def add(self, event: MessageEvent, size: int | None = None) -> None:
        buffer = self._groups.get(event.group_key)
        size = size or self.size
        if buffer is None or buffer.maxlen != size:
            buffer = deque(buffer or (), maxlen=size)
            self._groups[event.group_key] = buffer
        if event.edited:  # an edit replaces what we hold for that message
            for index, item in enumerate(buffer):
                if item.message_id == event.message_id:
                    del buffer[index]
                    break
        buffer.append(Recent(event.message_id, event.sender.platform_id,
                             event.sender.display_name, event.sender.role.value,
                             (event.text or "")[:MAX_TEXT], event.sent_at,
                             event.reply_to_sender_id))

    def get(self, group_key: str, message_id: str) -> Recent | None:
        for item in self._groups.get(group_key, ()):
            if item.message_id == message_id:
                return item
        return None

    def name_of(self, group_key: str, member_id: str) -> str | None:
        for item in reversed(self._groups.get(group_key, ())):
            if item.sender_id == member_id:
                return item.sender_name
        return None

    def around(self, group_key: str, flagged: set[str], before: int) -> list[dict[str, Any]]:
        """The flagged messages and up to ``before`` messages before each, in order."""
        items = list(self._groups.get(group_key, ()))
        keep: dict[int, bool] = {}
        for index, item in enumerate(items):
            if item.message_id in flagged:
                for j in range(max(0, index - before), index):
                    keep.setdefault(j, False)
                keep[index] = True
        return [items[i].as_context(flagged=keep[i]) for i in sorted(keep)]


def minimise(context: list[dict[str, Any]], involved: Iterable[str]) -> list[dict[str, Any]]:
    """Bystanders leave no trace but a count: a context message that is neither flagged, nor a
    report, nor written by someone involved (an offender or a target) keeps only its id and time,
    so the dossier can say how many messages of others came in between (data minimisation)."""
    members = set(involved)
    out = []
    for entry in context:
        if entry.get("flagged") or entry.get("kind") == "report" or entry.get("keep") \
                or entry.get("sender_id") in members or entry.get("bystander"):
            out.append(entry)
        else:
            out.append({"message_id": entry.get("message_id"), "at": entry.get("at"),
                        "flagged": False, "bystander": True})
    return out


def bystander_count(context: Iterable[dict[str, Any]]) -> int:
    return sum(1 for entry in context if entry.get("bystander"))


def merge_context(existing: list[dict[str, Any]], new: list[dict[str, Any]],
                  limit: int = 60) -> list[dict[str, Any]]:
    """Join context lists by message id (a message once flagged stays flagged), oldest first,
    keeping at most ``limit`` entries (the flagged ones first)."""
    by_id: dict[str, dict[str, Any]] = {}
    for entry in [*existing, *new]:
        key = entry.get("message_id") or f"_{len(by_id)}"
        old = by_id.get(key)
        if old is not None and old.get("keep") and entry.get("bystander"):
            continue  # a message a moderator kept is not reduced to a count again
        if old is not None:
            entry = {**old, **entry, "flagged": bool(old.get("flagged") or entry.get("flagged"))}
        by_id[key] = entry
    entries = sorted(by_id.values(), key=lambda e: e.get("at") or "")
    if len(entries) > limit:
        flagged = [e for e in entries if e.get("flagged")]
        others = [e for e in entries if not e.get("flagged")]
        room = max(0, limit - len(flagged))
        kept = flagged[-limit:] + (others[len(others) - room:] if room else [])
        entries = sorted(kept, key=lambda e: e.get("at") or "")
    return entries
