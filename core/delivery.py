"""Delivery errors: the contract between ports (chat platforms, mail backends) and the outbox.

A port raises ``TemporaryDeliveryError`` for what is worth retrying (network, time-outs, flood
limits; ``retry_after`` in seconds where the platform says it) and ``PermanentDeliveryError`` for
what can never succeed; the outbox retries the first and marks the item dead on the second.
"""

from __future__ import annotations

from contextvars import ContextVar

# The dedupe key of the outbox item being delivered, set by the dispatcher around its handler. A
# platform with idempotent sends derives its transaction id from it (Matrix), so an item sent
# again after a crash is recognised by the server and not shown twice.
delivery_key: ContextVar[str | None] = ContextVar("delivery_key", default=None)


class PermanentDeliveryError(Exception):
    """Delivery can never succeed (bad address, bot removed): the item is marked dead."""


class TemporaryDeliveryError(Exception):
    """Delivery failed for now; ``retry_after`` (seconds) may say when to try again."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class MailTemporaryError(TemporaryDeliveryError):
    """A mail backend could not deliver for now (connection refused, 4xx)."""


class MailPermanentError(PermanentDeliveryError):
    """A mail backend was refused for good (5xx); ``recipients`` lists the refused addresses
    (empty when the message itself, not an address, was refused)."""

    def __init__(self, message: str, recipients: list[str] | None = None) -> None:
        super().__init__(message)
        self.recipients = recipients or []


class ChatMovedError(TemporaryDeliveryError):
    """The chat has a new id (a Telegram group became a supergroup): deliver there instead."""

    def __init__(self, message: str, new_chat_id: str) -> None:
        super().__init__(message, retry_after=0)
        self.new_chat_id = new_chat_id
