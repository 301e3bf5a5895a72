"""The harassment and wellbeing word data, loaded once from ``policies/lexicons/``:

- ``categories.toml``: the one list of finding categories (severity, the mentor's label);
- ``<lang>/predicates.toml``: predicate classes (violence, exclusion, …) and their words;
- ``<lang>/targets.toml``: groups by protected characteristic, words for a person;
- ``<lang>/modality.toml``: what clears a finding (report, counter-speech, game, lesson, hyperbole);
- ``<lang>/language.toml``: pronouns, negators, particles (``policies.language``);
- ``first_names.txt``: names.

Every index below is derived from those files; no word is repeated in code.
"""

from __future__ import annotations

import gc
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

from core.findings import Severity
from policies.language import Reader, Vocabulary, vocabulary
from policies.language.languages import LEXICON_DIR, load_table
from policies.language.lemmas import Lemmatiser
from policies.language.spelling import Speller, common_words
from policies.normalize import fold, normalize

# Keys of a predicate table that hold words, and what each needs (see nl/predicates.toml).
TERM_ROLES = ("verbs", "words", "phrases", "addressed", "standalone")
# Keys that hold extra word lists for a class's own test (body parts, sextortion's three parts,
# curse compounds).
EXTRA_LISTS = ("parts", "heads", "media", "spread", "demand", "prefixes", "ordinary", "insult_tails",
               "actions", "diseases", "disease_after", "carry", "cues", "modals", "laughing",
               "story", "reach", "calls", "data", "grudges", "offers", "welcome", "visits",
               "selves", "others")


def fold_term(term: str) -> str:
    """A data word as the normaliser writes a message's words (case, accents, apostrophes)."""
    return fold(normalize(term)).strip()


def fold_entry(entry: str) -> str:
    """A list entry of words with ``a|b`` alternatives, each folded on its own (the normaliser
    would read ``|`` as the letter l); a final "." (the entry ends its clause) is kept."""
    end = "." if entry.rstrip().endswith(".") and " " in entry.strip() else ""
    words = entry.rstrip().rstrip(".") if end else entry
    return " ".join("|".join(fold_term(alt) for alt in word.split("|"))
                    for word in words.split()) + end


@dataclass(frozen=True)
class Category:
    name: str
    severity: Severity
    label: str


@lru_cache(maxsize=1)
def categories() -> dict[str, Category]:
    data = tomllib.loads((LEXICON_DIR / "categories.toml").read_text("utf-8"))
    return {name: Category(name, Severity.parse(t["severity"]), t["label"])
            for name, t in data.items()}


@dataclass(eq=False)
class Predicate:
    """A predicate class: what is said about a target."""

    name: str
    category: str
    severity: Severity
    label: str
    agent: bool = False  # the writer must be the one acting
    negatable: bool = True  # a negator in the clause clears it
    linked: bool = False  # its words are said *of* the target: a copula, or the target beside it
    reflexive: bool = False  # verbs need a reflexive pronoun (self-harm)
    hyperbole: bool = False  # laughter or a hyperbole phrase clears it
    mocking: bool = False  # counts only when the message laughs (mockery: "kijk hoe sem viel 😂")
    cleared_by: frozenset[str] = frozenset()  # message contexts that clear it (game)
    targets: frozenset[str] = frozenset()  # target kinds it accepts (empty: any)
    word_targets: frozenset[str] = frozenset()  # the same for its "words" only
    contrast: bool = False  # counts only when the message goes on with a contrast ("maar")
    # Message-wide classes: names of its lists that must each stand somewhere in the message
    # ("allies" + "acts": "mijn broer … wacht op je"); read by ``HarassmentPolicy._combinations``.
    all_of: tuple[str, ...] = ()
    # Its lists whose several-word entries may stand in any order within one clause, by lemma
    # ("wachten op je" in "ze wachten vrijdag bij de poort op je"); others are words in a row.
    loose: frozenset[str] = frozenset()
    lists: dict[str, frozenset[str]] = field(default_factory=dict)

    def words(self, key: str) -> frozenset[str]:
        return self.lists.get(key, frozenset())


