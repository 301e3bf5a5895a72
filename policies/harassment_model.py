"""A trained second opinion on harassment (A.10): a small linear model shipped with the project.

What it is: logistic regression over binary features of the folded words of a message (the
``TextView`` every text rule shares):

- ``l:`` the lemma of each word (simplemma, Dutch and English), so "stak", "gestoken" and "steek"
  meet in "steken";
- ``c:`` character 3- to 5-grams inside each word (``<mes``, ``mes>``), so misspellings, compounds and
  unseen inflections share most of their features with words the model has seen;
- ``b:`` pairs of neighbouring lemmas ("niet dom", "maak af"), which carry a little word order and
  negation.

It is trained by ``schoolwacht model train`` on the project's labelled corpus (``corpus/train.jsonl``,
the train split only) and, per school, on moderator feedback (``/fb``, the 👎 button). The fitted
weights are a plain JSON file (``policies/model_data/harassment_model.json``: feature -> weight,
bias and the two calibration numbers), read by the small scorer below: no pickle, no sklearn at run
time. A school's retrained model (``var/harassment_model.json``) wins over the shipped one.

How it combines with the rules (order 40: after harassment 20 and wellbeing 30, before topic 60):

1. A harassment finding of the rules settles the message: the model never runs, so it can never
   remove or lower a rule's finding (a model cannot overrule a hard rule).
2. A wellbeing finding settles it too: a student who may hurt themself is cared for, not reported
   for harassment.
3. Context the rules count as clearing (quoting to report it, counter-speech, a lesson, sports or
   a game, a staff member's message, a hostile reading whose meaning the rules found changed by
   negation or quotation) settles it: see ``rules_cleared``.
4. Swearing the rules reported as ``profanity`` does not count: the swear words' features are left
   out before scoring, so untargeted swearing alone can never become harassment here.
5. Otherwise the calibrated probability decides: from ``threshold`` a ``low`` finding, from
   ``medium_threshold`` a ``medium`` one, never ``high``/``critical`` (those carry escalations and
   need a rule's explanation). Category ``model``; the evidence names the words that weighed most.

Features and regularisation are chosen by cross-validation on the train split, the thresholds on
out-of-fold probabilities of the training data (stored in the model file); dev is a check only,
and the sealed split is never used (docs/detection.md).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field

from core.events import GroupKind, MessageEvent, Role
from core.findings import ActionKind, Finding, Severity
from policies import articles
from policies.base import PolicyContext, PolicyEnv, PolicySettings, TextPolicy
from policies.registry import register
from policies.text import TextView

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).parent
MODEL_PATH = PACKAGE_DIR / "model_data" / "harassment_model.json"
LOCAL_MODEL_NAME = "harassment_model.json"
CORPUS_DIR = PACKAGE_DIR.parent / "corpus"
# Clean messages written for the model where the corpus had too few (policies/model_data/README.md).
EXTRA_EXAMPLES = PACKAGE_DIR / "model_data" / "extra_examples.jsonl"
MODEL_FORMAT = "schoolwacht-linear-1"
MAX_WORDS = 600  # the reference reads at most this many words of a message
# A message is read in windows of WINDOW words (every training message fits in one); a longer
# paste is scored per window, stepping STRIDE words, and the most hostile of the first
# MAX_WINDOWS windows counts (a 4 kB paste costs ~4 windows, not ~700 words of features).
WINDOW = 64
STRIDE = 48
MAX_WINDOWS = 4
LANGS = ("nl", "en")
NGRAMS = (3, 4, 5)
_CACHE_SIZE = 50_000


class ModelFileError(Exception):
    """A missing or corrupt model file, phrased for the person running the bot."""


# -- features -------------------------------------------------------------------------------------


@lru_cache(maxsize=_CACHE_SIZE)
def lemma(word: str) -> str:
    """The word's lemma in Dutch or English (simplemma's dictionaries; the word itself if unknown)."""
    import simplemma

    if word.isdigit():
        return "0"
    try:
        return simplemma.lemmatize(word, lang=LANGS)
    except ValueError:  # simplemma refuses a few odd tokens
        return word


@lru_cache(maxsize=_CACHE_SIZE)
def word_features(word: str, ngrams: tuple[int, ...] = NGRAMS) -> tuple[str, ...]:
    """The lemma and the character n-grams of one word (a pure function of the word: cached)."""
    padded = f"<{word}>"
    grams = {f"c:{padded[i:i + n]}" for n in ngrams for i in range(len(padded) - n + 1)}
    return (f"l:{lemma(word)}", *sorted(grams))


@dataclass(frozen=True)
class FeatureSpec:
    """Which features a model reads; stored in its file so a scorer reads what it was trained on.

    ``values``: ``binary`` (present or not) or ``sublinear_l2`` (1 + log(count), the message's
    vector scaled to length 1, so a long message does not outweigh a short one by its length).
    ``cues``: whole-message features from the rules' vocabulary (who is addressed, a negation,
    quote marks): ``t:you``, ``t:name``, ``t:group``, ``t:none``, ``m:neg``, ``m:quote``.
    ``classes``: with the cues, the rules' predicate classes the message's words stand for
    (``p:violence``), alone and with who is addressed (``t:you&p:violence``): a word the
    training data never had, but the lexicon has, still counts as its class.
    """

    ngrams: tuple[int, ...] = NGRAMS
    pairs: bool = True
    cues: bool = False
    values: str = "binary"
    classes: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"lemmas": list(LANGS), "char_ngrams": list(self.ngrams), "lemma_pairs": self.pairs,
                "cues": self.cues, "values": self.values, "classes": self.classes}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> FeatureSpec:
        if not data:
            return cls()
        return cls(ngrams=tuple(int(n) for n in data.get("char_ngrams", NGRAMS)),
                   pairs=bool(data.get("lemma_pairs", True)), cues=bool(data.get("cues", False)),
                   values=str(data.get("values", "binary")),
                   classes=bool(data.get("classes", False)))


@lru_cache(maxsize=1)
def _cue_words() -> dict[str, frozenset[str]]:
    """Who a message may address and how it may be framed, from the rules' own data (one source
    of truth: the language vocabulary and the harassment lexicon's names and groups)."""
    from policies.harassment import lexicon as harassment_lexicon
    from policies.language import vocabulary

    vocab, lexicon = vocabulary(), harassment_lexicon()
    return {"you": frozenset(vocab.second_person), "name": frozenset(lexicon.names),
            "group": frozenset(lexicon.groups), "neg": frozenset(vocab.negators)}


