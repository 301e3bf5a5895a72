"""The language layer: lemmas, separable verbs, clauses and spelling tolerance, and the caches that
stay pinned to their plain reference versions (hypothesis)."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from policies.harassment.lexicon import lexicon
from policies.language import Clause, vocabulary


def lemmas_of(text: str, word: str) -> frozenset[str]:
    for clause in lexicon().reader.read(text):
        for token in clause.tokens:
            if token.word == word:
                return token.lemmas
    raise AssertionError(word)


def test_inflections_meet_one_lemma() -> None:
    for form in ("steek", "stak", "gestoken"):
        assert "steken" in lemmas_of(f"ik {form} je", form)
    assert "trappen" in lemmas_of("ik heb hem getrapt", "getrapt")  # regular form from the data


def test_separable_verbs_join_their_particle() -> None:
    assert "neersteken" in lemmas_of("ik steek je morgen neer", "steek")
    assert "afmaken" in lemmas_of("ik maak je af", "maak")
    assert "inelkaartrappen" in lemmas_of("ik trap je in elkaar", "trap")
    assert "neersteken" not in lemmas_of("ik steek je. neer met hem", "steek")  # another clause


def test_clauses_split_at_punctuation_and_conjunctions() -> None:
    clauses = lexicon().reader.read("ik ga je niet slaan, maar je bent dom want echt")
    assert [c.words for c in clauses] == [("ik", "ga", "je", "niet", "slaan"),
                                          ("je", "bent", "dom"), ("echt",)]
    # "maar" as a softener stays inside its clause
    assert len(lexicon().reader.read("pas maar op jij")) == 1


def test_language_constants_are_data() -> None:
    vocab = vocabulary()
    assert {lang.code for lang in vocab.languages} >= {"nl", "en"}
    assert "niet" in vocab.negators and "never" in vocab.negators
    assert ("in", "elkaar") in vocab.particles


_words = st.text(alphabet="abcdeghijklmnoprstuvwz", min_size=1, max_size=12)


@settings(max_examples=200, deadline=None)
@given(_words)
def test_cached_lemmas_equal_the_reference(word: str) -> None:
    lem = lexicon().reader.lemmatiser
    assert lem.lemmas(word) == lem.compute(word)
    assert lem.lemmas(word) == lem.compute(word)  # and again from the cache


@settings(max_examples=200, deadline=None)
@given(_words)
def test_cached_spelling_equals_the_reference(word: str) -> None:
    speller = lexicon().reader.speller
    assert speller is not None
    assert speller.correct(word) == speller.compute(word)
    assert speller.correct(word) == speller.compute(word)


@settings(max_examples=300, deadline=None)
@given(_words | st.sampled_from(["ikhaat", "ikhaatmoslims", "haatmoslims", "moslimszijnratten",
                                 "jijbentdom", "kankerturk", "jodenhaat"]))
def test_cached_written_words_equal_the_reference(word: str) -> None:
    from policies.language.clauses import Token

    reader = lexicon().reader
    assert reader.unglue is not None
    plain = tuple(Token(part, reader.word_lemmas(part))
                  for part in reader.unglue.compute(word) or (word,))
    assert reader.written(word) == plain
    assert reader.written(word) == plain  # and again from the cache


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["ik", "je", "steek", "neer", "maak", "af", "niet", ",", ".",
                                 "maar", "en", "hij", "dom", "sukkel", "in", "elkaar", "trap"]),
                max_size=12))
def test_cached_clauses_equal_the_reference(words: list[str]) -> None:
    text = " ".join(words)
    reader = lexicon().reader
    assert reader.read(text) == reader._read(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "c"]), max_size=10),
       st.lists(st.sampled_from(["a", "b", "c"]), max_size=3), st.integers(-1, 9))
def test_sequence_search_equals_the_reference(words: list[str], seq: list[str], skip: int) -> None:
    from policies.language.clauses import find_sequence, has_sequence, has_sequence_reference

    assert has_sequence(words, seq, skip) == has_sequence_reference(words, seq, skip)
    first = next((i for i in range(len(words) - len(seq) + 1)
                  if seq and words[i : i + len(seq)] == seq and i != skip), None)
    assert find_sequence(words, seq, skip) == first


@settings(max_examples=200, deadline=None)
@given(_words)
def test_cached_word_readings_equal_the_reference(word: str) -> None:
    lex = lexicon()
    reader = lex.reader
    lemmas = reader.word_lemmas(word)
    clauses = reader.read(word)
    assume(clauses)  # a clause word on its own ("but") is no clause
    clause = clauses[0]
    assert clause.tokens[0].lemmas >= lemmas
    plain = tuple(t for lemma in sorted(lemmas) for t in lex.single.get(lemma, ()))
    assert lex.terms_of(lemmas) == plain
    assert lex.terms_of(lemmas) == plain  # and again from the cache


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["ik", "je", "jij", "sem", "steek", "neer", "niet", ",", ".",
                                 "maar", "hij", "dom", "sukkel", "moslims", "zijn", "lui",
                                 "wil", "dood", "me", "snijden", "haha", "kut", "die"]),
                max_size=14))
def test_the_shared_message_reading_equals_reading_each_clause(words: list[str]) -> None:
    """Harassment and wellbeing share one reading per message (``read_message``): the same
    clauses, matches and targets as reading every clause on its own, uncached."""
    from policies.harassment.compose import matches, read_message, targets

    lex = lexicon()
    text = " ".join(words)
    shared = read_message(lex, text)
    plain = lex.reader._read(text)
    assert shared.clauses == plain
    assert [[(m.term, m.positions) for m in ms] for ms in shared.found] == \
        [[(m.term, m.positions) for m in matches(lex, c)] for c in plain]
    assert [list(ts) for ts in shared.named] == [targets(lex, c) for c in plain]
    assert read_message(lex, text) is shared  # the second rule reads the same object


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["ik", "je", "jij", "sem", "@sem", "hij", "die", "shaquille",
                                 "zijn", "dat", "soort", "meisje", "moslims", "marokkaanse",
                                 "kinderen", "moslimjongen", "hoofddoekjesmeisje", "kankerlijer",
                                 "teringzooi", "aandachtshoer", "aantekeningen", "rekenmachine",
                                 "mediatheek", "dom", "sukkel", "steek", "neer", "niet", "toets",
                                 "morgen", "huiswerk", "xqzwvbrt", "@xqzwvbrt", ",", "."]),
                max_size=10))
def test_the_clause_skips_equal_reading_every_clause(words: list[str]) -> None:
    """``may_match`` and ``may_name`` only skip a clause in which ``matches`` and ``targets``
    find nothing."""
    from policies.harassment.compose import matches, may_match, may_name, targets

    lex = lexicon()
    for clause in lex.reader._read(" ".join(words)):
        if not may_match(lex, clause):
            assert matches(lex, clause) == []
        if not may_name(lex, clause):
            assert targets(lex, clause) == []


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_the_phrase_prefilter_never_drops_a_phrase(data: st.DataObject) -> None:
    """``Term.required <= lemmas`` (one subset test in ``matches``) fails only for a clause that
    misses one of the phrase's parts, so it never drops a phrase the plain test finds."""
    lex = lexicon()
    term = data.draw(st.sampled_from([t for ts in lex.phrases.values() for t in ts]))
    words = sorted({w for part in term.parts for w in part} | {"je", "niet"})
    lemmas = frozenset(data.draw(st.lists(st.sampled_from(words), max_size=8)))
    if all(not part.isdisjoint(lemmas) for part in term.parts):
        assert term.required <= lemmas


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_the_message_phrase_filter_equals_trying_every_phrase(data: st.DataObject) -> None:
    """``read_message`` tries a clause only for the phrases whose words all stand in the message
    (``phrases_in``): the same matches as trying every phrase of the lexicon on every clause."""
    from policies.harassment.compose import matches, read_message

    lex = lexicon()
    terms = data.draw(st.lists(st.sampled_from([t for ts in lex.phrases.values() for t in ts]),
                               min_size=1, max_size=3))
    vocab = sorted({w for t in terms for part in t.parts for w in part}
                   | {"ik", "je", "niet", "hij", "sukkel", ",", "."})
    text = " ".join(data.draw(st.lists(st.sampled_from(vocab), max_size=16)))
    shared = read_message(lex, text)
    assert [[(m.term, m.positions) for m in ms] for ms in shared.found] == \
        [[(m.term, m.positions) for m in matches(lex, c)] for c in lex.reader._read(text)]