@dataclass(frozen=True, eq=False)
class Term:
    text: str  # as written in the data ("hopen|wensen dood": alternatives with |)
    parts: tuple[frozenset[str], ...]  # its words (each with its alternatives); each must be a
    # lemma of a token of the clause
    role: str  # one of TERM_ROLES
    predicate: Predicate
    lang: str = ""  # the language whose data file holds it
    # Written with a leading "=": its words must stand in a row, in order ("=geen mensen": "X zijn
    # geen mensen", not "trans mensen zijn geen ratten").
    in_row: bool = False

    @property
    def shown(self) -> str:
        """As a mentor reads it: alternatives with a slash."""
        return self.text.replace("|", "/")

    @cached_property
    def required(self) -> frozenset[str]:
        """The words of the parts that have no alternative: a clause missing one cannot hold the
        term, and one subset test says so (most phrases tried on a clause fail here)."""
        return frozenset().union(*(part for part in self.parts if len(part) == 1))


@dataclass(eq=False)
class Lexicon:
    vocab: Vocabulary
    reader: Reader
    predicates: dict[str, Predicate]
    single: dict[str, list[Term]]  # one-word terms by word (each alternative)
    phrases: dict[str, list[Term]]  # several-word terms by each alternative of their rarest word
    groups: dict[str, str]  # group word -> characteristic
    group_adjectives: dict[str, str]  # "marokkaanse (kinderen)": a group before a person noun
    person_nouns: frozenset[str]
    group_heads: frozenset[str]  # "(marokkaanse) kinderen", "(zigeuner)kinderen"
    names: frozenset[str]
    modality: dict[str, frozenset[str]]  # "report_verbs", "game", … (see ``_modality``)
    modality_phrases: dict[str, tuple[tuple[str, ...], ...]]
    common: frozenset[str]
    person_suffixes: tuple[str, ...] = ()  # person nouns, for "moslimjongen"
    triggers: frozenset[str] = frozenset()  # every one-word term and phrase key
    phrase_keys: frozenset[str] = frozenset()
    game_suffixes: tuple[str, ...] = ()  # game words of 5+ letters: "zaalvoetbal" ends in one
    # Every word or lemma ``compose.targets`` reads as (the start of) a target: a clause holding
    # none of them, no mention and no long word with a person suffix names no one.
    target_words: frozenset[str] = frozenset()

    # A group named in another clause and taken up again ("… het zijn ratten", "ik haat ze"):
    # pronouns that refer back to it, and subjects that stand for it.
    reference_pronouns: frozenset[str] = frozenset()
    reference_subjects: tuple[tuple[str, ...], ...] = ()
    # "mensen die X haten": a relative clause of others who act (see targets.toml [reference]).
    reference_relatives: tuple[tuple[str, ...], ...] = ()
    # "moslims, die ik echt haat, …": a clause opened by a relative pronoun speaks of the group
    # named just before it.
    reference_openers: frozenset[str] = frozenset()
    # A capitalised word mid-sentence that the name list does not know is read as a name
    # (``compose.capitalised_names``) unless it is one of these (common words, lexicon and group
    # words, places, brands, feasts, subjects: targets.toml [names]), ends like a place, a street
    # or an adjective of origin, or follows a place preposition ("in Zwolle").
    not_names: frozenset[str] = frozenset()
    not_name_endings: tuple[str, ...] = ()
    place_before: frozenset[str] = frozenset()
    # "mevrouw de Wit heeft …": a title and a name (or a name's particle) opening a clause.
    titles: frozenset[str] = frozenset()
    name_particles: frozenset[str] = frozenset()
    # Endings of plural person nouns ("tiktokkers", "gamers"): after "die" no unknown name.
    plural_endings: tuple[str, ...] = ()
    # Per-word answers, kept because a paste repeats its words (pinned to the plain lookups by a
    # property test).
    _terms: dict[frozenset[str], tuple[Term, ...]] = field(default_factory=dict)
    _compounds: dict[str, tuple[Term, ...]] = field(default_factory=dict)

    def predicate(self, name: str) -> Predicate:
        return self.predicates[name]

    def terms_of(self, lemmas: frozenset[str]) -> tuple[Term, ...]:
        """The one-word terms any of a token's lemmas stands for."""
        found = self._terms.get(lemmas)
        if found is None:
            if len(self._terms) > 100_000:
                self._terms.clear()
            found = self._terms[lemmas] = tuple(
                t for lemma in sorted(lemmas) for t in self.single.get(lemma, ()))
        return found

    def compounds_of(self, word: str) -> tuple[Term, ...]:
        """Curse compounds and label suffixes (``compose.compound_terms``)."""
        found = self._compounds.get(word)
        if found is None:
            from policies.harassment.compose import compound_terms

            if len(self._compounds) > 100_000:
                self._compounds.clear()
            found = self._compounds[word] = tuple(compound_terms(self, word))
        return found