@lru_cache(maxsize=65_536)
def word_classes(word: str) -> frozenset[str]:
    """The predicate classes of the rules' lexicon a folded word stands for (by its lemmas and
    spelling correction, as the rules read it; one-word terms only)."""
    from policies.harassment import lexicon as harassment_lexicon

    lex = harassment_lexicon()
    return frozenset(t.predicate.name for t in lex.terms_of(lex.reader.word_lemmas(word)))


def _class_label(name: str) -> str:
    from policies.harassment import lexicon as harassment_lexicon

    predicates = harassment_lexicon().predicates
    return predicates[name].label if name in predicates else name


def cue_features(words: Sequence[str], original: str = "", classes: bool = False) -> list[str]:
    """Whole-message cues: ``t:you``/``t:name``/``t:group`` (or ``t:none``), ``m:neg``,
    ``m:quote``; with ``classes`` also ``p:<class>`` and ``t:<kind>&p:<class>``."""
    cues = _cue_words()
    present = set(words)
    out = [f"t:{kind}" for kind in ("you", "name", "group") if not present.isdisjoint(cues[kind])]
    if not out:
        out.append("t:none")
    if classes:
        found = sorted(frozenset().union(*(word_classes(w) for w in present)))
        out.extend([f"p:{c}" for c in found] + [f"{t}&p:{c}" for t in out for c in found])
    if not present.isdisjoint(cues["neg"]):
        out.append("m:neg")
    if not _QUOTE_MARKS.isdisjoint(original):
        out.append("m:quote")
    return out


