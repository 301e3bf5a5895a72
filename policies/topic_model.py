"""The topic model: is a message school business or something else?

A small logistic regression over sparse features, in pure Python so it needs no extra dependency and
scores a message in microseconds:

- words and word pairs of the folded text (leetspeak undone, accents dropped);
- word beginnings and endings of longer words, so Dutch compounds and inflections generalise
  ("wiskundetoets" shares "toets" with "toets", "ingeleverd" shares "inlev" with "inleveren");
- the topic lexicon (``policies/lexicons/topic.toml``): one feature per school, off-topic or cue
  category found, which carries the word lists' knowledge to words the training data never had
  (cues are signs of a personal message, such as a denial or a report, that function words hide);
- a few shape features (a question, a time of day, a quotation, emoji, the length).

Training data is written for the project (``policies/topic_data/train.jsonl`` and the train split
of ``corpus/``), never copied from the shared corpus, and moderator feedback adds examples
("wrongly flagged" and "missed" messages).
``train`` is deterministic (fixed seed), so the same data gives the same model file.
"""

from __future__ import annotations

import json
import math
import random
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import repeat
from pathlib import Path

from policies.text import TextView

PACKAGE_DIR = Path(__file__).parent
LEXICON_PATH = PACKAGE_DIR / "lexicons" / "topic.toml"
TRAIN_PATH = PACKAGE_DIR / "topic_data" / "train.jsonl"
MODEL_PATH = PACKAGE_DIR / "topic_data" / "model.json"
MODEL_VERSION = 1
# The project's own examples are written to be unambiguous, one pattern each; the corpus split is
# larger and its labels noisier at the edges (a remark about a group, banter). Own examples count
# this many times, so a few clear sentences can correct what the corpus taught by accident.
OWN_WEIGHT = 3.0

# Function words carry no topic; as features they only let the model memorise its examples.
STOPWORDS = frozenset(
    [
        "de",
        "het",
        "een",
        "en",
        "of",
        "maar",
        "dus",
        "want",
        "als",
        "dan",
        "dat",
        "die",
        "dit",
        "deze",
        "er",
        "hier",
        "daar",
        "nog",
        "ook",
        "al",
        "wel",
        "niet",
        "geen",
        "is",
        "zijn",
        "was",
        "waren",
        "ben",
        "bent",
        "heb",
        "hebt",
        "heeft",
        "hebben",
        "had",
        "wordt",
        "worden",
        "werd",
        "kan",
        "kun",
        "kunnen",
        "zal",
        "zou",
        "moet",
        "moeten",
        "mag",
        "mogen",
        "wil",
        "wilt",
        "willen",
        "ik",
        "je",
        "jij",
        "u",
        "hij",
        "zij",
        "ze",
        "we",
        "wij",
        "jullie",
        "mij",
        "me",
        "mijn",
        "mn",
        "m'n",
        "jouw",
        "jou",
        "zijn",
        "zn",
        "haar",
        "ons",
        "onze",
        "hun",
        "hen",
        "wat",
        "wie",
        "waar",
        "hoe",
        "wanneer",
        "waarom",
        "welke",
        "van",
        "voor",
        "met",
        "op",
        "in",
        "aan",
        "naar",
        "bij",
        "uit",
        "over",
        "om",
        "tot",
        "door",
        "te",
        "toch",
        "nou",
        "even",
        "eens",
        "zo",
        "heel",
        "erg",
        "echt",
        "nu",
        "the",
        "a",
        "an",
        "and",
        "or",
        "but",
        "so",
        "if",
        "then",
        "that",
        "this",
        "these",
        "those",
        "there",
        "here",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "am",
        "have",
        "has",
        "had",
        "do",
        "does",
        "did",
        "will",
        "would",
        "can",
        "could",
        "should",
        "may",
        "might",
        "must",
        "i",
        "you",
        "he",
        "she",
        "it",
        "we",
        "they",
        "me",
        "my",
        "your",
        "his",
        "her",
        "our",
        "their",
        "what",
        "who",
        "where",
        "when",
        "how",
        "why",
        "which",
        "of",
        "for",
        "with",
        "on",
        "in",
        "at",
        "to",
        "from",
        "by",
        "about",
        "as",
        "just",
    ]
)
_TIME = re.compile(r"\b(?:[01]?\d|2[0-3])[:.][0-5]\d\b")
_EMOJI = re.compile(r"[\U0001F000-\U0001FAFF\u2600-\u27BF]")
# Quoted words: a message that quotes someone is often reporting or objecting to what was said.
_QUOTE = re.compile(r"[\"“”«»]|(?<!\w)'[^']+'(?!\w)")