class Unglue:
    """Words written without a space between them ("ikhaat moslims", "haatmoslims", "ihatemuslims"):
    split where every part is a pronoun or negator (first only), a copula, a protected group or a
    hostile lexicon word, the last is a group or hostile, one part is hostile and one a pronoun
    or a group. A group opens the run
    only before a copula ("moslimszijnratten"), so a noun such as "jodenhaat" stays whole; a common
    word, a lexicon word and a curse compound ("kankerturk") are never split."""

    MAX_LENGTH = 30

    def __init__(self, vocab: Vocabulary, groups: frozenset[str], hostile: frozenset[str],
                 lemmatiser: Lemmatiser, common: frozenset[str], prefixes: tuple[str, ...],
                 frequent: frozenset[str] = frozenset()) -> None:
        # (a short pronoun other than the writer is also a prefix: "ge" in "gekilld")
        self.pronouns = frozenset(w for w in vocab.first_person_subject | {
            w for w in vocab.second_person | vocab.third_person | vocab.plural_third
            if len(w) >= 3} if w.isalpha())
        self.negators = vocab.negators
        self.copulas = vocab.copulas
        # "allemaal", "alle": "zwartenzijnallemaalapen", "allemoslimszijnterroristen"
        self.quantifiers = frozenset(w for w in vocab.quantifiers if len(w) >= 4 and w.isalpha())
        self.groups = groups
        self.hostile = hostile
        self.lemmatiser = lemmatiser
        self.common = common
        self.frequent = frequent  # the most frequent words ("nu", "de"): two are never one word
        self.prefixes = prefixes
        # The first three letters of every hostile word: a part that starts otherwise is not
        # looked up (most parts of most words), which keeps the lemmatiser out of the loop.
        self.stems = frozenset(w[:3] for w in hostile)
        self._cache: dict[str, tuple[str, ...] | None] = {}
        self._joined: dict[tuple[str, str], str | None] = {}

    def __call__(self, word: str) -> tuple[str, ...] | None:
        found = self._cache.get(word, ())
        if found == ():
            if len(self._cache) > 100_000:
                self._cache.clear()
            found = self._cache[word] = self.compute(word)
        return found

    def _hostile(self, part: str) -> bool:
        return (len(part) >= 4 and part[:3] in self.stems
                and not self.lemmatiser.lemmas(part).isdisjoint(self.hostile))

    def _part(self, part: str) -> bool:
        return (part in self.pronouns or part in self.negators or part in self.copulas
                or part in self.groups or part in self.quantifiers or self._hostile(part))

    def _split(self, word: str, depth: int) -> tuple[str, ...] | None:
        if self._part(word):
            return (word,)
        if depth <= 1:
            return None
        for k in range(len(word) - 2, 0, -1):  # the longest part first ("ik", not "i" + "k")
            left = word[:k]
            if self._part(left):
                rest = self._split(word[k:], depth - 1)
                if rest is not None:
                    return (left, *rest)
        return None

    def compute(self, word: str) -> tuple[str, ...] | None:
        """The uncached answer."""
        if (not 5 <= len(word) <= self.MAX_LENGTH or not word.isalpha() or word in self.common
                or self._part(word) or word.startswith(self.prefixes)):
            return None
        parts = self._split(word, 4)
        if parts is None or len(parts) < 2:
            return None
        if parts[0] in self.groups and not (parts[1] in self.copulas or (
                len(parts[1]) >= 6 and parts[1] not in self.groups)):
            return None  # "jodenhaat": a noun, not "joden haat"; "moslimsvermoorden" is split
        if any(len(p) < 2 or p in self.pronouns or p in self.negators for p in parts[1:]) or (
                len(parts[0]) == 1 and parts[0] not in self.pronouns):
            return None  # a pronoun or negator opens the run: "ikhaat", not "kluisde|ur"
        if not (parts[-1] in self.groups or self._hostile(parts[-1])
                or (parts[-1] in self.copulas and parts[0] in self.groups)):
            return None  # (a group and its copula: "moslimszijn walgelijk")
        if not any(self._hostile(p) or p in self.groups for p in parts) or not any(
                p in self.pronouns or p in self.groups or p in self.copulas for p in parts):
            return None
        return parts

    def join(self, left: str, right: str) -> str | None:
        """Two fragments that make a group word or a hostile word of four letters or more, when
        one of them is no word of its own or both have two letters ("mos lims", "walg elijk",
        "ha at"); two words ("kan ker", "vrouw en") are left alone."""
        short = len(left) <= 2 and len(right) <= 2  # "ha at"
        if short and left in self.frequent and right in self.frequent:
            return None  # "nu de" is "now the", never "nude"
        if not short and left in self.common and right in self.common:
            return None  # "kan ker", "vrouw en" (most pairs stop here, before any lookup)
        key = (left, right)
        if key in self._joined:
            return self._joined[key]
        if len(self._joined) > 100_000:
            self._joined.clear()
        self._joined[key] = None
        whole = left + right
        if len(whole) < 4 or not (whole in self.groups or self._hostile(whole)):
            return None
        if left in self.groups or self._hostile(left) or right in self.groups or self._hostile(right):
            return None  # "kk turken", "haat moslims": already words
        self._joined[key] = whole
        return whole


