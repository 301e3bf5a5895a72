"""Helpers for the image tests: events with an image attachment, a policy env, a labelled run."""

from __future__ import annotations

from datetime import UTC, datetime

from core.events import Attachment, AttachmentKind, GroupKind, MessageEvent, Role, Sender
from core.image_hashes import ImageHashStore
from policies.base import PolicyContext, PolicyEnv, PolicyOptions, PolicySettings
from policies.images.settings import ImageSettings
from policies.text import TextView


def image_event(data: bytes, *, file_id: str = "f1", group_id: str = "klas2b",
                message_id: str = "m1", kind: AttachmentKind = AttachmentKind.IMAGE,
                sent_at: datetime | None = None, mime: str | None = None) -> MessageEvent:
    async def fetch() -> bytes:
        return data

    att = Attachment(kind=kind, file_id=file_id, size=len(data), mime_type=mime, fetch=fetch)
    return MessageEvent(platform="console", group_id=group_id, message_id=message_id,
                        sender=Sender("u1", "Sam", Role.STUDENT), attachments=(att,),
                        sent_at=sent_at or datetime.now(UTC))


def context(settings: PolicySettings, *, kind: GroupKind = GroupKind.CLASS,
            group_key: str = "console:klas2b", facts: dict | None = None) -> PolicyContext:
    return PolicyContext(group_key=group_key, group_kind=kind, sender_role=Role.STUDENT,
                         settings=settings, group_facts=facts or {})


def env(image_hashes: ImageHashStore | None = None) -> PolicyEnv:
    return PolicyEnv(image_hashes=image_hashes,
                     options=PolicyOptions(images=ImageSettings(
                         workers=2, queue_size=64, timeout_seconds=20, max_bytes=10_000_000,
                         max_pixels=40_000_000)))


EMPTY = TextView.of("")
