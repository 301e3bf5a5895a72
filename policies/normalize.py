"""Text normalisation shared by all text rules.

First version: Unicode NFKC, case folding and removal of zero-width/control characters. The full
chain (homoglyphs, leetspeak, stretched letters, letter-spaced words) is built in the detection work.
"""

from __future__ import annotations

import re
import unicodedata

MAX_CHARS = 20_000  # rules look at the first 20k characters; longer messages are cut, not rejected

_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\u00ad\x00-\x08\x0b-\x1f\x7f]")


def clean(text: str) -> str:
    """Make any input safe to process: valid UTF-8 text of bounded length, invisibles removed."""
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS]
    # Lone surrogates (from broken JSON or platforms) would crash encoders further down.
    text = text.encode("utf-8", "replace").decode("utf-8")
    return _INVISIBLE.sub("", text)


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", clean(text)).casefold()