class Unmask:
    """A curse or label written with letters masked ("sl*t", "l*l", "kl**tzak", "idi*t", "sl.t"):
    the word of the lexicon's insults, slurs and curses it can be read as, or None. A run of n
    stars stands for n letters (or n + 1: "idi*t"), a dot inside a word for one or two; letters
    must stand on both sides and two at least. Only those words are candidates, so an ordinary
    word with a star ("leerling*en", "5*3", "*nieuw*") stays as it is; when the candidates belong
    to different classes ("k*t": "kut" or "kont" with two letters) only those of exactly the
    masked length count, and a word still read two ways is left alone. A curse compound ("k*tjoch")
    is a curse prefix that fits the mask + the rest as written."""

    MAX_LENGTH = 24

    def __init__(self, words: Mapping[str, str], prefixes: Iterable[str],
                 common: frozenset[str] = frozenset()) -> None:
        self.classes = dict(words)  # candidate -> its class
        by_first: dict[str, list[str]] = {}
        # (a common spelling first: "f*ck" reads "fuck", not the variant "fack")
        for word in sorted(words, key=lambda w: (w not in common, w)):
            by_first.setdefault(word[0], []).append(word)
        self.by_first = by_first
        self.prefixes = tuple(sorted(p for p in prefixes if p.isalpha()))
        self._cache: dict[str, str | None] = {}

    def __call__(self, masked: str) -> str | None:
        found = self._cache.get(masked, "")
        if found == "":
            if len(self._cache) > 10_000:
                self._cache.clear()
            found = self._cache[masked] = self.compute(masked)
        return found

    def compute(self, masked: str) -> str | None:
        """The uncached answer."""
        if len(masked) > self.MAX_LENGTH:
            return None
        parts = _MASK_GAP.split(masked)
        if len(parts) < 2 or any(not p.isalpha() for p in parts) or sum(map(len, parts)) < 2:
            return None
        gaps = [len(g) if g[0] == "*" else 1 for g in _MASK_GAP.findall(masked)]
        letter = r"[^\W\d_]"
        exact = re.compile(parts[0] + "".join(f"{letter}{{{n}}}{re.escape(p)}"
                                              for n, p in zip(gaps, parts[1:], strict=True)))
        loose = re.compile(parts[0] + "".join(f"{letter}{{{n},{n + 1}}}{re.escape(p)}"
                                              for n, p in zip(gaps, parts[1:], strict=True)))
        candidates = self.by_first.get(parts[0][0], [])
        for pattern in (loose, exact):
            fits = [w for w in candidates if pattern.fullmatch(w)]
            if len({self.classes[w] for w in fits}) == 1:
                return fits[0]
        last = parts[-1]
        for prefix in self.prefixes:  # "k*tjoch": "kut" + "joch"
            for j in range(1, len(last) - 1):
                if exact.fullmatch(prefix + last[j:]):
                    return prefix + last[j:]
        return None


_MASK_GAP = re.compile(r"\*{1,3}|\.")
# The classes whose words are masked when written ("sl*t", "l*l", "f*ck"): labels, slurs, curses.
MASKED_CLASSES = ("insult_labels", "insult_labels_strong", "insult_nouns", "slurs", "sexual",
                  "profanity", "body_labels")


