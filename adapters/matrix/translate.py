"""Matrix events (raw event dicts, already decrypted by nio) → platform-neutral events.

Works on the event's JSON rather than nio's classes, so a message type nio does not model still
reaches the pipeline with its text. Reply fallbacks (the quoted ``> <@user> …`` lines older clients
put in front of a reply) are removed, so nobody is judged for the words they quote.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from core.events import Attachment, AttachmentKind, MessageEvent, Sender

PLATFORM = "matrix"
COMMAND_PREFIX = "!sw"
# Commands anyone may type in a group room as "/name" (Element sends unknown slash commands as
# text when the user confirms); staff commands use "!sw name".
SLASH_COMMANDS = {"help", "hulp", "regels", "rules", "meld", "report"}

_KINDS = {
    "m.image": AttachmentKind.IMAGE,
    "m.video": AttachmentKind.VIDEO,
    "m.audio": AttachmentKind.AUDIO,
    "m.file": AttachmentKind.DOCUMENT,
}
_MXID = re.compile(r"@[a-z0-9._=\-/+]+:[a-zA-Z0-9.\-]+(?::\d+)?")


def strip_reply_fallback(body: str) -> str:
    """Remove the quoted lines of a reply fallback (spec: lines starting with '> ')."""
    lines = body.split("\n")
    index = 0
    while index < len(lines) and lines[index].startswith(">"):
        index += 1
    if index == 0:
        return body
    while index < len(lines) and not lines[index].strip():
        index += 1
    return "\n".join(lines[index:])


@dataclass(frozen=True, slots=True)
class ParsedCommand:
    name: str
    args: tuple[str, ...]


def parse_command(body: str, *, allow_slash: bool) -> ParsedCommand | None:
    """``!sw name args…`` anywhere; ``/help``, ``/regels``, ``/meld`` in group rooms."""
    text = body.strip()
    try:
        parts = shlex.split(text)
    except ValueError:
        parts = text.split()
    if not parts:
        return None
    if parts[0].lower() == COMMAND_PREFIX:
        if len(parts) < 2:
            return ParsedCommand("help", ())
        return ParsedCommand(parts[1].lower(), tuple(parts[2:]))
    if allow_slash and parts[0].startswith("/") and parts[0][1:].lower() in SLASH_COMMANDS:
        return ParsedCommand(parts[0][1:].lower(), tuple(parts[1:]))
    return None


def content_of(source: Mapping[str, Any]) -> Mapping[str, Any]:
    content = source.get("content")
    return content if isinstance(content, Mapping) else {}


def relation(content: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(in-reply-to event id, replaced event id) of a message."""
    rel = content.get("m.relates_to")
    if not isinstance(rel, Mapping):
        return None, None
    reply = rel.get("m.in_reply_to")
    reply_id = reply.get("event_id") if isinstance(reply, Mapping) else None
    replaced = rel.get("event_id") if rel.get("rel_type") == "m.replace" else None
    return (str(reply_id) if reply_id else None), (str(replaced) if replaced else None)


def message_text(content: Mapping[str, Any]) -> str:
    """The visible text: an edit's new content, without a reply fallback."""
    _, replaced = relation(content)
    new = content.get("m.new_content")
    if replaced and isinstance(new, Mapping):
        content = new
    body = content.get("body")
    if not isinstance(body, str):
        return ""
    if content.get("msgtype") in _KINDS or content.get("msgtype") == "m.image":
        # For media, body is usually the file name; a caption is in body when filename is set.
        filename = content.get("filename")
        return body if isinstance(filename, str) and filename and filename != body else ""
    return strip_reply_fallback(body)


def mentions_of(content: Mapping[str, Any], text: str) -> tuple[str, ...]:
    mentions = content.get("m.mentions")
    ids: list[str] = []
    if isinstance(mentions, Mapping) and isinstance(mentions.get("user_ids"), list):
        ids = [str(u) for u in mentions["user_ids"]]
    ids += [m for m in _MXID.findall(text) if m not in ids]
    return tuple(ids)


def attachment_of(source: Mapping[str, Any],
                  fetcher: Callable[[Mapping[str, Any]], Any]) -> Attachment | None:
    content = content_of(source)
    if source.get("type") == "m.sticker":
        kind = AttachmentKind.STICKER
    else:
        kind = _KINDS.get(str(content.get("msgtype")))
    if kind is None:
        return None
    info = content.get("info") if isinstance(content.get("info"), Mapping) else {}
    assert isinstance(info, Mapping)
    file = content.get("file") if isinstance(content.get("file"), Mapping) else None
    url = (file or {}).get("url") if file else content.get("url")

    def num(key: str) -> int | None:
        value = info.get(key)
        return value if isinstance(value, int) else None

    mime = info.get("mimetype") if isinstance(info.get("mimetype"), str) else None
    if kind is AttachmentKind.AUDIO and ("org.matrix.msc3245.voice" in content):
        kind = AttachmentKind.VOICE
    return Attachment(kind=kind, file_id=str(url or ""), mime_type=mime, size=num("size"),
                      file_name=str(content.get("filename") or content.get("body") or "") or None,
                      width=num("w"), height=num("h"), fetch=fetcher(content))


def to_message(source: Mapping[str, Any], *, room_id: str, sender: Sender,
               room_title: str | None, fetcher: Callable[[Mapping[str, Any]], Any],
               reply_sender: Callable[[str], str | None]) -> MessageEvent:
    content = content_of(source)
    text = message_text(content)
    reply_to, replaced = relation(content)
    attachment = attachment_of(source, fetcher)
    ts = source.get("origin_server_ts")
    sent_at = datetime.fromtimestamp(ts / 1000, UTC) if isinstance(ts, int) else datetime.now(UTC)
    return MessageEvent(
        platform=PLATFORM, group_id=room_id, message_id=str(source.get("event_id")),
        sender=sender, text=text, attachments=(attachment,) if attachment else (),
        reply_to_message_id=reply_to,
        reply_to_sender_id=reply_sender(reply_to) if reply_to else None,
        mentions=mentions_of(content, text), sent_at=sent_at, edited=replaced is not None,
        group_title=room_title)