def features_by_word(words: Sequence[str], skip: frozenset[str] = frozenset(),
                     spec: FeatureSpec | None = None) -> list[tuple[str, tuple[str, ...]]]:
    """``(word, its features)`` for each word, then ``(pair, feature)`` for neighbouring lemmas.
    Words in ``skip`` (swearing the rules already reported) contribute nothing."""
    spec = spec or DEFAULT_SPEC
    out: list[tuple[str, tuple[str, ...]]] = []
    kept = [w for w in words[:MAX_WORDS] if w not in skip]
    for word in kept:
        out.append((word, word_features(word, spec.ngrams)))
    if spec.pairs:
        lemmas = [lemma(w) for w in kept]
        for i in range(len(kept) - 1):
            out.append((f"{kept[i]} {kept[i + 1]}", (f"b:{lemmas[i]} {lemmas[i + 1]}",)))
    return out


def feature_counts(words: Sequence[str], skip: frozenset[str] = frozenset(),
                   spec: FeatureSpec | None = None, original: str = "") -> dict[str, int]:
    """How often each feature occurs in a message (the reference the scorer is pinned to)."""
    spec = spec or DEFAULT_SPEC
    counts: dict[str, int] = {}
    for _, feats in features_by_word(words, skip, spec):
        for f in feats:
            counts[f] = counts.get(f, 0) + 1
    if spec.cues:
        for f in cue_features([w for w in words[:MAX_WORDS] if w not in skip], original,
                              spec.classes):
            counts[f] = counts.get(f, 0) + 1
    return counts


def feature_values(counts: Mapping[str, int], spec: FeatureSpec | None = None
                   ) -> dict[str, float]:
    """The vector the weights are applied to: 1 per feature present, or sublinear counts scaled to
    length 1 (over every feature of the message, known to the model or not)."""
    spec = spec or DEFAULT_SPEC
    if spec.values == "binary":
        return dict.fromkeys(counts, 1.0)
    raw = {f: 1.0 + math.log(n) for f, n in counts.items()}
    norm = math.sqrt(sum(v * v for v in raw.values())) or 1.0
    return {f: v / norm for f, v in raw.items()}


def features(words: Sequence[str], skip: frozenset[str] = frozenset(),
             spec: FeatureSpec | None = None) -> set[str]:
    """The features present in a message's folded words (a set)."""
    return set(feature_counts(words, skip, spec))


DEFAULT_SPEC = FeatureSpec()
_QUOTE_MARKS = frozenset("\"“”«»")  # not the apostrophe: "zo'n", "m'n"


def text_words(text: str) -> tuple[str, ...]:
    return TextView.of(text).words


# -- the model file and its scorer ----------------------------------------------------------------


def windows(words: Sequence[str]) -> list[Sequence[str]]:
    """The word windows a message is scored on: the whole message when it fits in ``WINDOW``
    words, else the first ``MAX_WINDOWS`` windows of ``WINDOW`` words, ``STRIDE`` apart."""
    if len(words) <= WINDOW:
        return [words]
    starts = range(0, min(len(words) - WINDOW, STRIDE * (MAX_WINDOWS - 1)) + 1, STRIDE)
    return [words[i:i + WINDOW] for i in starts]


