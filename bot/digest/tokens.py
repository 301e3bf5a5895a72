"""Signed links for confirming and unsubscribing, so nobody can (un)subscribe someone else.

A token is ``<subscriber id>.<issue day>.<signature>``: an HMAC-SHA256 over the purpose, the
subscriber, its address and group. Confirmation links expire; unsubscribe links never do (an old
digest must always be able to stop the mails).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass

CONFIRM_DAYS = 14
DAY = 86400


def _day() -> int:
    return int(time.time() // DAY)


@dataclass(frozen=True, slots=True)
class TokenSigner:
    secret: bytes

    def _sig(self, purpose: str, subscriber_id: int, day: int, email: str, group_key: str) -> str:
        msg = f"{purpose}\n{subscriber_id}\n{day}\n{email.lower()}\n{group_key}".encode()
        digest = hmac.new(self.secret, msg, hashlib.sha256).digest()[:18]
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def make(self, purpose: str, subscriber_id: int, email: str, group_key: str,
             day: int | None = None) -> str:
        day = _day() if day is None else day
        return f"{subscriber_id}.{day}.{self._sig(purpose, subscriber_id, day, email, group_key)}"

    @staticmethod
    def subscriber_id(token: str) -> int | None:
        """The subscriber a token claims to be for (still to be verified)."""
        head = token.split(".", 1)[0]
        return int(head) if head.isdigit() else None

    def verify(self, purpose: str, token: str, email: str, group_key: str,
               max_age_days: int | None = None) -> bool:
        parts = token.split(".")
        if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
            return False
        subscriber_id, day = int(parts[0]), int(parts[1])
        expected = self._sig(purpose, subscriber_id, day, email, group_key)
        if not hmac.compare_digest(expected, parts[2]):
            return False
        return max_age_days is None or 0 <= _day() - day <= max_age_days
