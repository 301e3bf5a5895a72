"""Perceptual hashes for re-share detection (imagehash's pHash and dHash).

Both are computed on a small greyscale copy, so resizing and recompression move only a few bits. A
match needs both hashes close: pHash alone collides on flat UI images more often. Crops shift the
whole picture, which moves many bits, so a flagged image is remembered together with the hashes of
a few crops of itself (edges trimmed, status bar or input field cut off): a cropped re-post then
lands close to one of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import imagehash
from PIL import Image

HASH_SIZE = 8  # 64-bit hashes, stored as 16 hex characters


@dataclass(frozen=True, slots=True)
class ImageHashes:
    phash: str
    dhash: str


def hashes_of(img: Image.Image) -> ImageHashes:
    grey = img.convert("L")
    if grey.width > 256:
        size = (256, max(1, round(grey.height * 256 / grey.width)))
        grey = grey.resize(size, Image.BILINEAR, reducing_gap=2.0)
    return ImageHashes(
        phash=str(imagehash.phash(grey, hash_size=HASH_SIZE)),
        dhash=str(imagehash.dhash(grey, hash_size=HASH_SIZE)),
    )


def distance(a: str, b: str) -> int:
    """Hamming distance between two hex hashes of the same length."""
    return bin(int(a, 16) ^ int(b, 16)).count("1")


# Crops remembered with a flagged image (left, top, right, bottom as fractions).
CROPS = (
    (0.04, 0.04, 0.96, 0.96),
    (0.08, 0.08, 0.92, 0.92),
    (0.0, 0.08, 1.0, 1.0),
    (0.0, 0.0, 1.0, 0.92),
    (0.0, 0.15, 1.0, 1.0),
    (0.0, 0.0, 1.0, 0.85),
    (0.0, 0.08, 1.0, 0.92),
    (0.04, 0.1, 0.96, 1.0),
    (0.04, 0.0, 0.96, 0.9),
)


def crop_variants(img: Image.Image) -> list[ImageHashes]:
    """Hashes of typical crops of ``img`` (the full image's hashes not included)."""
    grey = img.convert("L")
    if grey.width > 512:
        grey = grey.resize((512, max(1, round(grey.height * 512 / grey.width))), Image.BILINEAR)
    W, H = grey.size
    out = []
    for left, top, right, bottom in CROPS:
        box = (int(left * W), int(top * H), int(right * W), int(bottom * H))
        out.append(hashes_of(grey.crop(box)))
    return out


def pack(h: ImageHashes) -> str:
    return f"{h.phash}:{h.dhash}"


def unpack(value: str) -> ImageHashes:
    phash, _, dhash = value.partition(":")
    return ImageHashes(phash, dhash)
