"""Per-language constants (pronouns, negators, particles, clause breaks, verb inflections), read
from ``policies/lexicons/<code>/language.toml``. Messages are not language-tagged (school chats mix
Dutch and English in one line), so the rules read the union of every language's words."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

LEXICON_DIR = Path(__file__).resolve().parents[1] / "lexicons"

# The word sets of language.toml that are merged across languages (see ``Vocabulary``).
WORD_SETS = (
    "second_person", "possessive_only", "first_person_subject", "first_person",
    "first_person_object", "third_person", "plural_self", "plural_third", "kind_of", "negators",
    "clause_breaks", "laughter", "scorn", "copulas", "possession", "third_possessive",
    "second_person_reflexive", "clause_breaks_before_pronoun", "scope_breaks",
    "deniers", "denial_verbs", "contrast", "permission_before", "demonstratives", "quantifiers",
    "no_break_after", "first_person_copulas", "negation_not_after", "negation_not_before",
    "conditions", "subject_only", "denial_not_after", "interjections",
    "not_possessed", "present_copulas",
    "contrast_openers", "comparisons", "identity_openers", "articles",
)


def language_codes() -> tuple[str, ...]:
    """Every folder of ``policies/lexicons`` with a ``language.toml``."""
    return tuple(sorted(p.parent.name for p in LEXICON_DIR.glob("*/language.toml")))


def load_table(code: str, name: str) -> dict[str, Any]:
    """``policies/lexicons/<code>/<name>.toml`` (an empty table when the file is absent)."""
    path = LEXICON_DIR / code / f"{name}.toml"
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: {exc}") from exc


@dataclass(frozen=True)
class Language:
    code: str
    lemma_code: str
    words: dict[str, frozenset[str]]
    particles: tuple[tuple[str, ...], ...]
    verb_endings: tuple[str, ...]
    verb_forms: tuple[str, ...]
    stem_endings: dict[str, str]
    diminutives: tuple[str, ...] = ()

    @classmethod
    def load(cls, code: str) -> Language:
        data = load_table(code, "language")
        words = {name: frozenset(w.lower() for w in data.get(name, [])) for name in WORD_SETS}
        particles = tuple(sorted({tuple(p.split()) for p in data.get("particles", [])},
                                 key=lambda p: -len("".join(p))))
        return cls(code, data.get("lemmas", code), words, particles,
                   tuple(data.get("verb_endings", [])), tuple(data.get("verb_forms", [])),
                   dict(data.get("stem_endings", {})),
                   tuple(sorted(data.get("diminutives", []), key=len, reverse=True)))

    def inflections(self, verb: str) -> set[str]:
        """Regular forms of an infinitive by the templates of language.toml (``trappen`` ->
        ``trap, trapt, trapte, getrapt …``); irregular verbs are simplemma's job."""
        stem = verb
        for ending in self.verb_endings:
            if verb.endswith(ending) and len(verb) - len(ending) >= 2:
                stem = verb[: -len(ending)]
                break
        if len(stem) >= 3 and stem[-1] == stem[-2] and stem[-1] not in "aeiou":
            stem = stem[:-1]  # trapp -> trap
        if stem and stem[-1] in self.stem_endings:
            stem = stem[:-1] + self.stem_endings[stem[-1]]  # plonz -> plons
        return {form.format(stem=stem, inf=verb) for form in self.verb_forms}


@dataclass(frozen=True)
class Vocabulary:
    """The union over languages of each word set, and each language on its own."""

    languages: tuple[Language, ...]
    words: dict[str, frozenset[str]]
    particles: tuple[tuple[str, ...], ...]

    def __post_init__(self) -> None:
        for name, value in self.words.items():  # vocab.negators, vocab.second_person, …
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> frozenset[str]:  # for type checkers; set above
        raise AttributeError(name)


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    langs = tuple(Language.load(code) for code in language_codes())
    words = {name: frozenset().union(*(lang.words[name] for lang in langs)) for name in WORD_SETS}
    particles = tuple(sorted({p for lang in langs for p in lang.particles},
                             key=lambda p: -len("".join(p))))
    return Vocabulary(langs, words, particles)