def _entries() -> list[str]:
    lex = lexicon()
    return sorted({e for name, keys in (("sextortion", ("media", "spread", "demand")),
                                        ("incitement", ("actions",)))
                   if name in lex.predicates for k in keys
                   for e in lex.predicates[name].words(k)})


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_mentions_any_equals_searching_every_clause(data: st.DataObject) -> None:
    """``mentions_any`` skips an entry with a word missing from the message's lemmas: the same
    answer as searching every clause for every entry."""
    from policies.harassment.compose import mentions_any
    from policies.language.clauses import has_sequence

    entries = data.draw(st.lists(st.sampled_from(_entries()), min_size=1, max_size=6))
    vocab = sorted({w for e in entries for w in e.split()} | {"ik", "je", ",", "."})
    clauses = lexicon().reader._read(" ".join(data.draw(st.lists(st.sampled_from(vocab),
                                                                 max_size=14))))
    lemmas = frozenset().union(*(c.lemma_set for c in clauses)) if clauses else frozenset()
    plain = any(e in lemmas if " " not in e
                else any(has_sequence(c.words, e.split()) for c in clauses) for e in entries)
    assert mentions_any(clauses, entries) == plain


def _all_of_lists() -> list[tuple[frozenset[str], bool]]:
    lex = lexicon()
    return [(p.words(k), k in p.loose) for p in lex.predicates.values() for k in p.all_of]


