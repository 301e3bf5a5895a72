"""Harassment (protocol A.10): layered, explainable word-list rules for Dutch and English.

Layers, cheapest first, all on ``TextView.words`` (normalised, leetspeak folded, spacing joined):

1. One dict lookup per word finds lexicon words, the first word of multi-word terms and patterns.
   Long words are also tried as Dutch curse compounds (``kanker`` + ``lijer``) and suffix families
   (``...hoer``, ``...neuker``). Most messages stop here with no hit at all.
2. Each hit is weighed by targeting: a reply or mention, second-person words, ``X is een ...``.
   A label for a person (``sukkel``) is harassment; a curse in the air (``kanker moeilijk``) is only
   profanity (its own low finding citing principle P.3, never A.10); ``aap``/``homo`` and adjectives
   (``dik``, ``dom``) count only when aimed at someone.
3. Context clears: quoting an insult to report it, self-mockery (``ik ben echt een sukkel``),
   lessons (``kanker`` next to ``cellen``, a teacher's message), sports teams and game characters,
   the group's allow-list.
4. Combinations: body part + judgement + person (body shaming), picture + spreading + demand
   (sextortion), a pile-on call raises any other hit to ``high``, and a personal-data finding from
   an earlier rule plus mockery or a pile-on call is doxxing.

The lexicons are data: ``policies/lexicons/harassment_*.toml`` (format documented in the files and
in docs/detection.md). Everything is compiled once into sets and dicts; no regex runs per entry.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress, pairwise
from operator import contains
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

from pydantic import Field

from core.events import GroupKind, MessageEvent, Role
from core.findings import ActionKind, Finding, Severity
from policies import articles
from policies.base import PolicyContext, PolicySettings, TextPolicy
from policies.normalize import fold, normalize, skeleton
from policies.registry import register
from policies.text import TextView

LEXICON_DIR = Path(__file__).parent / "lexicons"
LEXICON_FILES = ("harassment_nl.toml", "harassment_en.toml")

# When one word sits in two tables, the stronger kind wins, then the higher severity.
_KIND_RANK = {"slur": 6, "person": 5, "sexual": 4, "label": 3, "adjective": 2, "curse": 1}
_KINDS = frozenset(_KIND_RANK)
_PLURAL_KINDS = frozenset({"person", "label", "slur"})
_VARIANT_KINDS = frozenset({"person", "slur", "sexual", "curse"})
_QUOTES = frozenset("'\"‘’“”„«»`")
_WINDOW = 4
_DETERMINERS = frozenset(
    {"de", "het", "die", "dat", "deze", "dit", "the", "this", "that", "these", "my", "mijn", "mn",
     "our", "ons", "onze"}
)
_POSSESSION = frozenset({"heeft", "hebt", "has", "have", "got", "met"})
_SELF_COPULA = frozenset({"ben", "am", "im", "voel", "was", "lijk", "feel"})
_EXCLAIM = frozenset({("wat", "een"), ("what", "a"), ("what", "an"), ("such", "a"), ("such", "an")})


_ARTICLES = frozenset({"een", "n", "ne", "zon", "zoon", "a", "an", "such", "sucha"})


def _article_before(window: tuple[str, ...]) -> bool:
    """``een (vieze) aap`` / ``a (dirty) pig``: the label is used as a noun for someone."""
    return any(w in _ARTICLES for w in window[-2:])


def _exclaims(window: tuple[str, ...]) -> bool:
    """``wat een (domme) aap`` / ``what a (stupid) pig``: an exclamation about someone."""
    tail = window[-3:]
    return any((a, b) in _EXCLAIM for a, b in pairwise(tail)) or (
        bool(tail) and tail[-1] in ("zon", "zoon")
    )


@dataclass(frozen=True, slots=True)
class Entry:
    term: str
    category: str
    severity: Severity
    kind: str
    ambiguous: bool = False


@dataclass(frozen=True, slots=True)
class Step:
    words: frozenset[str] | None  # None: any one word
    optional: bool = False
    gap: bool = False  # zero to three words


@dataclass(frozen=True, slots=True)
class Pattern:
    text: str
    steps: tuple[Step, ...]
    category: str
    severity: Severity
    unless_before: frozenset[str] = frozenset()
    entry: Entry | None = None  # set for multi-word lexicon terms (they behave like words)
    # Derived by ``_compile_pattern`` for ``_hits``: the words of each required step other than
    # the anchor's, smallest first (a match needs one word of each in the message); the steps
    # after the first when each is one required word (then a match is a fixed-length compare);
    # the fields of its Hit after index and end.
    needs: tuple[frozenset[str], ...] = ()
    plain: tuple[frozenset[str], ...] | None = None
    found: tuple[Any, ...] = ()


@dataclass(slots=True)
class Trigger:
    """What one word sets off: a lexicon entry, and the patterns anchored on it.

    A pattern is anchored on its rarest required step ("woont" in "ik weet waar {you} woont"), so
    everyday words like "je" or "ik" never start a pattern search.
    """

    entry: Entry | None = None
    patterns: list[Pattern] = field(default_factory=list)


# Everyday words: never a good anchor for a pattern.
_COMMON_WORDS = (
    "ik je jij jou jouw u jullie we wij ze zij hij hem haar die dat de het een en van is niet op te"
    " in met voor naar als maar of ga gaat wat zo toch gewoon echt er ook nog al dan wel meer mijn"
    " mn me mij zijn bent ben was heb hebt heeft kan wil moet doe doen the a an to and you i it of"
    " in that me my so is are was be your ur u he she him her they them we us this on at for with"
    " just all no not do dont im"
)
_COMMON = frozenset(_COMMON_WORDS.split())


class Hit(NamedTuple):  # a tuple: made several times per rough message, cheaper than a dataclass
    index: int
    end: int
    term: str
    category: str
    severity: Severity
    kind: str  # a word kind, "pattern", "combo" or "modifier"
    ambiguous: bool = False
    how: str = ""


@dataclass(slots=True)
class Lexicon:
    triggers: dict[str, Trigger]
    by_skeleton: dict[str, Entry]
    ordinary: frozenset[str]
    groups: dict[str, frozenset[str]]
    context: dict[str, frozenset[str]]
    prefixes: frozenset[str]
    prefix_map: dict[str, tuple[str, ...]]
    person_tails: frozenset[str]
    group_tails: frozenset[str]
    harmless_tails: frozenset[str]
    not_compounds: frozenset[str]
    suffixes: dict[str, Entry]
    suffix_map: dict[str, tuple[str, ...]]
    body_heads: frozenset[str]
    body_tail_map: dict[str, tuple[str, ...]]
    # Cheap pre-checks: first three / last three letters that any compound rule could match.
    compound_starts: frozenset[str] = frozenset()
    compound_ends: frozenset[str] = frozenset()

    def group(self, name: str) -> frozenset[str]:
        return self.groups.get(name, frozenset())

    def ctx(self, name: str) -> frozenset[str]:
        return self.context.get(name, frozenset())

    @property
    def teams(self) -> frozenset[str]:
        return self.context.get("_teams", frozenset())


def _fold_term(term: str) -> str:
    return fold(normalize(term)).strip()


def _compile_step(token: str, groups: Mapping[str, frozenset[str]], source: str) -> Step:
    if token == "~":
        return Step(None, gap=True)
    if token == "*":
        return Step(None)
    optional = token.endswith("?")
    token = token.rstrip("?")
    words: set[str] = set()
    for alt in token.split("|"):
        if alt.startswith("{") and alt.endswith("}"):
            name = alt[1:-1]
            if name not in groups:
                raise ValueError(f"{source}: unknown word group {{{name}}}")
            words |= groups[name]
        elif alt:
            words.add(_fold_term(alt))
    return Step(frozenset(words), optional=optional)


def _compile_pattern(
    text: str, category: str, severity: Severity, groups: Mapping[str, frozenset[str]],
    source: str, unless_before: frozenset[str] = frozenset(), entry: Entry | None = None,
) -> Pattern:
    steps = tuple(_compile_step(tok, groups, source) for tok in text.split())
    first = steps[0]
    if first.words is None or first.optional:
        raise ValueError(f"{source}: pattern {text!r} must start with a required word")
    required = [s.words for s in steps if s.words is not None and not s.optional]
    anchor = _anchor(steps)  # present whenever the pattern is tried: it triggers the pattern
    needs = tuple(sorted({ws for ws in required if ws != anchor}, key=len))
    plain = None
    if all(s.words is not None and not s.optional and not s.gap for s in steps):
        plain = tuple(s.words for s in steps[1:] if s.words is not None)
    found: tuple[Any, ...] = (
        (entry.term, entry.category, entry.severity, entry.kind, entry.ambiguous, "term")
        if entry is not None
        else (text, category, severity, "modifier" if category == "incitement" else "pattern",
              False, "pattern")
    )
    return Pattern(text, steps, category, severity, unless_before, entry, needs, plain, found)


# Evidence is read by mentors: categories and patterns in plain Dutch.
_CATEGORY_NL = {
    "insult": "belediging", "threat": "bedreiging", "sexual": "seksuele opmerking",
    "sextortion": "chantage met beelden", "discrimination": "discriminatie",
    "exclusion": "buitensluiten", "self_harm": "aanzetten tot zelfbeschadiging",
    "body_shaming": "uiterlijk belachelijk maken", "incitement": "oproep om mee te pesten",
    "doxxing": "gegevens delen om iemand te kijk te zetten", "profanity": "grof taalgebruik",
}
_GROUP_WORDS = {"{you}": "je", "{third}": "hem/haar", "{self}": "ik"}
_WHY_REPLY = "antwoord aan of vermelding van iemand"
_WHY_YOU = "gericht aan jij/je"


def _readable(term: str) -> str:
    """A lexicon pattern as a mentor reads it: 'ik weet waar {you} woont|woon' -> 'ik weet waar je
    woont/woon'."""
    if " " not in term and "{" not in term:
        return term
    words = []
    for word in term.split():
        if word == "~":
            words.append("…")
        elif word.startswith("{"):
            words.append(_GROUP_WORDS.get(word.split("|")[0], "…"))
        else:
            words.append(word.rstrip("?").replace("|", "/"))
    return " ".join(words)


