"""Clauses over lemmas: a message split where a sentence or a clause ends, each word carrying every
lemma it may stand for, with Dutch separable verbs joined to their particle ("ik steek je morgen
neer" -> the token "steek" also reads "neersteken")."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from policies.language.languages import Vocabulary
from policies.language.lemmas import Lemmatiser
from policies.language.spelling import Speller

# A word (an @mention kept as one), or a run of sentence punctuation.
_TOKEN = re.compile(r"@?[^\W_]+|[.!?;:\n]+|,")
# Letters masked inside a word ("sl*t", "kl**tzak", "sl.t"): letters on both sides of each mask.
_MASKED = re.compile(r"(?<![^\W_])[^\W\d_]+(?:(?:\*{1,3}|\.)[^\W\d_]+){1,3}(?![^\W_*])")
_EQUALS = re.compile(r"(?<=[^\W\d_])\s*=+\s*(?=[^\W\d_])")


class Token(NamedTuple):  # a tuple: a paste makes hundreds
    word: str  # as written (normalised and folded), without the @ of a mention
    lemmas: frozenset[str]  # the word, its lemmas, a joined separable verb, a spelling correction
    mention: bool = False


@dataclass(frozen=True, slots=True)
class Clause:
    tokens: tuple[Token, ...]
    lemma_set: frozenset[str]  # every lemma of every token
    words: tuple[str, ...]  # the tokens' words

    def find(self, wanted: frozenset[str]) -> list[int]:
        """Positions of the tokens with a lemma in ``wanted``."""
        return [i for i, t in enumerate(self.tokens) if not t.lemmas.isdisjoint(wanted)]


def has_sequence(words: Sequence[str], seq: Sequence[str], skip: int = -1) -> bool:
    """Whether ``seq`` stands in ``words`` as consecutive words (not at position ``skip``).

    Each occurrence of the first word is found by ``index`` (a C scan), so a paste costs one scan
    per sequence, not a slice per position (pinned to ``has_sequence_reference`` by a property
    test)."""
    return find_sequence(words, seq, skip) is not None


def find_sequence(words: Sequence[str], seq: Sequence[str], skip: int = -1) -> int | None:
    """Where ``seq`` first stands in ``words`` as consecutive words (not at position ``skip``), or
    None (see ``has_sequence``)."""
    words = tuple(words)
    seq = tuple(seq)
    if not seq:
        return None
    n = len(seq)
    start = 0
    while True:
        try:
            i = words.index(seq[0], start)
        except ValueError:
            return None
        if i != skip and words[i : i + n] == seq:
            return i
        start = i + 1


def has_sequence_reference(words: Sequence[str], seq: Sequence[str], skip: int = -1) -> bool:
    """The plain version of ``has_sequence``: compare at every position."""
    n = len(seq)
    return n > 0 and any(tuple(words[i : i + n]) == tuple(seq) and i != skip
                         for i in range(len(words) - n + 1))


class Reader:
    """Reads text into clauses. ``separable``: base verb -> (particle words, joined verb) for the
    lexicon's separable verbs (derived from the predicate data, see ``policies.harassment``)."""

    def __init__(self, vocab: Vocabulary, lemmatiser: Lemmatiser, speller: Speller | None,
                 separable: Mapping[str, Sequence[tuple[tuple[str, ...], str]]],
                 unglue: Callable[[str], tuple[str, ...] | None] | None = None,
                 join: Callable[[str, str], str | None] | None = None,
                 unmask: Callable[[str], str | None] | None = None) -> None:
        self.vocab = vocab
        # A word written with letters masked ("sl*t", "l*l"): the word, or None.
        self.unmask = unmask
        # Words written without a space between them ("ikhaat moslims"): the parts, or None.
        self.unglue = unglue
        # A word broken by a space ("mos lims"): the word, or None.
        self.join = join
        self.lemmatiser = lemmatiser
        self.speller = speller
        self.separable = dict(separable)
        self._bases = frozenset(self.separable)
        self._breaks = vocab.clause_breaks
        self._soft_breaks = vocab.clause_breaks_before_pronoun
        # After these a clause break of one language is a word of another ("i want to", Dutch
        # "want" = because).
        self._no_break_after = vocab.no_break_after
        self._pronouns = (vocab.first_person_subject | vocab.second_person | vocab.third_person
                          | vocab.plural_third)
        # Words a preposition governs ("op je", "op hem"): a particle before one is a preposition.
        # (not a pronoun that is only ever a subject: "ik maak je af jij rat" is "afmaken")
        self._objects = (vocab.second_person | vocab.third_person | vocab.first_person_object
                         | vocab.plural_third) - vocab.subject_only
        # The latest messages: the text rules of one message share its reading. Kept small: every
        # cached paste is hundreds of objects the garbage collector walks (with 8 a collection of
        # the middle generation took ~1.4 ms instead of ~0.3: the p99 of a 4 kB paste).
        self.read = lru_cache(maxsize=2)(self._read)
        self._written: dict[str, tuple[Token, ...]] = {}

    def _read(self, text: str) -> tuple[Clause, ...]:
        clauses: list[Clause] = []
        current: list[Token] = []
        if "=" in text:  # "islam = kanker", "X = dieven": an equals sign between words says "is"
            text = _EQUALS.sub(" is ", text)
        if self.unmask is not None and ("*" in text or "." in text):
            text = _MASKED.sub(self._unmasked, text)
        tokens = _TOKEN.findall(text)  # (no groups in the pattern: each match as a string)
        if self.join is not None:
            tokens = self._joined(tokens)
        for i, token in enumerate(tokens):
            if token[0].isalnum() or token[0] == "@":
                word = token.lstrip("@")
                # (the words around are looked at only for a clause word: most words are none)
                if (word in self._breaks and (not current
                                              or current[-1].word not in self._no_break_after)) or (
                        word in self._soft_breaks and i + 1 < len(tokens)
                        and tokens[i + 1] in self._pronouns):
                    if current:
                        clauses.append(self._clause(current))
                        current = []
                    continue
                if token[0] == "@":  # a mention is one word, never split
                    current.append(Token(word, self.word_lemmas(word), mention=True))
                else:
                    current += self.written(word)
            elif current:
                clauses.append(self._clause(current))
                current = []
        if current:
            clauses.append(self._clause(current))
        return tuple(clauses)

    def _unmasked(self, match: re.Match[str]) -> str:
        word = self.unmask(match.group()) if self.unmask is not None else None
        return word or match.group()

    def _joined(self, tokens: list[str]) -> list[str]:
        out: list[str] = []
        i = 0
        while i < len(tokens):
            word = tokens[i]
            if i + 1 < len(tokens) and word.isalpha() and tokens[i + 1].isalpha():
                whole = self.join(word, tokens[i + 1]) if self.join is not None else None
                if whole is not None:
                    out.append(whole)
                    i += 2
                    continue
            out.append(word)
            i += 1
        return out

    def word_lemmas(self, word: str) -> frozenset[str]:
        """A word's lemmas and, when it is a misspelling of a lexicon word, that word's."""
        lemmas = self.lemmatiser.lemmas(word)
        # A form of a common word is no misspelling: "flikkert" (de lamp) is "flikkeren", not the
        # slur one letter away.
        if self.speller is not None and (lemmas - {word}).isdisjoint(self.speller.common):
            fixed = self.speller.correct(word)
            if fixed is not None:
                lemmas = lemmas | self.lemmatiser.lemmas(fixed)
        return lemmas

    def _particle(self, words: Sequence[str], particle: str, verb_at: int) -> bool:
        """A one-word particle of the verb at ``verb_at`` stands elsewhere in the clause, and not
        as a preposition before a pronoun: "ik wacht je op" is "opwachten", "ik wacht op je" is
        waiting for someone."""
        return any(w == particle and j != verb_at
                   and (j + 1 == len(words) or words[j + 1] not in self._objects)
                   for j, w in enumerate(words))

    def written(self, word: str) -> tuple[Token, ...]:
        """The tokens of a word as written: its parts when it is words written together ("ikhaat":
        "ik", "haat"), else the word, each read on its own (``word_lemmas``). Kept per word,
        because a paste repeats its words (pinned to the plain reading by a property test)."""
        found = self._written.get(word)
        if found is None:
            if len(self._written) > 100_000:
                self._written.clear()
            parts = self.unglue(word) if self.unglue is not None else None
            found = self._written[word] = tuple(Token(part, self.word_lemmas(part))
                                                for part in parts or (word,))
        return found

    def _clause(self, tokens: list[Token]) -> Clause:
        """The clause of ``tokens`` (each read on its own), separable verbs joined."""
        words = [t.word for t in tokens]
        for i, token in enumerate(tokens):
            lemmas = token.lemmas
            if not lemmas.isdisjoint(self._bases):
                joined = {compound
                          for base in lemmas & self._bases
                          for particle, compound in self.separable[base]
                          if (self._particle(words, particle[0], i) if len(particle) == 1
                              else has_sequence(words, particle))}
                if joined:
                    tokens[i] = token._replace(lemmas=lemmas | joined)
        lemma_set = frozenset().union(*(t.lemmas for t in tokens))
        return Clause(tuple(tokens), lemma_set, tuple(words))