@dataclass
class LinearModel:
    """P(harassment) = sigmoid(a * (bias + weights . feature values) + b), per window; the
    message's probability is its most hostile window's."""

    weights: dict[str, float] = field(default_factory=dict)
    bias: float = 0.0
    calibration: tuple[float, float] = (1.0, 0.0)  # Platt scaling (a, b) fitted on held-out folds
    meta: dict[str, Any] = field(default_factory=dict)
    spec: FeatureSpec = DEFAULT_SPEC

    def margin(self, feats: Iterable[str] | Mapping[str, float]) -> float:
        """The bias plus the weights of ``feats`` (a set: each counts 1; a mapping: its value)."""
        get = self.weights.get
        if isinstance(feats, Mapping):
            return self.bias + sum(get(f, 0.0) * v for f, v in feats.items())
        return self.bias + sum(get(f, 0.0) for f in feats)

    def probability_of(self, margin: float) -> float:
        a, b = self.calibration
        z = max(-30.0, min(30.0, a * margin + b))
        return 1.0 / (1.0 + math.exp(-z))

    def _window_margin(self, words: Sequence[str], original: str) -> float:
        """The margin of one window, straight from the cached per-word features (the fast path;
        ``tests/test_harassment_model.py`` pins it to ``feature_values(feature_counts(...))``)."""
        spec = self.spec
        counts: dict[str, int] = {}
        get_count = counts.get
        for word in words:
            for f in word_features(word, spec.ngrams):
                counts[f] = get_count(f, 0) + 1
        if spec.pairs and len(words) > 1:
            lemmas = [lemma(w) for w in words]
            for pair in pairwise(lemmas):
                f = f"b:{pair[0]} {pair[1]}"
                counts[f] = get_count(f, 0) + 1
        if spec.cues:
            for f in cue_features(words, original, spec.classes):
                counts[f] = get_count(f, 0) + 1
        get = self.weights.get
        if spec.values == "binary":
            return self.bias + sum(get(f, 0.0) for f in counts)
        total = norm = 0.0
        for f, n in counts.items():
            v = 1.0 + math.log(n) if n > 1 else 1.0
            norm += v * v
            total += get(f, 0.0) * v
        return self.bias + (total / math.sqrt(norm) if norm else 0.0)

    def probability(self, words: Sequence[str], skip: frozenset[str] = frozenset(),
                    original: str = "") -> float:
        """P(harassment) of a message: of its most hostile window."""
        kept = [w for w in words if w not in skip] if skip else words
        return max((self.probability_of(self._window_margin(window, original))
                    for window in windows(kept)), default=self.probability_of(self.bias))

    def reference_probability(self, words: Sequence[str], skip: frozenset[str] = frozenset(),
                              original: str = "") -> float:
        """The plain definition (one window: the message's first ``MAX_WORDS`` words)."""
        counts = feature_counts(words, skip, self.spec, original)
        return self.probability_of(self.margin(feature_values(counts, self.spec)))

    def explain(self, words: Sequence[str], skip: frozenset[str] = frozenset(), n: int = 3,
                original: str = "") -> tuple[float, list[tuple[str, float]]]:
        """The probability and the words (or word pairs) of the most hostile window that pushed
        hardest towards harassment. A feature shared by several words (the same n-gram) counts
        once, for the first of them; the cues (who is addressed) are named ``(aangesproken)``, a
        predicate class by its label (``(geweld)``)."""
        kept = [w for w in words if w not in skip] if skip else list(words)
        best = max(windows(kept), key=lambda w: self._window_margin(w, original))
        values = feature_values(feature_counts(best, spec=self.spec, original=original), self.spec)
        units = features_by_word(best, spec=self.spec)
        if self.spec.cues:
            cues = cue_features(best, original, self.spec.classes)
            units.append(("(aangesproken)", tuple(f for f in cues if "p:" not in f)))
            by_class: dict[str, list[str]] = {}
            for f in cues:
                if "p:" in f:
                    by_class.setdefault(f.split("p:", 1)[1], []).append(f)
            units.extend((f"({_class_label(c)})", tuple(fs)) for c, fs in by_class.items())
        seen: set[str] = set()
        contributions: dict[str, float] = {}
        get = self.weights.get
        for unit, feats in units:
            fresh = [f for f in feats if f not in seen]
            seen.update(fresh)
            contributions[unit] = contributions.get(unit, 0.0) + sum(
                get(f, 0.0) * values.get(f, 0.0) for f in fresh)
        probability = self.probability_of(self.bias + sum(contributions.values()))
        top = sorted(((u, c) for u, c in contributions.items() if c > 0), key=lambda x: -x[1])
        return probability, top[:n]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": MODEL_FORMAT,
            "features": self.spec.to_json(),
            "bias": round(self.bias, 6),
            "calibration": [round(self.calibration[0], 6), round(self.calibration[1], 6)],
            "meta": self.meta,
            "weights": {k: round(v, 5) for k, v in sorted(self.weights.items())},
        }

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=0, sort_keys=False),
                       "utf-8")
        tmp.replace(path)  # atomic: a running bot never reads a half-written model

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        try:
            data = json.loads(Path(path).read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelFileError(f"cannot read harassment model {path}: {exc}") from None
        if not isinstance(data, dict) or data.get("format") != MODEL_FORMAT:
            raise ModelFileError(f"{path} is not a harassment model ({MODEL_FORMAT})")
        weights = data.get("weights")
        calibration = data.get("calibration")
        if not isinstance(weights, dict) or not (
            isinstance(calibration, list) and len(calibration) == 2
        ):
            raise ModelFileError(f"{path} has no weights or calibration")
        try:
            return cls(
                weights={str(k): float(v) for k, v in weights.items()},
                bias=float(data.get("bias", 0.0)),
                calibration=(float(calibration[0]), float(calibration[1])),
                meta=dict(data.get("meta") or {}),
                spec=FeatureSpec.from_json(data.get("features")),
            )
        except (TypeError, ValueError) as exc:
            raise ModelFileError(f"{path}: {exc}") from None


# -- training -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    harassment: bool
    weight: float = 1.0


def read_corpus(path: Path, flag: str = "harassment") -> list[Example]:
    """Labelled corpus lines (``{"text", "labels": {flag: bool}}``; also ``{"text", flag: bool}``).
    Lines without the label or without text are skipped."""
    out = []
    for number, line in enumerate(Path(path).read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise ValueError(f"{path}:{number}: not JSON ({exc})") from None
        labels = row.get("labels") if isinstance(row.get("labels"), dict) else row
        if flag not in labels or not row.get("text"):
            continue
        out.append(Example(str(row["text"]), bool(labels[flag]), float(row.get("weight", 1))))
    return out


TRAINED_SPEC = FeatureSpec(values="sublinear_l2", cues=True, classes=True)
TRAINED_C = 10.0  # chosen by 5-fold cross-validation on the train split (docs/detection.md)
# Thresholds are read off the out-of-fold probabilities of the training data: the lowest at
# which the model's own precision reaches these (``low`` and ``medium`` findings).
LOW_PRECISION = 0.90
MEDIUM_PRECISION = 0.95
# ... and, when the rules' verdicts are known (``train(left=…)``), the precision among the messages
# the rules leave to the model, the only ones it ever judges. Few of those are harassment, so the
# same threshold shows a lower precision there; a ``low`` finding only notifies a moderator, and
# at 0.80 the model lost critical messages it alone found (dev: 206 -> 202 of 214 critical).
LEFT_LOW_PRECISION = 0.78
LEFT_MEDIUM_PRECISION = 0.90


def example_features(ex: Example, spec: FeatureSpec) -> dict[str, float]:
    view = TextView.of(ex.text)
    return feature_values(feature_counts(windows(view.words)[0], spec=spec,
                                         original=view.original), spec)


def choose_thresholds(probabilities: Sequence[float], labels: Sequence[bool], *,
                      low_precision: float = LOW_PRECISION,
                      medium_precision: float = MEDIUM_PRECISION) -> dict[str, float]:
    """The lowest thresholds (0.50 … 0.99) at which the model's precision on held-out scores
    reaches ``low_precision`` and ``medium_precision`` (0.99 when it never does)."""
    def lowest(wanted: float, start: int = 50) -> float:
        for step in range(start, 100):
            t = step / 100
            hits = [y for p, y in zip(probabilities, labels, strict=True) if p >= t]
            if hits and sum(hits) / len(hits) >= wanted:
                return t
        return 0.99

    low = lowest(low_precision)
    return {"threshold": low, "medium_threshold": lowest(medium_precision, round(low * 100))}


def train(examples: Sequence[Example], *, c: float = TRAINED_C, min_count: int = 2,
          folds: int = 5, spec: FeatureSpec = TRAINED_SPEC,
          left: Sequence[bool] | None = None) -> LinearModel:
    """Fit the model (scikit-learn, deterministic: same examples -> same weights).

    Features seen fewer than ``min_count`` times are dropped, except those of examples weighted
    above 1 (a moderator's feedback: its own words must be able to count). The probabilities are
    calibrated by Platt scaling on out-of-fold scores (fixed, seeded folds), and the thresholds
    are chosen on those out-of-fold probabilities (``choose_thresholds``), never on dev or sealed.
    ``left`` marks the examples the rules leave to the model (``left_to_model``): the model is
    fitted on all of them, but its thresholds are chosen where it acts, on those marked
    (``LEFT_LOW_PRECISION``); without it, on all examples (``LOW_PRECISION``).
    """
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    labels = [ex.harassment for ex in examples]
    if not any(labels) or all(labels):
        raise ValueError("training needs messages with and without harassment")
    rows = [example_features(ex, spec) for ex in examples]
    counts: dict[str, int] = {}
    for feats in rows:
        for f in feats:
            counts[f] = counts.get(f, 0) + 1
    keep = {f for f, n in counts.items() if n >= min_count}
    for feats, ex in zip(rows, examples, strict=True):
        if ex.weight > 1:
            keep.update(feats)
    vocabulary = {f: i for i, f in enumerate(sorted(keep))}
    indptr, indices, values = [0], [], []
    for feats in rows:
        for f in sorted(feats):
            if f in vocabulary:
                indices.append(vocabulary[f])
                values.append(feats[f])
        indptr.append(len(indices))
    x = csr_matrix((np.array(values, dtype=float), indices, indptr),
                   shape=(len(rows), len(vocabulary)))
    y = np.array(labels, dtype=int)
    w = np.array([ex.weight for ex in examples], dtype=float)

    def estimator() -> LogisticRegression:
        return LogisticRegression(C=c, solver="lbfgs", max_iter=3000, class_weight="balanced")

    fitted = estimator().fit(x, y, sample_weight=w)
    # Platt scaling on scores of examples the scoring model did not see (seeded folds).
    n_folds = max(2, min(folds, int(y.sum()), int(len(y) - y.sum())))
    scores = cross_val_predict(estimator(), x, y,
                               cv=StratifiedKFold(n_folds, shuffle=True, random_state=0),
                               method="decision_function", params={"sample_weight": w})
    platt = LogisticRegression(C=1e4, solver="lbfgs").fit(scores.reshape(-1, 1), y,
                                                          sample_weight=w)
    a, b = float(platt.coef_[0][0]), float(platt.intercept_[0])
    if a <= 0:  # held-out scores that say nothing (too few examples): the plain sigmoid
        a, b = 1.0, 0.0
    held_out = [1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, a * s + b)))) for s in scores]
    if left is not None:
        if len(left) != len(examples):
            raise ValueError("left must mark every example")
        chosen = [(p, y) for p, y, judged in zip(held_out, labels, left, strict=True) if judged]
        thresholds = choose_thresholds([p for p, _ in chosen], [y for _, y in chosen],
                                       low_precision=LEFT_LOW_PRECISION,
                                       medium_precision=LEFT_MEDIUM_PRECISION)
        chosen_on = (f"{n_folds}-fold out-of-fold probabilities of the {len(chosen)} training "
                     "examples the rules leave to the model")
    else:
        thresholds = choose_thresholds(held_out, labels)
        chosen_on = f"{n_folds}-fold out-of-fold probabilities of the training examples"
    names = sorted(vocabulary, key=vocabulary.__getitem__)
    weights = {f: float(v) for f, v in zip(names, fitted.coef_[0], strict=True) if abs(v) >= 1e-4}
    return LinearModel(
        weights=weights,
        bias=float(fitted.intercept_[0]),
        calibration=(a, b),
        meta={"examples": len(examples), "harassment": int(y.sum()),
              "features": len(weights), "c": c, "min_count": min_count,
              "thresholds": thresholds, "thresholds_chosen_on": chosen_on},
        spec=spec,
    )