def _variants(term: str, kind: str, language: str) -> Iterable[str]:
    """Spellings a word list rarely names: plurals, doubled or single letters."""
    if kind in _PLURAL_KINDS and len(term) >= 4:
        yield term + "s"
        yield term + ("en" if language == "nl" else "es")
        if language == "nl" and kind == "person":  # diminutives: etterbakje, trutje, sukkeltjes
            for ending in ("je", "tje", "jes", "tjes", "ie"):
                yield term + ending
    if kind in _VARIANT_KINDS and len(term) >= 5:
        skel = skeleton(term)
        yield skel
        for i, ch in enumerate(skel):
            if ch.isalpha():
                yield skel[: i + 1] + ch + skel[i + 1 :]


def _better(new: Entry, old: Entry | None) -> bool:
    if old is None:
        return True
    return (_KIND_RANK[new.kind], new.severity) > (_KIND_RANK[old.kind], old.severity)


def load_lexicon(paths: Iterable[Path]) -> Lexicon:
    """Read and compile lexicon files into lookup structures (merged across languages)."""
    docs: list[tuple[Path, dict[str, Any]]] = []
    for path in paths:
        try:
            docs.append((path, tomllib.loads(path.read_text("utf-8"))))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ValueError(f"{path}: cannot load lexicon: {exc}") from exc

    # Ordinary words that a generated spelling of a lexicon word would otherwise catch ("negeer" is
    # a doubled-letter form of a slur, "sukkelen" a verb, "eter" an eater).
    ordinary: set[str] = set()
    for _path, doc in docs:
        ordinary.update(_fold_term(w) for w in doc.get("ordinary", {}).get("words", []))
    groups: dict[str, set[str]] = {}
    context: dict[str, set[str]] = {}
    comp: dict[str, set[str]] = {}
    body: dict[str, set[str]] = {"heads": set(), "tails": set()}
    for _path, doc in docs:
        for name, words in doc.get("body_compounds", {}).items():
            body.setdefault(name, set()).update(_fold_term(w) for w in words)
        for name, words in doc.get("groups", {}).items():
            groups.setdefault(name, set()).update(_fold_term(w) for w in words)
        for name, words in doc.get("context", {}).items():
            context.setdefault(name, set()).update(_fold_term(w) for w in words)
        for name, words in doc.get("compounds", {}).items():
            comp.setdefault(name, set()).update(_fold_term(w) for w in words)
    fgroups = {k: frozenset(v) for k, v in groups.items()}

    singles: dict[str, Entry] = {}
    language_of: dict[str, str] = {}
    patterns: list[Pattern] = []
    suffixes: dict[str, Entry] = {}
    for path, doc in docs:
        language = doc.get("language", "nl")
        for table in doc.get("words", []):
            kind = table.get("kind", "person")
            if kind not in _KINDS:
                raise ValueError(f"{path}: unknown kind {kind!r}")
            category = table["category"]
            severity = Severity.parse(table.get("severity", "low"))
            ambiguous = bool(table.get("ambiguous", False))
            for raw in table.get("terms", []):
                term = _fold_term(raw)
                entry = Entry(term, category, severity, kind, ambiguous)
                if " " in term:
                    patterns.append(
                        _compile_pattern(term, category, severity, fgroups, str(path), entry=entry)
                    )
                elif _better(entry, singles.get(term)):
                    singles[term] = entry
                    language_of[term] = language
        for table in doc.get("patterns", []):
            severity = Severity.parse(table["severity"])
            unless = frozenset(_fold_term(w) for w in table.get("unless_before", []))
            for text in table.get("patterns", []):
                patterns.append(
                    _compile_pattern(
                        text.lower(), table["category"], severity, fgroups, str(path), unless
                    )
                )
        for table in doc.get("suffixes", []):
            severity = Severity.parse(table["severity"])
            for suffix in table.get("suffixes", []):
                suffixes[_fold_term(suffix)] = Entry(suffix, table["category"], severity, "person")

    words: dict[str, Entry] = dict(singles)
    for term, entry in singles.items():
        for variant in _variants(term, entry.kind, language_of[term]):
            if variant not in words and variant not in ordinary:
                words[variant] = Entry(term, entry.category, entry.severity, entry.kind,
                                       entry.ambiguous)
    by_skeleton: dict[str, Entry] = {}
    for term, entry in singles.items():
        by_skeleton.setdefault(skeleton(term), entry)

    triggers: dict[str, Trigger] = {}
    for word, entry in words.items():
        triggers[word] = Trigger(entry=entry)
    for pattern in patterns:
        for word in _anchor(pattern.steps):
            triggers.setdefault(word, Trigger()).patterns.append(pattern)

    prefixes = frozenset(comp.get("prefixes", ()))
    prefix_map: dict[str, list[str]] = {}
    for prefix in sorted(prefixes, key=len, reverse=True):
        prefix_map.setdefault(prefix[:3] if len(prefix) >= 3 else prefix, []).append(prefix)
    return Lexicon(
        triggers=triggers,
        by_skeleton=by_skeleton,
        ordinary=frozenset(ordinary),
        groups=fgroups,
        context={k: frozenset(v) for k, v in context.items()}
        | {"_teams": frozenset(context.get("sports", set()) | context.get("games", set()))},
        prefixes=prefixes,
        prefix_map={k: tuple(v) for k, v in prefix_map.items()},
        person_tails=frozenset(comp.get("person_tails", ())),
        group_tails=frozenset(comp.get("group_tails", ())),
        harmless_tails=frozenset(comp.get("harmless_tails", ())),
        not_compounds=frozenset(comp.get("not_compounds", ())),
        suffixes=suffixes,
        suffix_map=_by_ending(suffixes),
        body_heads=frozenset(body["heads"]),
        body_tail_map=_by_ending(body["tails"]),
        compound_starts=frozenset(p[:3] for p in prefixes),
        compound_ends=frozenset(e[-3:] for e in (*suffixes, *body["tails"])),
    )


