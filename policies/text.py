"""A message's text, normalised once and shared by every text rule."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, overload

from policies.normalize import FOLD_MAX_CHARS, clean, fold_stretched, normalize_clean, skeleton

# ``\w+`` (tokens) and ``[^\W_]+`` (words) findall without the regex engine, which tries a match
# at every position of the text (~400 instructions per character). ``\w`` is exactly
# ``str.isalnum()`` or ``_``, and no such character is whitespace: once every other character is a
# space, ``str.split`` returns the same runs. A bytes table does that for ASCII (non-ASCII bytes
# stay, so UTF-8 stays valid); the few non-ASCII non-word characters (emoji, €) are replaced first.
_WORD_BYTES = bytes(b if b >= 0x80 or chr(b).isalnum() or b == 0x5F else 0x20 for b in range(256))
_LETTER_BYTES = _WORD_BYTES.replace(b"_", b" ")
_NON_ASCII_NON_WORD = re.compile(r"[^\x00-\x7f\w]")

_T = TypeVar("_T")


def _runs(text: str, table: bytes) -> list[str]:
    """The runs of characters that ``table`` keeps: ``\\w+`` or ``[^\\W_]+`` findall."""
    if not text.isascii():
        text = _NON_ASCII_NON_WORD.sub(" ", text)
    return text.encode().translate(table).decode().split()


class lazy(Generic[_T]):  # lower case: used like the decorator it replaces
    """``functools.cached_property`` without its lock (Python 3.11 takes an RLock on every first
    access, which costs more than the values below). A ``TextView`` belongs to one message and is
    read by one thread, and computing a value twice would be harmless anyway."""

    def __init__(self, func: Callable[[Any], _T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> lazy[_T]: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> _T: ...
    def __get__(self, obj: object | None, owner: type | None = None) -> lazy[_T] | _T:
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.func(obj)  # later reads skip the descriptor
        return value


@dataclass(frozen=True)
class TextView:
    """The original text (kept for evidence) next to its normalised forms and tokens.

    - ``normalized``/``tokens``: NFKC, case-folded, invisibles removed, look-alike letters mapped.
      Digits untouched (phone numbers, dates, amounts).
    - ``folded``/``words``: for word lists; leetspeak folded, letter-spaced words joined, stretched
      letters squeezed to two, diacritics and apostrophes dropped.
    - ``stretched``: a letter was written three times or more (``loooser``, ``l000ser``) and
      squeezed in ``folded``; word-list rules then also try ``skeletons``.
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
    stretched: bool = False

    @classmethod
    def of(cls, text: str | None) -> TextView:
        original = clean(text or "")
        normalized = normalize_clean(original)
        tokens = tuple(_runs(normalized, _WORD_BYTES))
        if len(normalized) <= FOLD_MAX_CHARS:
            folded, stretched = fold_stretched(normalized, tokens)
        else:
            folded, stretched = fold_stretched(normalized[:FOLD_MAX_CHARS])
        # Nothing folded: the tokens are the words (the same tuple).
        unfolded = folded is normalized and "_" not in normalized
        words = tokens if unfolded else tuple(_runs(folded, _LETTER_BYTES))
        # Same fields as ``cls(...)``, without the frozen dataclass __init__'s object.__setattr__
        # call per field (about 1 us of the ~15 us a chat line costs here).
        view = object.__new__(cls)
        view.__dict__.update(
            original=original, normalized=normalized, tokens=tokens, folded=folded,
            words=words, stretched=stretched,
        )
        return view

    @lazy
    def skeletons(self) -> tuple[str, ...]:
        folded = self.folded or self.normalized
        skel = skeleton(folded)
        return self.words if skel == folded else tuple(_runs(skel, _LETTER_BYTES))

    @lazy
    def token_set(self) -> frozenset[str]:
        return frozenset(self.tokens)

    @lazy
    def word_set(self) -> frozenset[str]:
        return self.token_set if self.words is self.tokens else frozenset(self.words)

    @lazy  # asked by several rules per message
    def empty(self) -> bool:
        return not self.normalized.strip()