# Words this frequent (about one in 300,000 running words or more) are function words: two of them
# side by side are two words, not a word split in disguise.
FREQUENT_ZIPF = 5.5
# Words this frequent (about one in 100,000 running words) are ordinary words, not a name the list
# does not know ("Rosa" 3.8, "Jolien" 3.0; "Utrecht" 5.1, "Lekker" 5.0).
NAME_COMMON_ZIPF = 4.0


def load_personal_people() -> dict[str, Any]:
    """personal_data.toml [people]: its ``not_names`` (weekdays, months, subjects, titles) are no
    names for the harassment reader either."""
    path = LEXICON_DIR / "personal_data.toml"
    return tomllib.loads(path.read_text("utf-8")).get("people", {}) if path.exists() else {}


def _read_names() -> frozenset[str]:
    lines = (LEXICON_DIR / "first_names.txt").read_text("utf-8").splitlines()
    return frozenset(fold_term(n) for n in lines if n.strip() and not n.startswith("#"))


def _predicates(vocab: Vocabulary) -> tuple[dict[str, Predicate], list[Term]]:
    cats = categories()
    predicates: dict[str, Predicate] = {}
    terms: list[Term] = []
    for lang in vocab.languages:
        for name, table in load_table(lang.code, "predicates").items():
            source = f"{lang.code}/predicates.toml [{name}]"
            category = table.get("category")
            if category not in cats:
                raise ValueError(f"{source}: unknown category {category!r} (categories.toml)")
            pred = predicates.get(name)
            if pred is None:
                pred = predicates[name] = Predicate(
                    name, category,
                    Severity.parse(table.get("severity", cats[category].severity)),
                    table.get("label", name), bool(table.get("agent", False)),
                    bool(table.get("negatable", True)), bool(table.get("linked", False)),
                    bool(table.get("reflexive", False)), bool(table.get("hyperbole", False)),
                    bool(table.get("mocking", False)),
                    frozenset(table.get("cleared_by", [])), frozenset(table.get("targets", [])),
                    frozenset(table.get("word_targets", [])), bool(table.get("contrast", False)),
                    tuple(table.get("all_of", [])), frozenset(table.get("loose", [])))
            for key in (*EXTRA_LISTS, *pred.all_of):
                if key in table:
                    pred.lists[key] = pred.words(key) | {fold_entry(w) for w in table[key]}
            for role in TERM_ROLES:
                for raw in table.get(role, []):
                    in_row = raw.startswith("=")
                    parts = tuple(frozenset(fold_term(alt) for alt in word.split("|"))
                                  for word in raw.lstrip("=").split())
                    text = " ".join("|".join(sorted(p)) if len(p) > 1 else next(iter(p))
                                    for p in parts)
                    terms.append(Term(text, parts, role, pred, lang=lang.code, in_row=in_row))
    return predicates, terms


def _modality(vocab: Vocabulary) -> tuple[dict[str, frozenset[str]],
                                          dict[str, tuple[tuple[str, ...], ...]]]:
    words: dict[str, set[str]] = {}
    phrases: dict[str, set[tuple[str, ...]]] = {}
    for lang in vocab.languages:
        for table, content in load_table(lang.code, "modality").items():
            for key, values in content.items():
                for raw in values:
                    term = fold_term(raw)
                    if " " in term:
                        phrases.setdefault(f"{table}", set()).add(tuple(term.split()))
                    else:
                        words.setdefault(f"{table}_{key}", set()).add(term)
    return ({k: frozenset(v) for k, v in words.items()},
            {k: tuple(sorted(v)) for k, v in phrases.items()})