# -- the policy -----------------------------------------------------------------------------------


class HarassmentModelSettings(PolicySettings):
    # Calibrated P(harassment) from which the model adds a ``low`` finding. Default: the one
    # stored in the model file, chosen when it was trained on out-of-fold probabilities.
    threshold: float | None = Field(None, ge=0.5, le=1)
    # ... and from which a ``medium`` one (never higher: high/critical need a rule).
    medium_threshold: float | None = Field(None, ge=0.5, le=1)
    # Shorter messages ("ok", "haha jij") carry too little for a model to judge.
    min_words: int = Field(3, ge=1)
    actions: dict[str, list[ActionKind]] = Field(
        default_factory=lambda: {"low": [ActionKind.NOTIFY], "medium": [ActionKind.NOTIFY]}
    )


@lru_cache(maxsize=1)
def _context_words() -> dict[str, frozenset[str]]:
    """The clearing contexts of the harassment lexicons (one source of truth with the rules)."""
    from policies.harassment import lexicon as harassment_lexicon

    lexicon = harassment_lexicon()

    def ctx(*names: str) -> frozenset[str]:
        return frozenset().union(*(lexicon.modality.get(n, frozenset()) for n in names))

    return {
        "report": ctx("report_verbs"),
        "report_whom": ctx("report_addressees", "report_victims"),
        "lesson": ctx("lesson_words"),
        "game": ctx("game_words"),
        "you": lexicon.vocab.second_person,
    }


