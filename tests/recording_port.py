"""A ChatPort that records what the core asks of a platform, for tests of the core itself."""

from __future__ import annotations

import itertools
from datetime import datetime

from core.ports import OutgoingAlert, RecordedAction, SentRef


class RecordingPort:
    def __init__(self, platform: str = "test") -> None:
        self.platform = platform
        self.actions: list[RecordedAction] = []
        self._ids = itertools.count(1)
        self.fail_next: Exception | None = None

    def _record(self, kind: str, chat_id: str, **detail: object) -> SentRef:
        if self.fail_next is not None:
            exc, self.fail_next = self.fail_next, None
            raise exc
        self.actions.append(RecordedAction(kind, chat_id, dict(detail)))
        return SentRef(chat_id, str(next(self._ids)))

    def of(self, kind: str) -> list[RecordedAction]:
        return [a for a in self.actions if a.kind == kind]

    async def send_message(self, chat_id: str, text: str, *, reply_to: str | None = None,
                           notice: bool = True) -> SentRef | None:
        return self._record("send", chat_id, text=text, reply_to=reply_to)

    async def delete_message(self, chat_id: str, message_id: str, *, reason: str) -> bool:
        self._record("delete", chat_id, message_id=message_id, reason=reason)
        return True

    async def restrict_member(self, chat_id: str, member_id: str, *, until: datetime) -> bool:
        self._record("restrict", chat_id, member_id=member_id)
        return True

    async def leave_group(self, chat_id: str) -> bool:
        self._record("leave", chat_id)
        return True

    async def send_alert(self, chat_id: str, alert: OutgoingAlert) -> SentRef | None:
        return self._record("alert", chat_id, text=alert.text,
                            buttons=[b.data for b in alert.buttons])

    async def edit_alert(self, ref: SentRef, alert: OutgoingAlert) -> bool:
        self._record("edit", ref.chat_id, message_id=ref.message_id, text=alert.text)
        return True

    async def send_private(self, user_id: str, text: str) -> SentRef | None:
        return self._record("private", user_id, text=text)
