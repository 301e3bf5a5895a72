"""Turn parsed WhatsApp messages into the platform-neutral records and events the scan checks.

Only what someone wrote goes to the text rules: media placeholders and deleted messages are
counted but carry no text. Attached files in a zip export become ``Attachment``s whose bytes are
read from the zip on demand, so images go through the image rules like any other photo.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable, Iterator, Mapping
from zoneinfo import ZoneInfo

from adapters.whatsapp.archive import ExportSource
from adapters.whatsapp.parser import ChatExport, ChatMessage, MessageKind
from bot.scan import ChatRecord, default_role
from core.events import Attachment, GroupKind, MessageEvent, Role, Sender

PLATFORM = "whatsapp"


def _attachment(message: ChatMessage, source: ExportSource | None) -> Attachment | None:
    name = message.media_file
    if name is None or message.media_kind is None:
        return None
    if source is None or not source.has_media(name):
        return None  # referenced but not in the export: nothing to look at
    return Attachment(
        kind=message.media_kind,
        file_id=name,
        mime_type=mimetypes.guess_type(name)[0],
        size=source.media_size(name),
        file_name=name,
        fetch=source.fetcher(name),
    )


def to_records(
    export: ChatExport,
    *,
    kind: GroupKind,
    source: ExportSource | None = None,
    roles: Mapping[str, Role] | None = None,
    timezone: str = "Europe/Amsterdam",
    group_id: str | None = None,
) -> list[ChatRecord]:
    """One record per message of an export held in memory (see ``iter_records``)."""
    return list(iter_records(export.messages, group_title=export.group_title, kind=kind,
                             source=source, roles=roles, timezone=timezone, group_id=group_id))


def iter_records(
    messages: Iterable[ChatMessage],
    *,
    group_title: str | None,
    kind: GroupKind,
    source: ExportSource | None = None,
    roles: Mapping[str, Role] | None = None,
    timezone: str = "Europe/Amsterdam",
    group_id: str | None = None,
) -> Iterator[ChatRecord]:
    """One record per message, as the messages come; ``record.event`` is set only when there is
    something to check.

    Every sender gets the default role of the group kind (student in a class group, parent in a
    parent group) unless ``roles`` names them (by the name as written or as shown).
    """
    tz = ZoneInfo(timezone)
    roles = roles or {}
    fallback = default_role(kind)
    gid = group_id or group_title or (source.path.stem if source else "export")
    senders: dict[str, Sender] = {}
    for message in messages:
        sent_at = message.sent_at.replace(tzinfo=tz)
        attachment = _attachment(message, source)
        event = None
        if message.kind in (MessageKind.TEXT, MessageKind.MEDIA) and (
            message.text.strip() or attachment is not None
        ):
            sender = senders.get(message.sender)
            if sender is None:
                display = message.display_sender
                role = roles.get(message.sender) or roles.get(display) or fallback
                sender = senders[message.sender] = Sender(
                    platform_id=message.sender, display_name=display, role=role
                )
            event = MessageEvent(
                platform=PLATFORM,
                group_id=gid,
                message_id=str(message.line_index),
                sender=sender,
                text=message.text,
                attachments=(attachment,) if attachment is not None else (),
                mentions=message.mentions,
                sent_at=sent_at,
                edited=message.edited,
                group_title=group_title,
            )
        yield ChatRecord(
            index=message.index,
            line_index=message.line_index,
            timestamp=message.timestamp,
            sender=message.sender,
            text=message.text,
            kind=message.kind,  # a StrEnum: compares equal to its value
            sent_at=sent_at,
            attachments=(message.media_file,) if message.media_file else (),
            edited=message.edited,
            event=event,
        )
