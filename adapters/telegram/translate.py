"""From python-telegram-bot objects to the core's neutral events.

Pure functions where possible: they read a ``telegram.Message`` and return plain values, so the rest
of the system never sees a Telegram object. Media bytes are not downloaded here; an image attachment
carries a ``fetch`` that downloads it (within the size limit) only when a policy asks.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from telegram import (
    Bot,
    Message,
    MessageEntity,
    MessageOriginChannel,
    MessageOriginChat,
    MessageOriginHiddenUser,
    MessageOriginUser,
    PhotoSize,
)

from core.events import Attachment, AttachmentKind, Fetch, ForwardOrigin

log = logging.getLogger(__name__)

# Callback data whose argument is one value that itself contains ':' (a group key).
WHOLE_ARG_CALLBACKS = frozenset({"approve", "reject", "goedkeuren", "afwijzen"})


class DownloadRefused(Exception):
    """A file larger than ``max_download_bytes``; the image rules then skip it."""


def make_fetch(bot: Bot, file_id: str, max_bytes: int) -> Fetch:
    async def fetch() -> bytes:
        file = await bot.get_file(file_id)
        if file.file_size is not None and file.file_size > max_bytes:
            raise DownloadRefused(f"{file.file_size} bytes > {max_bytes}")
        data = await file.download_as_bytearray()
        if len(data) > max_bytes:
            raise DownloadRefused(f"{len(data)} bytes > {max_bytes}")
        log.debug("telegram file downloaded", extra={"bytes": len(data)})
        return bytes(data)

    return fetch


def best_photo(sizes: tuple[PhotoSize, ...], max_bytes: int) -> PhotoSize | None:
    """The largest size that fits the download limit (an unknown size is trusted, then checked)."""
    fitting = [p for p in sizes if p.file_size is None or p.file_size <= max_bytes]
    if not fitting:
        return None
    return max(fitting, key=lambda p: (p.width * p.height, p.file_size or 0))


def attachments(message: Message, bot: Bot, max_bytes: int) -> tuple[Attachment, ...]:
    out: list[Attachment] = []
    if message.photo:
        photo = best_photo(message.photo, max_bytes)
        if photo is not None:
            out.append(Attachment(kind=AttachmentKind.IMAGE, file_id=photo.file_id,
                                  mime_type="image/jpeg", size=photo.file_size,
                                  width=photo.width, height=photo.height,
                                  fetch=make_fetch(bot, photo.file_id, max_bytes)))
        else:  # too large to inspect: still visible to rules that look at the kind only
            largest = message.photo[-1]
            out.append(Attachment(kind=AttachmentKind.IMAGE, file_id=largest.file_id,
                                  mime_type="image/jpeg", size=largest.file_size,
                                  width=largest.width, height=largest.height))
    # An animation (GIF) also fills ``document`` for old clients; count it once, as a video.
    document = message.document if message.animation is None else None
    if document is not None:
        is_image = (document.mime_type or "").startswith("image/")
        fits = document.file_size is None or document.file_size <= max_bytes
        out.append(Attachment(
            kind=AttachmentKind.IMAGE if is_image else AttachmentKind.DOCUMENT,
            file_id=document.file_id, mime_type=document.mime_type, size=document.file_size,
            file_name=document.file_name,
            fetch=make_fetch(bot, document.file_id, max_bytes) if is_image and fits else None))
    for media, kind in ((message.video, AttachmentKind.VIDEO),
                        (message.video_note, AttachmentKind.VIDEO),
                        (message.animation, AttachmentKind.VIDEO),
                        (message.audio, AttachmentKind.AUDIO),
                        (message.voice, AttachmentKind.VOICE)):
        if media is not None:
            out.append(Attachment(kind=kind, file_id=media.file_id,
                                  mime_type=getattr(media, "mime_type", None),
                                  size=media.file_size,
                                  width=getattr(media, "width", None),
                                  height=getattr(media, "height", None)))
    if message.sticker is not None:
        sticker = message.sticker
        out.append(Attachment(kind=AttachmentKind.STICKER, file_id=sticker.file_id,
                              size=sticker.file_size, width=sticker.width,
                              height=sticker.height))
    return tuple(out)


def forward_origin(message: Message) -> ForwardOrigin | None:
    origin = message.forward_origin
    if origin is None:
        return None
    if isinstance(origin, MessageOriginUser):
        return ForwardOrigin.PRIVATE_USER
    if isinstance(origin, MessageOriginHiddenUser):
        return ForwardOrigin.HIDDEN_USER
    if isinstance(origin, MessageOriginChat):
        return ForwardOrigin.GROUP
    if isinstance(origin, MessageOriginChannel):
        return ForwardOrigin.CHANNEL
    return None


def reply_target(message: Message) -> tuple[str | None, str | None]:
    """The message replied to and its sender; a forum topic's implicit reply is not a reply."""
    target = message.reply_to_message
    if target is None:
        return None, None
    if (message.is_topic_message and message.message_thread_id is not None
            and target.message_id == message.message_thread_id):
        return None, None
    sender = target.from_user.id if target.from_user else (
        target.sender_chat.id if target.sender_chat else None)
    return str(target.message_id), str(sender) if sender is not None else None


def mentions(message: Message, usernames: Mapping[str, str]) -> tuple[str, ...]:
    """Mentioned members: user ids where known (text mentions, usernames seen before), else
    ``@username``."""
    found: list[str] = []
    entities: dict[MessageEntity, str] = {}
    entities.update(message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION]))
    entities.update(message.parse_caption_entities([MessageEntity.MENTION,
                                                    MessageEntity.TEXT_MENTION]))
    for entity, value in entities.items():
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None:
            found.append(str(entity.user.id))
        elif entity.type == MessageEntity.MENTION:
            name = value.lstrip("@").lower()
            found.append(usernames.get(name, f"@{name}"))
    return tuple(dict.fromkeys(found))


def parse_command(message: Message, bot_username: str | None) -> tuple[str, tuple[str, ...]] | None:
    """``/meld@schoolwachtbot a b`` → ("meld", ("a", "b")); None when it is not a command for us."""
    text = message.text or ""
    entities = message.entities or ()
    if not text.startswith("/") or not any(e.type == MessageEntity.BOT_COMMAND and e.offset == 0
                                           for e in entities):
        return None
    head, *args = text.split()
    name, _, addressed = head[1:].partition("@")
    if addressed and bot_username and addressed.lower() != bot_username.lower():
        return None  # meant for another bot in the group
    if not name:
        return None
    return name, tuple(args)


def parse_callback(data: str) -> tuple[str, tuple[str, ...]]:
    """Button data ``name:args``: ``approve:telegram:-100123`` keeps the group key whole,
    ``fb:wrong:12`` splits into ("fb", ("wrong", "12"))."""
    name, sep, rest = data.partition(":")
    if not sep or not rest:
        return name, ()
    if name.lower() in WHOLE_ARG_CALLBACKS:
        return name, (rest,)
    return name, tuple(rest.split(":"))