def _separable(vocab: Vocabulary, verbs: Mapping[str, Iterable[str]]
               ) -> tuple[dict[str, list[tuple[tuple[str, ...], str]]], dict[str, str]]:
    """Separable verbs of the data ("neersteken" = "neer" + "steken") by their base, and the
    regular inflections of every verb and base (form -> infinitive).

    ``verbs`` are by language. A form belongs first to a verb of its own language ("hangt" is
    Dutch "hangen"), only then to another language's verb inflected the same way ("ik kill je":
    an English verb in a Dutch sentence), and verbs are taken in a fixed order, so the answer
    never depends on set order."""
    separable: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    forms: dict[str, str] = {}
    own = [(verb, lang) for lang in vocab.languages
           for verb in sorted(verbs.get(lang.code, ()))]
    other = [(verb, lang) for code, words in sorted(verbs.items()) for verb in sorted(words)
             for lang in vocab.languages if lang.code != code]
    for verb, lang in own + other:
        for form in lang.inflections(verb):
            forms.setdefault(form, verb)
        # The longest particle the verb starts with, in each of its spellings ("in elkaar",
        # "inelkaar").
        glued_match = next((g for g in ("".join(p) for p in lang.particles)
                            if verb.startswith(g) and len(verb) - len(g) >= 4), None)
        if glued_match is None:
            continue
        base = verb[len(glued_match):]
        for particle in lang.particles:
            if "".join(particle) == glued_match and (particle, verb) not in separable.get(
                    base, []):
                separable.setdefault(base, []).append((particle, verb))
        for form in lang.inflections(base):
            forms.setdefault(form, base)
    return separable, forms


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    vocab = vocabulary()
    predicates, terms = _predicates(vocab)
    single: dict[str, list[Term]] = {}
    phrases: dict[str, list[Term]] = {}
    for term in terms:
        if len(term.parts) == 1:
            for word in term.parts[0]:
                single.setdefault(word, []).append(term)
        else:
            # The part whose shortest alternative is longest: the rarest, so the fewest clauses
            # try the phrase.
            key = max(term.parts, key=lambda alts: (min(map(len, alts)), -len(alts)))
            for word in key:
                phrases.setdefault(word, []).append(term)
    groups: dict[str, str] = {}
    group_adjectives: dict[str, str] = {}
    person_nouns: set[str] = set()
    group_heads: set[str] = set()
    group_topics: set[str] = set()
    reference_pronouns: set[str] = set()
    reference_subjects: set[tuple[str, ...]] = set()
    reference_relatives: set[tuple[str, ...]] = set()
    reference_openers: set[str] = set()
    not_names: set[str] = {fold_term(w) for w in load_personal_people().get("not_names", [])}
    place_endings: set[str] = set()
    place_before: set[str] = set()
    titles: set[str] = set()
    plural_endings: set[str] = set()
    name_particles: set[str] = set()
    for lang in vocab.languages:
        targets: dict[str, Any] = load_table(lang.code, "targets")
        name_data = targets.get("names", {})
        not_names.update(fold_term(w) for w in name_data.get("not_names", []))
        place_endings.update(fold_term(w) for w in (*name_data.get("place_endings", []),
                                                    *name_data.get("word_endings", [])))
        place_before.update(fold_term(w) for w in name_data.get("place_before", []))
        for characteristic, words in targets.get("groups", {}).items():
            for word in words:
                groups.setdefault(fold_term(word), characteristic)
        for characteristic, words in targets.get("group_adjectives", {}).items():
            for word in words:
                group_adjectives.setdefault(fold_term(word), characteristic)
        person_nouns.update(fold_term(w) for w in targets.get("person_nouns", {}).get("words", []))
        group_heads.update(fold_term(w) for w in targets.get("person_nouns", {}).get("group_heads", []))
        group_topics.update(fold_term(w) for w in targets.get("person_nouns", {}).get("group_topics", []))
        titles.update(fold_term(w) for w in targets.get("person_nouns", {}).get("titles", []))
        plural_endings.update(fold_term(w) for w in targets.get("person_nouns", {})
                              .get("plural_endings", []))
        name_particles.update(fold_term(w) for w in targets.get("person_nouns", {})
                              .get("name_particles", []))
        reference = targets.get("reference", {})
        reference_pronouns.update(fold_term(w) for w in reference.get("pronouns", []))
        reference_subjects.update(tuple(fold_term(w).split()) for w in reference.get("subjects", []))
        reference_relatives.update(tuple(fold_term(w).split())
                                   for w in reference.get("relatives", []))
        reference_openers.update(fold_term(w) for w in reference.get("openers", []))
    names = _read_names()
    modality, modality_phrases = _modality(vocab)
    # Verbs: the "verbs" of every class, and the infinitives inside phrases ("niemand uitnodigen").
    verbs: dict[str, set[str]] = {}
    for t in terms:
        if t.role == "verbs" and len(t.parts) == 1:
            verbs.setdefault(t.lang, set()).update(t.parts[0])
        elif len(t.parts) > 1:
            verbs.setdefault(t.lang, set()).update(
                w for p in t.parts for w in p if len(w) >= 6 and w.endswith("en"))
    # The verbs of a doxxing call ("schrijf hem allemaal in" = "inschrijven"), read from its data.
    for lang in vocab.languages:
        for table in load_table(lang.code, "predicates").values():
            verbs.setdefault(lang.code, set()).update(
                fold_term(w) for key in ("reach", "grudges") for w in table.get(key, [])
                if " " not in w and len(w) >= 6 and w.endswith("en"))
    separable, forms = _separable(vocab, verbs)
    for lang in vocab.languages:  # chat spellings read as the word ("nie" -> "niet")
        for form, word in load_table(lang.code, "language").get("spellings", {}).items():
            forms.setdefault(fold_term(form), fold_term(word))
    common = common_words(lang.lemma_code for lang in vocab.languages) | names
    # An ordinary word is no name even when capitalised ("Netflix", "Marktplaats" are kept out by
    # the list); names themselves are frequent in wordfreq, so only frequent words count here.
    not_names |= common_words((lang.lemma_code for lang in vocab.languages), NAME_COMMON_ZIPF)
    not_names |= set(groups) | set(group_adjectives) | person_nouns | group_heads
    not_names -= names
    # Candidates from four letters ("fuuck" -> "fuck"); only words of five or more are corrected.
    # Group words too: "ik haat moslmis" names the group it misspells.
    spell_words = {w for t in terms if len(t.parts) == 1 for w in t.parts[0] if len(w) >= 4
                   and t.predicate.category != "self_harm_risk"}
    spell_words |= {w for w in groups if len(w) >= 4 and w.isalpha()}
    speller = Speller(spell_words, common)
    lemmatiser = Lemmatiser(vocab, forms)
    hostile = frozenset(w for t in terms if len(t.parts) == 1 and t.role != "addressed"
                        and t.predicate.category not in ("self_harm_risk", "profanity")
                        for w in t.parts[0] if len(w) >= 3 and w.isalpha())
    profanity = predicates.get("profanity")
    unglue = Unglue(vocab, frozenset(groups), hostile, lemmatiser, common,
                    tuple(profanity.words("prefixes")) if profanity is not None else (),
                    common_words((lang.lemma_code for lang in vocab.languages), FREQUENT_ZIPF))
    masked = {w: t.predicate.name for t in sorted(terms, key=lambda t: t.predicate.name)
              if t.predicate.name in MASKED_CLASSES and len(t.parts) == 1
              and t.role in ("standalone", "words") and not (
                  t.predicate.name == "sexual" and t.role == "words")
              for w in t.parts[0] if len(w) >= 3 and w.isalpha()}
    unmask = Unmask(masked, profanity.words("prefixes") if profanity is not None else (), common)
    reader = Reader(vocab, lemmatiser, speller, separable, unglue, unglue.join, unmask)
    # The word tables above (simplemma's dictionaries, wordfreq's list) are large and never
    # change: moved out of the cyclic garbage collector's sight, a full collection no longer walks
    # them (it cost a message 100-300 ms now and then).
    gc.freeze()
    return Lexicon(vocab, reader, predicates, single, phrases, groups, group_adjectives,
                   frozenset(person_nouns), frozenset(group_heads | person_nouns),
                   names, modality, modality_phrases, common,
                   tuple(sorted(w for w in person_nouns | group_heads | group_topics
                                if len(w) >= 4)),
                   frozenset(single) | frozenset(phrases), frozenset(phrases),
                   tuple(sorted(w for w in modality.get("game_words", ()) if len(w) >= 5)),
                   _target_words(vocab, names, person_nouns, groups, group_adjectives),
                   frozenset(reference_pronouns), tuple(sorted(reference_subjects)),
                   tuple(sorted(reference_relatives)), frozenset(reference_openers),
                   frozenset(not_names), tuple(sorted(place_endings)), frozenset(place_before),
                   frozenset(titles), frozenset(name_particles),
                   tuple(sorted(plural_endings)))


def _target_words(vocab: Vocabulary, names: Iterable[str], person_nouns: Iterable[str],
                  groups: Iterable[str], group_adjectives: Iterable[str]) -> frozenset[str]:
    """The words ``compose.targets`` tests a token's word or lemmas against (its branches, in
    order)."""
    return frozenset().union(
        vocab.second_person, vocab.third_person, names, person_nouns, vocab.third_possessive,
        vocab.kind_of, vocab.demonstratives, groups, group_adjectives)