_QUOTES = frozenset("\"'“”‘’«»")


def rules_cleared(text: TextView, ctx: PolicyContext, event: MessageEvent) -> str | None:
    """Why the rules would clear this message by its context, or None.

    The harassment rule may say so itself: a prior finding whose ``data["modality"]`` names a
    clearing modality (negation, quotation, report, game, lesson, self) settles the message. Until
    it does, the same contexts are read from the rule's own lexicon (``[context]``): quoting to
    report it, a lesson, sports or a game talked about with nobody addressed, and a staff
    member's message.
    """
    for finding in ctx.prior_findings:
        modality = finding.data.get("modality") if finding.data else None
        if modality:
            return str(modality)
    hook = getattr(_harassment_module(), "clearing_modality", None)
    if hook is not None:
        return hook(text, ctx, event)
    if Role(ctx.sender_role).is_staff:
        return "staff"
    words = text.word_set
    known = _context_words()
    if not words.isdisjoint(known["report"]) and (
        not words.isdisjoint(known["report_whom"]) or not _QUOTES.isdisjoint(text.original)
    ):
        return "report"
    # A lesson, a sport or a game talked about with nobody addressed ("na de les pak ik je" is
    # addressed, and stays the model's to judge).
    addressed = bool(event.reply_to_sender_id or event.mentions) or not words.isdisjoint(
        known["you"])
    if not addressed and not words.isdisjoint(known["lesson"]):
        return "lesson"
    if not addressed and not words.isdisjoint(known["game"]):
        return "game"
    return None