_WORD_CACHE_SIZE = 50_000


@dataclass(frozen=True)
class TopicLexicon:
    """Lexicon categories as fast lookups: words, prefixes, suffixes and phrases."""

    words: dict[str, frozenset[str]]
    prefixes: dict[str, frozenset[str]]
    suffixes: dict[str, frozenset[str]]
    phrases: tuple[tuple[str, frozenset[str]], ...]
    symbols: tuple[tuple[str, frozenset[str]], ...]
    school: frozenset[str]
    off_topic: frozenset[str]
    # Categories that are neither: signs of a personal, kind or reporting message (features only).
    cues: frozenset[str] = frozenset()
    # First word -> the phrases starting with it.
    phrase_index: dict[str, tuple[tuple[str, frozenset[str]], ...]] = field(
        default_factory=dict, compare=False, repr=False
    )
    # Word -> categories, filled as messages come in (chat vocabulary repeats a lot).
    cache: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False, repr=False)

    def word_categories(self, word: str) -> tuple[str, ...]:
        """The categories one word belongs to (as a word, by its start or by its ending)."""
        cached = self.cache.get(word)
        if cached is not None:
            return cached
        cats: set[str] = set(self.words.get(word, ()))
        n = len(word)
        if n >= 4:
            for size in range(3, min(n, 14) + 1):
                cats.update(self.prefixes.get(word[:size], ()))
                if size < n:
                    cats.update(self.suffixes.get(word[n - size :], ()))
        result = tuple(sorted(cats))
        if len(self.cache) >= _WORD_CACHE_SIZE:
            self.cache.clear()  # bounded; a cold start is cheap
        self.cache[word] = result
        return result

    @cached_property
    def doubt_cues(self) -> frozenset[str]:
        """Cue categories that make the topic rule doubt a guess (laughter is only a tone)."""
        return self.cues - {"laughter"}

    @cached_property
    def phrase_heads(self) -> frozenset[str]:
        """First words of phrases: one set test tells whether a message can hold a phrase."""
        return frozenset(self.phrase_index)

    @cached_property
    def category_features(self) -> dict[str, tuple[str, bool]]:
        """Category -> its feature name and its side: school, off or cue (built once)."""
        return {
            cat: _category_feature(cat, self.school, self.cues)
            for cat in self.school | self.off_topic | self.cues
        }

    def categories(self, text: TextView) -> dict[str, list[str]]:
        """Category -> the lexicon entries found (for features and for evidence)."""
        found: dict[str, list[str]] = {}
        words = text.words or text.tokens
        # Hot loop (every word of every message): cached lookups, no helper call per word.
        cache = self.cache
        for word in words:
            cats = cache.get(word)
            if cats is None:
                cats = self.word_categories(word)
            for cat in cats:
                entries = found.get(cat)
                if entries is None:
                    found[cat] = [word]
                else:
                    entries.append(word)
        self.add_phrases_and_symbols(text, words, found)
        return found

    def add_phrases_and_symbols(
        self, text: TextView, words: tuple[str, ...], found: dict[str, list[str]]
    ) -> None:
        """The part of ``categories`` that is not word by word: phrases and emoji."""
        heads = self.phrase_heads.intersection(words)
        if heads:
            padded = f" {' '.join(words)} "
            # Phrases are indexed by their first word: only a few substring tests per message
            # (heads in a fixed order, so evidence does not depend on string hashing).
            for head in sorted(heads) if len(heads) > 1 else heads:
                for phrase, cats in self.phrase_index[head]:
                    if phrase in padded:
                        _add(found, cats, phrase.strip())
        raw = text.normalized
        for symbol, cats in self.symbols:
            if symbol in raw:
                _add(found, cats, symbol)


