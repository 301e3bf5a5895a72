"""Image analysis shared by the media policies: safe intake, a bounded worker pool, the
chat-screenshot detector and perceptual hashes. Nothing here knows a chat platform; images arrive
as bytes.

This package's own module stays light (it is imported by every media rule at start-up); the image
stack (Pillow, numpy, scipy, imagehash) loads with ``policies.images.service`` on the first image.
"""

from __future__ import annotations

from core.events import Attachment, AttachmentKind, MessageEvent
from policies.base import NO_IMAGE, BasePolicy

IMAGE_MIME_PREFIX = "image/"


def is_image(att: Attachment) -> bool:
    if att.kind is AttachmentKind.IMAGE:
        return True
    return att.kind is AttachmentKind.DOCUMENT and (att.mime_type or "").startswith(
        IMAGE_MIME_PREFIX)


def images(event: MessageEvent) -> list[Attachment]:
    return [att for att in event.attachments if is_image(att)]


class ImagePolicy(BasePolicy):
    """A rule about the images of a message: it runs only when one is attached."""

    def wants(self, event: MessageEvent) -> bool:
        return any(is_image(att) for att in event.attachments)

    def not_applicable(self, event: MessageEvent) -> str:
        return super().not_applicable(event) if not event.attachments else NO_IMAGE
