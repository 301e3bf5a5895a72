"""A message's text, normalised once and shared by every text rule."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from policies.normalize import FOLD_MAX_CHARS, clean, fold, normalize_clean, skeleton

_WORD = re.compile(r"\w+", re.UNICODE)
_LETTERS = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True)
class TextView:
    """The original text (kept for evidence) next to its normalised forms and tokens.

    - ``normalized``/``tokens``: NFKC, case-folded, invisibles removed, look-alike letters mapped.
      Digits untouched (phone numbers, dates, amounts).
    - ``folded``/``words``: for word lists; leetspeak folded, letter-spaced words joined, stretched
      letters squeezed to two, diacritics and apostrophes dropped.
    - ``skeletons`` (computed on first use): ``words`` with every run of a repeated letter collapsed
      (``looser`` -> ``loser``), aligned with ``words`` index by index.
    - ``token_set``/``word_set`` (computed on first use): the same as sets, built once per message
      and shared by every rule that asks "is any of these words here" (set intersections).
    """

    original: str
    normalized: str
    tokens: tuple[str, ...] = field(default=())
    folded: str = ""
    words: tuple[str, ...] = field(default=())

    @classmethod
    def of(cls, text: str | None) -> TextView:
        original = clean(text or "")
        normalized = normalize_clean(original)
        tokens = _WORD.findall(normalized)
        if len(normalized) <= FOLD_MAX_CHARS:
            folded = fold(normalized, tokens)
        else:
            folded = fold(normalized[:FOLD_MAX_CHARS])
        if folded is normalized and "_" not in normalized:
            words = tuple(tokens)  # nothing was folded: the tokens are the words
        else:
            words = tuple(_LETTERS.findall(folded))
        return cls(original, normalized, tuple(tokens), folded, words)

    @cached_property
    def skeletons(self) -> tuple[str, ...]:
        folded = self.folded or self.normalized
        skel = skeleton(folded)
        return self.words if skel == folded else tuple(_LETTERS.findall(skel))

    @cached_property
    def token_set(self) -> frozenset[str]:
        return frozenset(self.tokens)

    @cached_property
    def word_set(self) -> frozenset[str]:
        return frozenset(self.words)

    @property
    def empty(self) -> bool:
        return not self.normalized.strip()