def _add(found: dict[str, list[str]], cats: Iterable[str], entry: str) -> None:
    for cat in cats:
        found.setdefault(cat, []).append(entry)


def _fold_entry(entry: str) -> str:
    view = TextView.of(entry)
    words = view.words or view.tokens
    return " ".join(words) if words else entry.strip().casefold()


def _index_phrases(
    phrases: dict[str, set[str]],
) -> dict[str, tuple[tuple[str, frozenset[str]], ...]]:
    index: dict[str, list[tuple[str, frozenset[str]]]] = {}
    for phrase, cats in sorted(phrases.items()):
        index.setdefault(phrase.split()[0], []).append((phrase, frozenset(cats)))
    return {head: tuple(items) for head, items in index.items()}


@lru_cache(maxsize=4)
def load_lexicon(path: Path = LEXICON_PATH) -> TopicLexicon:
    data = tomllib.loads(path.read_text("utf-8"))
    words: dict[str, set[str]] = {}
    prefixes: dict[str, set[str]] = {}
    suffixes: dict[str, set[str]] = {}
    phrases: dict[str, set[str]] = {}
    symbols: dict[str, set[str]] = {}
    school: set[str] = set()
    off: set[str] = set()
    cues: set[str] = set()
    for section, sink in (("school", school), ("off_topic", off), ("cues", cues)):
        for category, items in data.get(section, {}).items():
            sink.add(category)
            for item in items:
                raw = item.strip()
                if not raw:
                    continue
                if raw.endswith("*"):
                    prefixes.setdefault(_fold_entry(raw[:-1]), set()).add(category)
                elif raw.startswith("*"):
                    suffixes.setdefault(_fold_entry(raw[1:]), set()).add(category)
                else:
                    folded = _fold_entry(raw)
                    if not any(ch.isalnum() for ch in folded):  # an emoji: matched on the text
                        symbols.setdefault(raw.casefold(), set()).add(category)
                    elif " " in folded:  # a phrase: matched on the word sequence
                        phrases.setdefault(f" {folded} ", set()).add(category)
                    else:
                        words.setdefault(folded, set()).add(category)
    return TopicLexicon(
        words={k: frozenset(v) for k, v in words.items()},
        prefixes={k: frozenset(v) for k, v in prefixes.items() if len(k) >= 3},
        suffixes={k: frozenset(v) for k, v in suffixes.items() if len(k) >= 3},
        phrases=tuple((k, frozenset(v)) for k, v in sorted(phrases.items())),
        symbols=tuple((k, frozenset(v)) for k, v in sorted(symbols.items())),
        phrase_index=_index_phrases(phrases),
        school=frozenset(school),
        off_topic=frozenset(off),
        cues=frozenset(cues),
    )


_WORD_FEATS: dict[str, tuple[str, ...]] = {}


def _word_features(word: str) -> tuple[str, ...]:
    """A word's own features (cached: a pure function of the word)."""
    if word.isdigit():
        out: tuple[str, ...] = ("x:number" if len(word) < 6 else "x:long_number",)
    elif word in STOPWORDS:
        out = ()
    elif len(word) >= 7:
        out = ("w:" + word, "p:" + word[:5], "s:" + word[-5:])
    else:
        out = ("w:" + word,)
    if len(_WORD_FEATS) >= _WORD_CACHE_SIZE:
        _WORD_FEATS.clear()
    _WORD_FEATS[word] = out
    return out


def _category_feature(
    category: str, school: frozenset[str], cues: frozenset[str] = frozenset()
) -> tuple[str, str]:
    side = "school" if category in school else "cue" if category in cues else "off"
    return f"L:{side}:{category}", side


