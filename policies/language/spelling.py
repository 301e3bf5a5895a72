"""Spelling tolerance: an unknown word one or two edits away from a lexicon word is read as that
word ("sukel" -> "sukkel"; two swapped letters are one edit: "moslmis" -> "moslims"), unless it is
a common Dutch or English word in its own right (wordfreq): a real word is never "corrected" into
an insult."""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA
from wordfreq import get_frequency_dict

# A word at least this frequent (Zipf scale: 3 = once per million words) is a word of its own.
COMMON_ZIPF = 2.5
MIN_LENGTH = 5
_CACHE_SIZE = 100_000


def common_words(codes: Iterable[str], zipf: float = COMMON_ZIPF) -> frozenset[str]:
    threshold = 10 ** (zipf - 9)
    out: set[str] = set()
    for code in codes:
        out.update(w for w, f in get_frequency_dict(code).items() if f >= threshold)
    return frozenset(out)


class Speller:
    def __init__(self, lexicon_words: Iterable[str], common: frozenset[str]) -> None:
        self.known = frozenset(lexicon_words)
        self.common = common
        # Candidates by first letter: a typo rarely hits the first letter, and it keeps each
        # search to a few hundred words.
        self.by_initial: dict[str, list[str]] = {}
        for word in sorted(self.known):
            if len(word) >= MIN_LENGTH - 1 and word.isalpha():
                self.by_initial.setdefault(word[0], []).append(word)
        self._cache: dict[str, str | None] = {}

    def correct(self, word: str) -> str | None:
        """The lexicon word ``word`` is a misspelling of, or None."""
        if word in self._cache:
            return self._cache[word]
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.clear()
        found = self._cache[word] = self.compute(word)
        return found

    def compute(self, word: str) -> str | None:
        if len(word) < MIN_LENGTH or word in self.known or word in self.common:
            return None
        choices = self.by_initial.get(word[0])
        if not choices:
            return None
        limit = 1 if len(word) < 8 else 2
        # Optimal string alignment: two swapped letters ("moslmis") are one edit, as typed.
        match = process.extractOne(word, choices, scorer=OSA.distance, score_cutoff=limit)
        return match[0] if match else None