def _first_mention_plain(clauses: Sequence[Clause], entries: frozenset[str], loose: bool
                         ) -> str | None:
    """``first_mention`` without its prefilters: every entry, in sorted order, in every clause."""
    lemmas = frozenset().union(*(c.lemma_set for c in clauses)) if clauses else frozenset()
    for entry in sorted(entries):
        parts = [frozenset(p.split("|")) for p in entry.rstrip(".").split()]
        end = entry.endswith(".") and len(parts) > 1
        if len(parts) == 1:
            if not lemmas.isdisjoint(parts[0]):
                return min(lemmas & parts[0])
            continue
        for c in clauses:
            if loose:
                if all(not c.lemma_set.isdisjoint(p) for p in parts):
                    return " ".join(min(c.lemma_set & p) for p in parts)
                continue
            n = len(parts)
            for i in range(len(c.words) - n + 1):
                if (not end or i == len(c.words) - n) and all(
                        c.words[i + k] in parts[k] for k in range(n)):
                    return " ".join(c.words[i : i + n])
    return None


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_first_mention_equals_searching_every_clause(data: st.DataObject) -> None:
    """``first_mention`` (the message-wide ``all_of`` classes) skips an entry with any word missing
    from the message's lemmas: the same answer as searching every clause for every entry."""
    from policies.harassment.compose import first_mention

    entries, loose = data.draw(st.sampled_from(_all_of_lists()))
    chosen = data.draw(st.lists(st.sampled_from(sorted(entries)), min_size=1, max_size=4))
    vocab = sorted({w for e in chosen for p in e.rstrip(".").split() for w in p.split("|")}
                   | {"ik", "je", "mijn", "broer", ",", "."})
    clauses = lexicon().reader._read(" ".join(data.draw(st.lists(st.sampled_from(vocab),
                                                                 max_size=14))))
    assert first_mention(clauses, entries, None, loose) == _first_mention_plain(clauses, entries,
                                                                                 loose)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["ik", "je", "steek", "neer", "maak", "af", "niet", ",", ".",
                                 "@sem", "ikhaat", "moslims", "mos", "lims", "sukel", "haha",
                                 "gestoken", "sukkeltje", "van", "het", "lachen"]), max_size=14))
def test_every_word_stands_among_its_clause_lemmas(words: list[str]) -> None:
    """What the message-wide prefilters (``first_mention``, the phrases of ``context``) rest on:
    a word the message does not hold as a lemma stands in none of its clauses."""
    for clause in lexicon().reader._read(" ".join(words)):
        assert set(clause.words) <= clause.lemma_set