_BIGRAM = "b:{}_{}".format
_COUNT_FEATS = {
    side: tuple(f"L:{side}_n:{n}" for n in range(4)) for side in ("school", "off")
}


def features(
    text: TextView, lexicon: TopicLexicon, found: dict[str, list[str]] | None = None
) -> list[str]:
    """The sparse binary features of one message."""
    return list(feature_set(text, lexicon, found))


def feature_set(
    text: TextView, lexicon: TopicLexicon, found: dict[str, list[str]] | None = None
) -> set[str]:
    """``features`` as the set it is built in (the scorer needs no list copy)."""
    words = text.words or text.tokens
    feats: set[str] = set()
    content = []
    cache = _WORD_FEATS
    for word in words:
        word_feats = cache.get(word)
        if word_feats is None:
            word_feats = _word_features(word)
        if word_feats:
            feats.update(word_feats)
            if word_feats[0][0] == "w":
                content.append(word)
    if len(content) > 1:
        feats.update(map(_BIGRAM, content, content[1:]))  # "b:first_second" for each pair
    found = lexicon.categories(text) if found is None else found
    school_hits = 0
    off_hits = 0
    if found:
        known = lexicon.category_features
        for category, entries in found.items():
            feature, side = known.get(category) or _category_feature(
                category, lexicon.school, lexicon.cues
            )
            feats.add(feature)
            if side == "school":
                school_hits += len(entries)
            elif side == "off":
                off_hits += len(entries)
    feats.add(_COUNT_FEATS["school"][min(school_hits, 3)])
    feats.add(_COUNT_FEATS["off"][min(off_hits, 3)])
    original = text.original
    if "?" in original:
        feats.add("x:question")
    if (":" in original or "." in original) and _TIME.search(original):
        feats.add("x:time")
    if _QUOTE.search(original):
        feats.add("x:quote")
    if not original.isascii() and _EMOJI.search(original):
        feats.add("x:emoji")
    n = len(words)
    feats.add("x:len:" + ("0" if n == 0 else "1-3" if n <= 3 else "4-8" if n <= 8 else "9+"))
    return feats


@dataclass
class TopicModel:
    """Logistic regression weights: P(off topic) = sigmoid(bias + sum of weights of features)."""

    weights: dict[str, float] = field(default_factory=dict)
    bias: float = 0.0
    meta: dict[str, object] = field(default_factory=dict)

    def logit(self, feats: Iterable[str]) -> float:
        # map() keeps the lookups in C; the sum runs in the same order as a loop would.
        return self.bias + sum(map(self.weights.get, feats, repeat(0.0)))

    def probability(self, feats: Iterable[str]) -> float:
        z = max(-30.0, min(30.0, self.logit(feats)))
        return 1.0 / (1.0 + math.exp(-z))

    def top_features(self, feats: Sequence[str], n: int = 3) -> list[tuple[str, float]]:
        """The features that pushed hardest towards off-topic (for evidence)."""
        scored = [(f, self.weights.get(f, 0.0)) for f in feats]
        return sorted((x for x in scored if x[1] > 0), key=lambda x: -x[1])[:n]

    def to_json(self) -> dict[str, object]:
        return {
            "version": MODEL_VERSION,
            "bias": round(self.bias, 5),
            "meta": self.meta,
            "weights": {k: round(v, 5) for k, v in sorted(self.weights.items())},
        }

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=0), "utf-8")
        tmp.replace(path)  # atomic: a running bot never reads a half-written model

    @classmethod
    def load(cls, path: Path) -> TopicModel:
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise TopicModelError(f"cannot read topic model {path}: {exc}") from None
        if not isinstance(data, dict) or data.get("version") != MODEL_VERSION:
            raise TopicModelError(f"{path} is not a topic model of version {MODEL_VERSION}")
        weights = data.get("weights")
        if not isinstance(weights, dict):
            raise TopicModelError(f"{path} has no weights")
        return cls(
            weights={str(k): float(v) for k, v in weights.items()},
            bias=float(data.get("bias", 0.0)),
            meta=dict(data.get("meta") or {}),
        )


