"""A message's text, normalised once and shared by every text rule."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from policies.normalize import clean, normalize

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class TextView:
    """The original text (kept for evidence) next to its normalised form and tokens."""

    original: str
    normalized: str
    tokens: tuple[str, ...] = field(default=())

    @classmethod
    def of(cls, text: str | None) -> TextView:
        original = clean(text or "")
        folded = normalize(original)
        return cls(original=original, normalized=folded, tokens=tuple(_WORD.findall(folded)))

    @property
    def empty(self) -> bool:
        return not self.normalized.strip()
