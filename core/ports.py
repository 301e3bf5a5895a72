"""Narrow ports through which the core acts on the world.

Adapters implement ``ChatPort`` for their platform; alert channels and mail backends implement their
own small protocols. The pipeline only ever talks to these, never to a platform library, so the same
decision can be carried out on Telegram, Matrix or the console, or simulated in observe mode.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class Button:
    """An action button under an alert (Telegram inline keyboard; a command hint on Matrix)."""

    label: str
    data: str  # opaque callback data, for example "ack:42" or "approve:telegram:-100123"


@dataclass(frozen=True, slots=True)
class OutgoingAlert:
    """A short alert for moderators, leadership or admins. Text is already rendered in Dutch/English."""

    text: str
    buttons: tuple[Button, ...] = ()
    # Reference back to what the alert is about, so an acknowledgement can edit it later.
    ref: str | None = None


@dataclass(frozen=True, slots=True)
class SentRef:
    """Where a sent message landed, so it can be edited later (for example when acknowledged)."""

    chat_id: str
    message_id: str


@runtime_checkable
class ChatPort(Protocol):
    """What the core may do in a chat platform.

    Platform errors that can never succeed (message already gone, bot removed or blocked) are logged
    and answered with False/None. Errors worth retrying (network, time-outs, flood limits) raise
    ``core.delivery.TemporaryDeliveryError`` (with ``retry_after`` where the platform says it), so the
    outbox retries them; in-group actions taken directly by the pipeline catch and log those."""

    platform: str

    async def send_message(
        self, chat_id: str, text: str, *, reply_to: str | None = None, notice: bool = True
    ) -> SentRef | None: ...

    async def delete_message(self, chat_id: str, message_id: str, *, reason: str) -> bool: ...

    async def restrict_member(self, chat_id: str, member_id: str, *, until: datetime) -> bool: ...

    async def leave_group(self, chat_id: str) -> bool: ...

    async def send_alert(self, chat_id: str, alert: OutgoingAlert) -> SentRef | None: ...

    async def edit_alert(self, ref: SentRef, alert: OutgoingAlert) -> bool: ...

    async def send_private(self, user_id: str, text: str) -> SentRef | None: ...


@runtime_checkable
class MailBackend(Protocol):
    """Like Django's e-mail backends: ``smtp``, ``file``, ``console``, ``memory`` share one call.

    Returns how many messages were accepted. Raises ``MailTemporaryError`` or
    ``MailPermanentError`` (see ``core.delivery``) so the outbox can retry or give up.
    """

    async def send_messages(self, messages: list[EmailMessage]) -> int: ...


@dataclass(slots=True)
class RecordedAction:
    """One thing a port was asked to do; used by observe mode and by tests."""

    kind: str
    chat_id: str
    detail: dict[str, object] = field(default_factory=dict)
