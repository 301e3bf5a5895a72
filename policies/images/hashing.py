"""Perceptual hashes for re-share detection (imagehash's pHash and dHash).

Both are computed on a small greyscale copy, so resizing, recompression and light crops move only a
few bits. A match needs both hashes close: pHash alone collides on flat UI images more often.
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
        grey = grey.resize((256, max(1, round(grey.height * 256 / grey.width))), Image.BILINEAR)
    return ImageHashes(
        phash=str(imagehash.phash(grey, hash_size=HASH_SIZE)),
        dhash=str(imagehash.dhash(grey, hash_size=HASH_SIZE)),
    )


def distance(a: str, b: str) -> int:
    """Hamming distance between two hex hashes of the same length."""
    return bin(int(a, 16) ^ int(b, 16)).count("1")