def _by_ending(items: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Group endings by their last two letters, longest first, for a cheap pre-check."""
    out: dict[str, list[str]] = {}
    for item in sorted(items, key=len, reverse=True):
        out.setdefault(item[-2:], []).append(item)
    return {k: tuple(v) for k, v in out.items()}


def _anchor(steps: tuple[Step, ...]) -> frozenset[str]:
    """The required step with the rarest words; a hit on it starts the pattern search."""
    required = [s.words for s in steps if s.words is not None and not s.optional]
    return min(required, key=lambda ws: (len(ws & _COMMON) > 0, len(ws)))


@lru_cache(maxsize=4)
def default_lexicon() -> Lexicon:
    return load_lexicon(LEXICON_DIR / name for name in LEXICON_FILES)


def _positions(words: tuple[str, ...], wanted: AbstractSet[str]) -> list[int]:
    """Ascending indices of the ``wanted`` words in ``words``, found in C, not by a Python loop
    over every word (a long paste holds few wanted words). One word: ``tuple.count``/``index``
    scans; more: one set lookup per word beats a scan (string compares) per wanted word."""
    if len(wanted) > 1:
        return list(compress(range(len(words)), map(wanted.__contains__, words)))
    out: list[int] = []
    for word in wanted:
        i = -1
        for _ in range(words.count(word)):
            i = words.index(word, i + 1)
            out.append(i)
    return out


_OR = frozenset({"of", "or"})
_OR_THEN = frozenset({"ik", "i", "ill", "anders", "else"})


def _threat_or(words: tuple[str, ...], present: frozenset[str]) -> bool:
    """``... of ik ...`` / ``... or else``: a demand with a threat (C scans: pastes are long)."""
    if present.isdisjoint(_OR) or present.isdisjoint(_OR_THEN):
        return False
    last = len(words) - 1
    return any(i < last and words[i + 1] in _OR_THEN for i in _positions(words, _OR & present))


def _match(words: tuple[str, ...], start: int, steps: tuple[Step, ...], k: int) -> int:
    """End index (exclusive) when ``steps[k:]`` match ``words`` from ``start``, else -1."""
    if k == len(steps):
        return start
    step = steps[k]
    if step.gap:
        for skip in range(4):
            end = _match(words, start + skip, steps, k + 1)
            if end >= 0:
                return end
            if start + skip >= len(words):
                break
        return -1
    if start < len(words) and (step.words is None or words[start] in step.words):
        end = _match(words, start + 1, steps, k + 1)
        if end >= 0:
            return end
    if step.optional:
        return _match(words, start, steps, k + 1)
    return -1


class HarassmentSettings(PolicySettings):
    """``allow``: words this group may use (for example ``kanker`` in a biology class group)."""

    allow: list[str] = Field(default_factory=list)
    # Report untargeted profanity as its own low finding (flag "profanity", principle P.3).
    profanity: bool = True
    actions: dict[str, list[ActionKind]] = Field(
        default_factory=lambda: {
            "low": [ActionKind.REMIND],
            "medium": [ActionKind.DELETE, ActionKind.WARN, ActionKind.NOTIFY],
            "high": [ActionKind.DELETE, ActionKind.WARN, ActionKind.NOTIFY, ActionKind.ESCALATE],
            "critical": [ActionKind.DELETE, ActionKind.WARN, ActionKind.NOTIFY,
                         ActionKind.ESCALATE],
        }
    )


# What a word sets off by itself (see HarassmentPolicy._word): the fields of its Hit after index
# and end (None: not a lexicon word or compound), and the patterns anchored on it.
_WordInfo = tuple[tuple[Any, ...] | None, Sequence[Pattern]]
_UNSEEN: Any = object()


def _found(entry: Entry | None, how: str) -> tuple[Any, ...] | None:
    """The fields of a word's Hit after index and end (built once per word, not per hit)."""
    if entry is None:
        return None
    return entry.term, entry.category, entry.severity, entry.kind, entry.ambiguous, how
_WORD_CACHE_SIZE = 50_000

# ``Role.is_staff`` as a set: a membership test instead of a property call per message.
_STAFF_ROLES = frozenset(role for role in Role if role.is_staff)
_LABELS = {severity: severity.label for severity in Severity}  # a property: looked up once
_SEVERITY_SCORE = {
    Severity.LOW: 0.55,
    Severity.MEDIUM: 0.75,
    Severity.HIGH: 0.9,
    Severity.CRITICAL: 0.97,
}


@register
class HarassmentPolicy(TextPolicy):
    """A.10: bullying, threats, sexting, discrimination, exclusion, self-harm encouragement."""

    name: ClassVar[str] = "harassment"
    flag: ClassVar[str] = "harassment"
    article: ClassVar[str] = articles.A10
    order: ClassVar[int] = 20  # after personal data (doxxing reads its findings)
    settings_model: ClassVar[type[PolicySettings]] = HarassmentSettings
    kind_defaults: ClassVar[Mapping[GroupKind, Mapping[str, Any]]] = {
        # Adults among themselves: no reminders about swearing, harassment still counts.
        GroupKind.STAFF: {"profanity": False},
    }

    def __init__(self, env: Any = None, lexicon: Lexicon | None = None) -> None:
        super().__init__(env)
        self.lexicon = lexicon or default_lexicon()
        self._allow_cache: dict[tuple[str, ...], frozenset[str]] = {}
        self._word_cache: dict[str, _WordInfo | None] = {}
        # Words seen to set off nothing (``_word`` gave None): most messages consist of these
        # only, which one ``set.issuperset`` in C tells without a loop over their words.
        self._inert: set[str] = set()
        # Pattern anchors -> words one of which a match needs besides the anchor (``_gate``).
        self._gates: dict[str, frozenset[str] | None] = {}
        # The word groups read per message, looked up once (unions where only "any of them" counts).
        lex = self.lexicon
        self._you = lex.group("you")
        self._self = lex.group("self")
        self._copula = lex.group("copula")
        self._nonperson = lex.group("nonperson_subject")
        self._person_nouns = lex.group("person_nouns")
        self._body = lex.group("body_part")
        self._media = lex.group("media")
        # A message without hits still needs the combinations (``_combos``) only when it holds a
        # body part or a picture word.
        self._combo_words = self._body | self._media
        self._person_ref = lex.group("person_ref") | _POSSESSION
        self._judgement = lex.group("negative_eval")
        self._spread = lex.group("spread")
        self._demand = lex.group("demand")
        self._educational = lex.ctx("educational")
        self._report_verbs = lex.ctx("report_verbs")
        self._report_whom = lex.ctx("report_address") | lex.ctx("report_self_object")
        self._sports_games = lex.ctx("sports") | lex.ctx("games")
        self._teams = lex.teams

    # -- layer 1: find candidate hits ------------------------------------------------------------
    def _compound(self, word: str) -> Entry | None:
        lex = self.lexicon
        if word in lex.not_compounds or word in lex.ordinary:
            return None
        candidates = lex.prefix_map.get(word[:3]) or lex.prefix_map.get(word[:2]) or ()
        for prefix in candidates:
            if word.startswith(prefix):
                n = len(prefix)
                if word[n:] == "op":  # kankerop, tyfusop: get lost
                    return Entry(word, "insult", Severity.MEDIUM, "person")
                if len(word) - n >= 3:
                    tail = word[n:]
                    # "kleren"/"pokken" are klere/pokke + n: ordinary plurals, not compounds.
                    if tail in lex.harmless_tails or (word[n - 1] == "e" and tail[0] == "n"):
                        return None
                    if tail in lex.group_tails:
                        return Entry(word, "discrimination", Severity.HIGH, "slur")
                    tail_entry = lex.triggers.get(tail)
                    if tail in lex.person_tails or (
                        tail_entry and tail_entry.entry and tail_entry.entry.kind != "curse"
                    ):
                        inner = tail_entry.entry if tail_entry and tail_entry.entry else None
                        if inner and inner.severity > Severity.MEDIUM:
                            return Entry(word, inner.category, inner.severity, "person")
                        return Entry(word, "insult", Severity.MEDIUM, "person")
                    return Entry(word, "profanity", Severity.LOW, "curse", ambiguous=True)
        for body_tail in lex.body_tail_map.get(word[-2:], ()):
            if len(word) - len(body_tail) >= 3 and word.endswith(body_tail):
                head = word[: -len(body_tail)]
                # Only a linking -s-/-e-/-en- between the parts ("varkensneus", "apenkop"); a looser
                # match made "koeltoren" a cow's ear. Food, material and idiom (kippenborsten,
                # olifantenhuid) are listed as ordinary words in the lexicon.
                if (
                    head in lex.body_heads
                    or (head[-1:] in ("s", "e") and head[:-1] in lex.body_heads)
                    or (head.endswith("en") and head[:-2] in lex.body_heads)
                ):
                    return Entry(word, "body_shaming", Severity.MEDIUM, "person")
        for suffix in lex.suffix_map.get(word[-2:], ()):
            if len(word) - len(suffix) >= 3 and word.endswith(suffix):
                entry = lex.suffixes[suffix]
                return Entry(word, entry.category, entry.severity, "person")
        return None

    def _word(self, word: str) -> _WordInfo | None:
        """What one word sets off on its own: a lexicon entry and/or patterns, or a compound.

        A pure function of the word, so ``_hits`` caches it: chat vocabulary repeats a lot.
        """
        lex = self.lexicon
        trig = lex.triggers.get(word)
        if trig is not None:
            return _found(trig.entry, "word"), trig.patterns
        if len(word) >= 5 and (
            word[:3] in lex.compound_starts or word[:2] == "kk" or word[-3:] in lex.compound_ends
        ):
            entry = self._compound(word)
            if entry is not None:
                return _found(entry, "compound" if word == entry.term else "word"), ()
        return None

    def _quiet(self, rest: frozenset[str], present: frozenset[str]) -> bool:
        """Whether no word of ``rest`` (the message's words not known to be inert) is a lexicon
        entry and no pattern can match: a cheap yes for most messages that hold a pattern's
        everyday anchor ("wie" of "wie doet mee", "na" of "na school ...") without the rest of it.
        """
        gates = self._gates
        for word in rest:
            gate = gates.get(word, _UNSEEN)
            if gate is _UNSEEN:
                if word not in self._word_cache:
                    return False  # not seen yet: the full pass looks it up first
                gate = gates[word] = self._gate(word)
            if gate is None or not gate.isdisjoint(present):
                return False
        return True

    def _gate(self, word: str) -> frozenset[str] | None:
        """Words of which at least one must be present for a pattern anchored on ``word`` to
        match (per pattern the smallest required step besides the anchor); None when ``word``
        is a lexicon entry or anchors a pattern without other required words."""
        info = self._word_cache.get(word)
        if info is None or info[0] is not None:
            return None
        need: set[str] = set()
        for pattern in info[1]:
            others = [
                step.words
                for step in pattern.steps
                if step.words is not None and not step.optional and word not in step.words
            ]
            if not others:
                return None
            need |= min(others, key=len)
        return frozenset(need)

    def _hits(
        self, words: tuple[str, ...], skeletons: tuple[str, ...] | None, present: frozenset[str]
    ) -> list[Hit]:
        """Lexicon words, compounds and patterns in ``words`` (``present``: the same as a set).

        Hits come in word order, pattern hits after word hits in the order their anchors occur.
        """
        if skeletons is None:
            # Words known to set off nothing cannot hit (no stretched spelling to try either):
            # most messages end here, and a long paste visits only its few other words.
            rest = present.difference(self._inert)
            if not rest or self._quiet(rest, present):
                return []
            indices: Iterable[int] = _positions(words, rest)
        else:
            indices = range(len(words))
        lex = self.lexicon
        cache = self._word_cache
        hits: list[Hit] = []
        # Patterns by id (a frozen dataclass would hash all its fields), first anchored first.
        candidates: dict[int, Pattern] = {}
        for i in indices:
            word = words[i]
            info = cache.get(word, _UNSEEN)
            if info is _UNSEEN:
                if len(cache) >= _WORD_CACHE_SIZE:
                    cache.clear()  # bounded; a cold start is cheap
                    self._inert.clear()
                    self._gates.clear()
                info = cache[word] = self._word(word)
                if info is None:
                    self._inert.add(word)
            if info is None:
                # Not a lexicon word or compound: maybe a stretched spelling of one (but an
                # ordinary word stays itself: "neeee negeer hem" is no slur).
                if skeletons is not None and word not in lex.ordinary:
                    entry = lex.by_skeleton.get(skeletons[i])
                    if entry is not None:
                        hits.append(Hit(i, i + 1, word, entry.category, entry.severity, entry.kind,
                                        entry.ambiguous,
                                        "compound" if word == entry.term else "word"))
                continue
            found, patterns = info
            if found is not None:
                hits.append(Hit(i, i + 1, *found))
            for pattern in patterns:
                candidates.setdefault(id(pattern), pattern)
        if candidates:
            self._pattern_hits(words, present, candidates.values(), hits)
        return hits

    @staticmethod
    def _pattern_hits(
        words: tuple[str, ...], present: frozenset[str], patterns: Iterable[Pattern],
        hits: list[Hit],
    ) -> None:
        """Append the first match of each pattern (tried in the order given) to ``hits``."""
        n_words = len(words)
        starts: dict[frozenset[str], list[int]] = {}  # patterns often share their first word
        for pattern in patterns:
            # Every required step needs one of its words in the message (the anchor's is here).
            for need in pattern.needs:
                if need.isdisjoint(present):
                    break
            else:
                first = pattern.steps[0].words or frozenset()
                at = starts.get(first)
                if at is None:
                    at = starts[first] = _positions(words, first.intersection(present))
                unless = pattern.unless_before
                plain = pattern.plain
                for i in at:
                    if unless and i > 0 and words[i - 1] in unless:
                        continue
                    if plain is None:
                        end = _match(words, i + 1, pattern.steps, 1)
                        if end < 0:
                            continue
                    else:  # one word per step: compare the next words in place (C loops)
                        end = i + 1 + len(plain)
                        if end > n_words or not all(map(contains, plain, words[i + 1 : end])):
                            continue
                    hits.append(Hit(i, end, *pattern.found))
                    break

    # -- layer 2/3: weigh targeting and context -------------------------------------------------
    def _subject_is_person(self, words: tuple[str, ...], lo: int, i: int) -> str | None:
        """``X is (een) ...`` / ``ben jij ...`` before index i: who it is about, if a person."""
        copula = self._copula
        you = self._you
        self_words = self._self
        nonperson = self._nonperson
        for j in range(i - 1, lo - 1, -1):
            if words[j] in copula:
                after = words[j + 1] if j + 1 < i else ""
                if after in you:
                    return "second person"
                before = words[j - 1] if j > 0 else ""
                if before in you:
                    return "second person"
                if after in self_words or before in self_words or words[j] in ("ben", "am", "im"):
                    return None
                if not before or before in nonperson or before.isdigit():
                    return None
                # "de/die/the meme is ...": a thing, unless the noun is a person (die jongen).
                det = words[j - 2] if j > 1 else ""
                if det in _DETERMINERS and before not in self._person_nouns:
                    return None
                return f"'{before}'"
        return None

    def _is_self(self, words: tuple[str, ...], i: int) -> bool:
        window = words[max(0, i - _WINDOW - 1) : i]
        if not self._you.isdisjoint(window):
            return False
        return not self._self.isdisjoint(window) and not _SELF_COPULA.isdisjoint(window)

    def check_text(self, text: TextView, ctx: PolicyContext, event: MessageEvent) -> list[Finding]:
        settings = ctx.settings
        if not isinstance(settings, HarassmentSettings):
            settings = HarassmentSettings.model_validate(settings.model_dump())
        if not settings.enabled:
            return []
        words = text.words
        if not words:
            return []
        wset = text.word_set
        hits = self._hits(words, text.skeletons if text.stretched else None, wset)
        prior = ctx.prior_findings
        doxx_prior = bool(prior) and any(f.flag == "personal_data" for f in prior)
        if not hits and not doxx_prior and (len(words) < 3 or wset.isdisjoint(self._combo_words)):
            return []  # nothing found and no combination possible (it needs a body part or picture)
        return self._decide(text, ctx, event, settings, hits, doxx_prior)

    def _allowed(self, settings: HarassmentSettings) -> frozenset[str]:
        key = tuple(settings.allow)
        cached = self._allow_cache.get(key)
        if cached is None:
            cached = frozenset(_fold_term(w) for w in key)
            self._allow_cache[key] = cached
        return cached

    def _decide(
        self, text: TextView, ctx: PolicyContext, event: MessageEvent,
        settings: HarassmentSettings, hits: list[Hit], doxx_prior: bool,
    ) -> list[Finding]:
        words = text.words
        wset = text.word_set
        allow = self._allowed(settings) if settings.allow else frozenset()
        you = self._you
        you_present = not wset.isdisjoint(you)
        reply_to = event.reply_to_sender_id
        mentions = event.mentions
        targets = tuple(filter(None, (reply_to, *mentions))) if reply_to or mentions else ()
        event_target = bool(targets) or "@" in text.original
        educational = ctx.sender_role in _STAFF_ROLES or not wset.isdisjoint(self._educational)
        # What ``_is_self`` and ``_subject_is_person`` look for in a window: absent from the whole
        # message (nearly always), they cannot find it near a hit.
        maybe_self = not wset.isdisjoint(self._self) and not wset.isdisjoint(_SELF_COPULA)
        copula = not wset.isdisjoint(self._copula)
        # Quoting: a report verb plus someone to tell, a victim ("noemde me"), quote marks, or a
        # lesson (a character in a book who insults someone).
        report = not wset.isdisjoint(self._report_verbs) and (
            educational
            or not wset.isdisjoint(self._report_whom)
            or not _QUOTES.isdisjoint(text.original)
        )
        teams = self._teams
        not_a_person = not you_present and not event_target and (
            not wset.isdisjoint(self._sports_games)
        )

        harassment: list[tuple[Hit, str]] = []
        profanity: list[Hit] = []
        cleared: list[str] = []
        modifiers: list[Hit] = []
        for hit in hits:
            if hit.term in allow or words[hit.index] in allow:
                cleared.append(f"'{hit.term}' toegestaan in deze groep")
                continue
            if hit.kind == "modifier":
                modifiers.append(hit)
                continue
            if hit.ambiguous and educational:
                cleared.append(f"'{hit.term}' in een les of medische context")
                continue
            if report:
                cleared.append(f"'{hit.term}' geciteerd om het te melden")
                continue
            if hit.kind == "pattern":
                harassment.append((hit, "zinsdeel"))
                continue
            if hit.kind == "curse":
                profanity.append(hit)
                continue
            if maybe_self and self._is_self(words, hit.index):
                cleared.append(f"'{hit.term}' over de afzender zelf")
                continue
            lo = max(0, hit.index - _WINDOW)
            window = words[lo : hit.index]
            near_you = not you.isdisjoint(window) or (
                hit.end < len(words) and words[hit.end] in you
            )
            subject = self._subject_is_person(words, lo, hit.index) if copula else None
            if subject is not None and subject.strip("'") in teams:
                cleared.append(f"'{hit.term}' over een team of spel, niet over een persoon")
                continue
            if hit.kind in ("person", "slur"):
                if not_a_person and subject is None:
                    cleared.append(f"'{hit.term}' over een team of spel, niet over een persoon")
                    continue
                why = (
                    _WHY_REPLY if event_target
                    else _WHY_YOU if you_present
                    else f"gezegd over {subject}" if subject
                    else "scheldwoord voor een persoon"
                )
                harassment.append((hit, why))
            elif hit.kind == "sexual":
                if you_present or event_target or subject:
                    harassment.append((hit, "seksuele opmerking naar iemand"))
                else:
                    profanity.append(hit)
            elif hit.kind in ("label", "adjective"):
                if not_a_person and subject is None:
                    cleared.append(f"'{hit.term}' over een team of spel, niet over een persoon")
                    continue
                direct = hit.kind == "label" and (
                    (window and window[-1] in you)
                    or (near_you and subject is not None)
                    or _exclaims(window)
                )
                if hit.kind == "label" and not direct and not _article_before(window):
                    continue  # "hij is homo" states a fact; "hij is een homo" labels
                if subject is not None or direct:
                    why = subject or ("jij/je" if near_you else "iemand (uitroep)")
                    harassment.append((hit, f"gericht aan {why}"))

        # Combinations of signals that single words cannot carry.
        combos = self._combos(text, wset, you_present or event_target, report)
        harassment.extend(combos)
        if doxx_prior and not report and (modifiers or harassment):
            harassment.append(
                (Hit(0, 0, "persoonsgegevens gedeeld om iemand te kijk te zetten", "doxxing",
                     Severity.HIGH if modifiers else Severity.MEDIUM, "combo"),
                 "samen met persoonsgegevens")
            )

        if harassment:
            return [self._finding(harassment, modifiers, targets, cleared, words)]
        if profanity and settings.profanity:
            terms = ", ".join(sorted({h.term for h in profanity}))
            return [
                Finding(
                    policy=self.name, flag="profanity", article=articles.P3, score=0.5,
                    severity=Severity.LOW, category="profanity",
                    evidence=f"vloeken, niet gericht aan iemand: {terms}",
                    data={"terms": sorted({h.term for h in profanity})},
                )
            ]
        return []

    def _combos(
        self, text: TextView, wset: frozenset[str], aimed: bool, report: bool
    ) -> list[tuple[Hit, str]]:
        if report or wset.isdisjoint(self._combo_words):
            return []  # every combination needs a body part or a picture word
        out: list[tuple[Hit, str]] = []
        person = aimed or not wset.isdisjoint(self._person_ref)
        body = wset & self._body
        if body and person:
            judged = wset & self._judgement
            if judged - body:
                out.append((Hit(0, 0, f"{min(body)} + {min(judged - body)}", "body_shaming",
                                Severity.MEDIUM, "combo"), "oordeel over iemands lichaam"))
        media = wset & self._media
        if media and person:
            spread = wset & self._spread
            if spread - media and (
                not wset.isdisjoint(self._demand) or _threat_or(text.words, wset)
            ):
                out.append((Hit(0, 0, f"{min(media)} + verspreiden + eis", "sextortion",
                                Severity.CRITICAL, "combo"), "dreigt een foto te verspreiden"))
        return out

    def _finding(
        self, hits: list[tuple[Hit, str]], modifiers: list[Hit], targets: tuple[str, ...],
        cleared: list[str], words: tuple[str, ...] = (),
    ) -> Finding:
        top, _ = max(hits, key=lambda pair: (pair[0].severity, pair[0].kind == "pattern"))
        severity = top.severity
        category = top.category
        def shown(hit: Hit) -> str:  # the message's own words for a pattern, else the term
            if hit.kind == "pattern" and 0 <= hit.index < hit.end <= len(words):
                return " ".join(words[hit.index : hit.end])
            return _readable(hit.term)

        notes = [f"{_CATEGORY_NL.get(h.category, h.category)} '{shown(h)}' ({why})"
                 for h, why in hits]
        if modifiers:
            notes.append(f"oproep om mee te doen '{modifiers[0].term}'")
            if severity < Severity.HIGH:
                severity = Severity.HIGH
                category = "incitement"
        score = _SEVERITY_SCORE[severity]
        if any(why in (_WHY_REPLY, _WHY_YOU) for _, why in hits):
            score = min(0.99, score + 0.05)
        evidence = "; ".join(notes)
        if cleared:
            evidence += "; niet meegeteld: " + ", ".join(cleared)
        return Finding(
            policy=self.name, flag=self.flag, article=self.article, score=score,
            severity=severity, evidence=evidence, category=category, targets=targets,
            data={
                "hits": [
                    {"term": h.term, "category": h.category, "severity": _LABELS[h.severity],
                     "kind": h.kind, "why": why}
                    for h, why in hits
                ],
                "incitement": bool(modifiers),
            },
        )
