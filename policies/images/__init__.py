"""Image analysis shared by the media policies: safe intake, a bounded worker pool, the
chat-screenshot detector and perceptual hashes. Nothing here knows a chat platform; images arrive
as bytes.

This package's own module stays light (it is imported by every media rule at start-up); the image
stack (Pillow, numpy, scipy, imagehash) loads with ``policies.images.service`` on the first image.
"""

from __future__ import annotations

from core.events import Attachment, AttachmentKind

IMAGE_MIME_PREFIX = "image/"


def is_image(att: Attachment) -> bool:
    if att.kind is AttachmentKind.IMAGE:
        return True
    return att.kind is AttachmentKind.DOCUMENT and (att.mime_type or "").startswith(
        IMAGE_MIME_PREFIX)