def _harassment_module() -> Any:
    import policies.harassment as module

    return module


@lru_cache(maxsize=8)
def _cached(path: str, mtime: float) -> LinearModel:
    return LinearModel.load(Path(path))


def load_model(path: Path) -> LinearModel:
    """Load a model file once per change (a retrained file is picked up on its new mtime)."""
    try:
        mtime = Path(path).stat().st_mtime
    except OSError as exc:
        raise ModelFileError(f"cannot read harassment model {path}: {exc.strerror}") from None
    return _cached(str(path), mtime)


def load_first(candidates: Sequence[Path], what: str) -> tuple[Path | None, LinearModel | None]:
    """The first model file of ``candidates`` that exists and loads (the last one is tried even
    when missing, so its error is logged). A broken school model is logged and the next one used;
    without any model the rule stays silent."""
    for path in candidates:
        if not path.exists() and path != candidates[-1]:
            continue
        try:
            return path, load_model(path)
        except ModelFileError as exc:
            log.warning("%s model unusable", what, extra={"error": str(exc)})
    return None, None


SETTLING_FLAGS = frozenset({"harassment", "wellbeing"})


def _settled(ctx: PolicyContext) -> bool:
    return any(f.flag in SETTLING_FLAGS for f in ctx.prior_findings)


def left_to_model(text: TextView, ctx: PolicyContext, event: MessageEvent,
                  min_words: int = 3) -> bool:
    """Would the model judge this message? Not when it is too short, when the rules found
    harassment or a care signal, or when their context clears it (``rules_cleared``). The same
    test as the policy's; ``model train`` uses it to choose thresholds where the model acts."""
    return (len(text.words) >= min_words and not _settled(ctx)
            and rules_cleared(text, ctx, event) is None)