class TopicModelError(Exception):
    """A missing or corrupt model file, phrased for the person running the bot."""


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    off_topic: bool
    weight: float = 1.0


def read_examples(path: Path, weight: float = 1.0) -> list[Example]:
    """Training examples: JSON Lines with ``text`` and ``off_topic`` (true/false), or corpus lines
    with ``labels.off_topic``, each of ``weight`` unless the line gives its own; lines of staff
    groups are skipped, and so are harassing messages:
    the topic rule reports harassment as off topic from the harassment finding, and a model that
    learnt hostile words as "not school" flagged counter-speech and denials about groups ("racisme
    hoort hier niet", "surinamers zijn niet lui") as off topic."""
    out = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if row.get("group_kind") == "staff":  # never off topic: nothing to learn about topics
                continue
            labels = row["labels"] if isinstance(row.get("labels"), dict) else row
            if labels.get("harassment"):
                continue
            out.append(
                Example(
                    str(row["text"]), bool(labels["off_topic"]), float(row.get("weight", weight))
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a training example ({exc})") from None
    return out


def train(
    examples: Sequence[Example],
    *,
    epochs: int = 20,
    l2: float = 1e-2,
    rate: float = 0.1,
    seed: int = 13,
    min_count: int = 1,
    lexicon: TopicLexicon | None = None,
) -> TopicModel:
    """Fit logistic regression with Adagrad and L2; deterministic for a given seed."""
    lexicon = lexicon or load_lexicon()
    rows = [
        (sorted(features(TextView.of(ex.text), lexicon)), 1.0 if ex.off_topic else 0.0, ex.weight)
        for ex in examples
    ]
    counts: dict[str, int] = {}
    for feats, _, _ in rows:
        for f in feats:
            counts[f] = counts.get(f, 0) + 1
    keep = {f for f, c in counts.items() if c >= min_count or f.startswith(("L:", "x:"))}
    rows = [([f for f in feats if f in keep], y, w) for feats, y, w in rows]
    positives = sum(y for _, y, _ in rows) or 1.0
    negatives = (len(rows) - positives) or 1.0
    # Balance the classes so the decision threshold means the same whatever the mix.
    class_weight = {1.0: len(rows) / (2 * positives), 0.0: len(rows) / (2 * negatives)}
    weights: dict[str, float] = {}
    grad_sq: dict[str, float] = {}
    bias = 0.0
    bias_sq = 1e-8
    order = list(range(len(rows)))
    rng = random.Random(seed)
    for _ in range(epochs):
        rng.shuffle(order)
        for index in order:
            feats, y, w = rows[index]
            z = bias + sum(weights.get(f, 0.0) for f in feats)
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
            g = (p - y) * w * class_weight[y]
            bias_sq += g * g
            bias -= rate * g / math.sqrt(bias_sq)
            for f in feats:
                wf = weights.get(f, 0.0)
                gf = g + l2 * wf
                acc = grad_sq.get(f, 1e-8) + gf * gf
                grad_sq[f] = acc
                weights[f] = wf - rate * gf / math.sqrt(acc)
    pruned = {f: v for f, v in weights.items() if abs(v) >= 1e-3}
    return TopicModel(
        weights=pruned,
        bias=bias,
        meta={"examples": len(rows), "off_topic": int(positives), "features": len(pruned)},
    )


@lru_cache(maxsize=8)
def _cached_model(path: str, mtime: float) -> TopicModel:
    return TopicModel.load(Path(path))


def load_model(path: Path) -> TopicModel:
    """Load a model file once per change (a retrained file is picked up on its new mtime)."""
    try:
        mtime = path.stat().st_mtime
    except OSError as exc:
        raise TopicModelError(f"cannot read topic model {path}: {exc.strerror}") from None
    return _cached_model(str(path), mtime)
