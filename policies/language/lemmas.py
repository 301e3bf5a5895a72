"""Lemmas: every form a word may stand for, so "stak", "gestoken" and "steek" meet "steken"."""

from __future__ import annotations

from collections.abc import Mapping

import simplemma

from policies.language.languages import Vocabulary

_CACHE_SIZE = 100_000


class Lemmatiser:
    """A word's candidate lemmas in every language (simplemma), plus the regular inflections of the
    lexicon's verbs (``forms``: form -> infinitive), cached per word."""

    def __init__(self, vocab: Vocabulary, forms: Mapping[str, str]) -> None:
        self.codes = tuple(lang.lemma_code for lang in vocab.languages)
        self.forms = dict(forms)
        self.particles = tuple("".join(p) for p in vocab.particles)
        self.diminutives = tuple(sorted({d for lang in vocab.languages for d in lang.diminutives},
                                        key=len, reverse=True))
        # Interjections that are also a verb form ("… niet slechter in wiskunde hoor"): read as
        # written, never as the verb ("horen").
        self.interjections = vocab.interjections
        self._cache: dict[str, frozenset[str]] = {}
        self.compute("les")  # loads simplemma's dictionaries now, not on the first message

    def lemmas(self, word: str) -> frozenset[str]:
        found = self._cache.get(word)
        if found is None:
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.clear()
            found = self._cache[word] = self.compute(word)
        return found

    def compute(self, word: str) -> frozenset[str]:
        """The uncached answer (the reference the cache must agree with)."""
        out = {word}
        if word in self.interjections:
            return frozenset(out)
        for code in self.codes:
            lemma = simplemma.lemmatize(word, lang=code).lower().replace("_", "")
            out.add(lemma)
            if lemma != word:  # "gesneden" -> "afsnijden": the verb without its particle too
                particle = next((p for p in self.particles if lemma.startswith(p)
                                 and len(lemma) - len(p) >= 5), None)
                if particle is not None:
                    out.add(lemma[len(particle):])
        for ending in self.diminutives:  # "sukkeltje" -> "sukkel"
            if word.endswith(ending) and len(word) - len(ending) >= 3:
                out.add(word[: -len(ending)])
                break
        form = self.forms.get(word)
        if form is not None:
            out.add(form)
        return frozenset(out)