# For a model file without stored thresholds (an older file).
FALLBACK_THRESHOLD = 0.6
FALLBACK_MEDIUM_THRESHOLD = 0.85


class LinearModelPolicy(TextPolicy):
    """A text policy scored by a ``LinearModel`` file: the model handed in (tests), else the first
    of ``model_files()`` that loads (``load_first``); without one the policy stays silent."""

    def __init__(self, env: PolicyEnv | None = None, model: LinearModel | None = None) -> None:
        super().__init__(env)
        self.model_path: Path | None = None
        if model is None:
            self.model_path, model = load_first(self.model_files(), self.flag)
        self.model = model

    def model_files(self) -> list[Path]:
        raise NotImplementedError


@register
class HarassmentModelPolicy(LinearModelPolicy):
    """A.10: the trained model's second opinion on messages the rules found nothing in."""

    name: ClassVar[str] = "harassment_model"
    flag: ClassVar[str] = "harassment"
    article: ClassVar[str] = articles.A10
    order: ClassVar[int] = 40
    settings_model: ClassVar[type[PolicySettings]] = HarassmentModelSettings
    kind_defaults: ClassVar[Mapping[GroupKind, Mapping[str, Any]]] = {}

    def model_files(self) -> list[Path]:
        """The configured file, else the school's retrained one, else the shipped one."""
        configured = self.env.options.harassment_model
        return [Path(configured)] if configured else [
            Path(self.env.data_dir) / LOCAL_MODEL_NAME, MODEL_PATH]

    def check_text(self, text: TextView, ctx: PolicyContext, event: MessageEvent) -> list[Finding]:
        model = self.model
        if model is None or text.empty:
            return []
        settings = ctx.settings
        if not isinstance(settings, HarassmentModelSettings):
            settings = HarassmentModelSettings.model_validate(settings.model_dump())
        words = text.words
        if len(words) < settings.min_words or _settled(ctx):
            return []  # the rules decided: a model never overrules or doubles a hard rule
        swearing: set[str] = set()
        for finding in ctx.prior_findings:
            if finding.flag == "profanity":
                swearing.update(str(t) for t in (finding.data or {}).get("terms", ()))
        skip = frozenset(w for w in words if w in swearing or any(w.startswith(t) for t in swearing))
        probability = model.probability(words, skip, text.original)
        stored = model.meta.get("thresholds") or {}
        threshold = settings.threshold or float(stored.get("threshold", FALLBACK_THRESHOLD))
        medium = settings.medium_threshold or float(
            stored.get("medium_threshold", FALLBACK_MEDIUM_THRESHOLD))
        # The cheap question first: the rules' clearing context is read only for a message the
        # model would flag (most messages stop here).
        if probability < threshold or rules_cleared(text, ctx, event) is not None:
            return []
        _, top = model.explain(words, skip, original=text.original)
        severity = Severity.MEDIUM if probability >= max(medium, threshold) else Severity.LOW
        shown = ", ".join(f"'{unit}'" for unit, _ in top) or "de zin als geheel"
        targets = tuple(t for t in (event.reply_to_sender_id, *event.mentions) if t)
        return [
            Finding(
                policy=self.name, flag=self.flag, article=self.article, score=probability,
                severity=severity, category="model",
                evidence=(f"getraind model: kans {probability:.2f} op pesten of bedreigen; "
                          f"woorden die het zwaarst wogen: {shown}; geen woordregel vond iets"),
                targets=targets,
                data={"probability": round(probability, 4), "words": [u for u, _ in top]},
            )
        ]
