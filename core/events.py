"""Platform-neutral events.

Every adapter (Telegram, Matrix, console, WhatsApp export) translates what its platform delivers into
these frozen dataclasses. Nothing past the adapter ever sees a platform object, so policies and the
pipeline run the same way on every platform and in `schoolwacht check`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum


class GroupKind(StrEnum):
    CLASS = "class"
    PARENT = "parent"
    STAFF = "staff"


class Role(StrEnum):
    STUDENT = "student"
    TEACHER = "teacher"
    PARENT = "parent"
    STAFF = "staff"

    @property
    def is_staff(self) -> bool:
        """Teachers count as staff for the protocol (B.1, B.4)."""
        return self in (Role.TEACHER, Role.STAFF)


class AttachmentKind(StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"
    VOICE = "voice"
    DOCUMENT = "document"
    STICKER = "sticker"


class ForwardOrigin(StrEnum):
    """Where a forwarded message came from; private origins matter for article A.8."""

    PRIVATE_USER = "private_user"
    HIDDEN_USER = "hidden_user"
    GROUP = "group"
    CHANNEL = "channel"

    @property
    def is_private(self) -> bool:
        return self in (ForwardOrigin.PRIVATE_USER, ForwardOrigin.HIDDEN_USER)


def group_key(platform: str, group_id: str) -> str:
    """The one identifier of a group across the whole system: ``platform:id``."""
    return f"{platform}:{group_id}"


def utcnow() -> datetime:
    return datetime.now(UTC)


Fetch = Callable[[], Awaitable[bytes]]


@dataclass(frozen=True, slots=True)
class Sender:
    platform_id: str
    display_name: str
    role: Role
    is_group_admin: bool = False


@dataclass(frozen=True, slots=True)
class Attachment:
    """A media item. The bytes are fetched lazily, only when a policy needs them."""

    kind: AttachmentKind
    file_id: str
    mime_type: str | None = None
    size: int | None = None
    file_name: str | None = None
    width: int | None = None
    height: int | None = None
    fetch: Fetch | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class MessageEvent:
    platform: str
    group_id: str
    message_id: str
    sender: Sender
    text: str = ""
    attachments: tuple[Attachment, ...] = ()
    reply_to_message_id: str | None = None
    reply_to_sender_id: str | None = None
    mentions: tuple[str, ...] = ()
    forward_origin: ForwardOrigin | None = None
    sent_at: datetime = field(default_factory=utcnow)
    edited: bool = False
    group_title: str | None = None

    @property
    def group_key(self) -> str:
        return group_key(self.platform, self.group_id)


@dataclass(frozen=True, slots=True)
class BotAddedEvent:
    """The bot was added (or invited) to a group; approval starts here (B.1)."""

    platform: str
    group_id: str
    group_title: str | None = None
    added_by: Sender | None = None
    at: datetime = field(default_factory=utcnow)

    @property
    def group_key(self) -> str:
        return group_key(self.platform, self.group_id)


@dataclass(frozen=True, slots=True)
class MemberJoinedEvent:
    platform: str
    group_id: str
    member: Sender
    at: datetime = field(default_factory=utcnow)

    @property
    def group_key(self) -> str:
        return group_key(self.platform, self.group_id)


@dataclass(frozen=True, slots=True)
class MemberLeftEvent:
    platform: str
    group_id: str
    member_id: str
    at: datetime = field(default_factory=utcnow)

    @property
    def group_key(self) -> str:
        return group_key(self.platform, self.group_id)


@dataclass(frozen=True, slots=True)
class CommandEvent:
    """A command such as ``/meld`` or ``!sw status``, already split into name and arguments.

    ``name`` is the canonical (Dutch) command name; adapters map English aliases onto it.
    ``group_id`` is None for commands sent in a private chat with the bot.
    """

    platform: str
    group_id: str | None
    sender: Sender
    name: str
    args: tuple[str, ...] = ()
    message_id: str | None = None
    reply_to_message_id: str | None = None
    reply_to_sender_id: str | None = None
    language: str | None = None
    at: datetime = field(default_factory=utcnow)

    @property
    def group_key(self) -> str | None:
        return group_key(self.platform, self.group_id) if self.group_id is not None else None


Event = MessageEvent | BotAddedEvent | MemberJoinedEvent | MemberLeftEvent | CommandEvent
