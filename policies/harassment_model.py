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
3. Context the rules count as clearing (quoting to report it, a lesson, sports or a game, a staff
   member's message) settles it: see ``rules_cleared``.
4. Swearing the rules reported as ``profanity`` does not count: the swear words' features are left
   out before scoring, so untargeted swearing alone can never become harassment here.
5. Otherwise the calibrated probability decides: from ``threshold`` a ``low`` finding, from
   ``medium_threshold`` a ``medium`` one, never ``high``/``critical`` (those carry escalations and
   need a rule's explanation). Category ``model``; the evidence names the words that weighed most.

Thresholds are chosen on the dev split, never on the sealed one.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
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
MODEL_FORMAT = "schoolwacht-linear-1"
MAX_WORDS = 600  # a 4 kB paste has ~700 words; the first 600 say what it is about
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
def word_features(word: str) -> tuple[str, ...]:
    """The lemma and the character n-grams of one word (a pure function of the word: cached)."""
    padded = f"<{word}>"
    grams = {f"c:{padded[i:i + n]}" for n in NGRAMS for i in range(len(padded) - n + 1)}
    return (f"l:{lemma(word)}", *sorted(grams))


def features_by_word(words: Sequence[str], skip: frozenset[str] = frozenset()
                     ) -> list[tuple[str, tuple[str, ...]]]:
    """``(word, its features)`` for each word, then ``(pair, feature)`` for neighbouring lemmas.
    Words in ``skip`` (swearing the rules already reported) contribute nothing."""
    out: list[tuple[str, tuple[str, ...]]] = []
    kept = [w for w in words[:MAX_WORDS] if w not in skip]
    for word in kept:
        out.append((word, word_features(word)))
    lemmas = [lemma(w) for w in kept]
    for i in range(len(kept) - 1):
        out.append((f"{kept[i]} {kept[i + 1]}", (f"b:{lemmas[i]} {lemmas[i + 1]}",)))
    return out


def features(words: Sequence[str], skip: frozenset[str] = frozenset()) -> set[str]:
    """The binary features of a message's folded words (a set: each counts once)."""
    return {f for _, feats in features_by_word(words, skip) for f in feats}


def text_words(text: str) -> tuple[str, ...]:
    return TextView.of(text).words


# -- the model file and its scorer ----------------------------------------------------------------


@dataclass
class LinearModel:
    """P(harassment) = sigmoid(a * (bias + sum of the weights of the features present) + b)."""

    weights: dict[str, float] = field(default_factory=dict)
    bias: float = 0.0
    calibration: tuple[float, float] = (1.0, 0.0)  # Platt scaling (a, b) fitted on held-out folds
    meta: dict[str, Any] = field(default_factory=dict)

    def margin(self, feats: Iterable[str]) -> float:
        get = self.weights.get
        return self.bias + sum(get(f, 0.0) for f in feats)

    def probability_of(self, margin: float) -> float:
        a, b = self.calibration
        z = max(-30.0, min(30.0, a * margin + b))
        return 1.0 / (1.0 + math.exp(-z))

    def probability(self, words: Sequence[str], skip: frozenset[str] = frozenset()) -> float:
        return self.probability_of(self.margin(features(words, skip)))

    def explain(self, words: Sequence[str], skip: frozenset[str] = frozenset(), n: int = 3
                ) -> tuple[float, list[tuple[str, float]]]:
        """The probability and the words (or word pairs) that pushed hardest towards harassment.
        A feature shared by several words (the same n-gram) counts once, for the first of them."""
        seen: set[str] = set()
        contributions: dict[str, float] = {}
        get = self.weights.get
        for unit, feats in features_by_word(words, skip):
            fresh = [f for f in feats if f not in seen]
            seen.update(fresh)
            contributions[unit] = contributions.get(unit, 0.0) + sum(get(f, 0.0) for f in fresh)
        probability = self.probability_of(self.bias + sum(contributions.values()))
        top = sorted(((u, c) for u, c in contributions.items() if c > 0), key=lambda x: -x[1])
        return probability, top[:n]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": MODEL_FORMAT,
            "features": {"lemmas": list(LANGS), "char_ngrams": list(NGRAMS), "lemma_pairs": True},
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


def train(examples: Sequence[Example], *, c: float = 1.0, min_count: int = 2,
          folds: int = 5) -> LinearModel:
    """Fit the model (scikit-learn, deterministic: same examples -> same weights).

    Features seen fewer than ``min_count`` times are dropped, except those of examples weighted
    above 1 (a moderator's feedback: its own words must be able to count). The probabilities are
    calibrated by Platt scaling on out-of-fold scores.
    """
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    labels = [ex.harassment for ex in examples]
    if not any(labels) or all(labels):
        raise ValueError("training needs messages with and without harassment")
    rows = [sorted(features(text_words(ex.text))) for ex in examples]
    counts: dict[str, int] = {}
    for feats in rows:
        for f in feats:
            counts[f] = counts.get(f, 0) + 1
    keep = {f for f, n in counts.items() if n >= min_count}
    for feats, ex in zip(rows, examples, strict=True):
        if ex.weight > 1:
            keep.update(feats)
    vocabulary = {f: i for i, f in enumerate(sorted(keep))}
    indptr, indices = [0], []
    for feats in rows:
        indices.extend(vocabulary[f] for f in feats if f in vocabulary)
        indptr.append(len(indices))
    x = csr_matrix((np.ones(len(indices)), indices, indptr), shape=(len(rows), len(vocabulary)))
    y = np.array(labels, dtype=int)
    w = np.array([ex.weight for ex in examples], dtype=float)

    def estimator() -> LogisticRegression:
        return LogisticRegression(C=c, solver="lbfgs", max_iter=2000, class_weight="balanced")

    fitted = estimator().fit(x, y, sample_weight=w)
    # Platt scaling on scores of examples the scoring model did not see (fixed folds, no shuffle).
    n_folds = max(2, min(folds, int(y.sum()), int(len(y) - y.sum())))
    scores = cross_val_predict(estimator(), x, y, cv=StratifiedKFold(n_folds),
                               method="decision_function", params={"sample_weight": w})
    platt = LogisticRegression(C=1e4, solver="lbfgs").fit(scores.reshape(-1, 1), y,
                                                          sample_weight=w)
    names = sorted(vocabulary, key=vocabulary.__getitem__)
    weights = {f: float(v) for f, v in zip(names, fitted.coef_[0], strict=True) if abs(v) >= 1e-4}
    return LinearModel(
        weights=weights,
        bias=float(fitted.intercept_[0]),
        calibration=(float(platt.coef_[0][0]), float(platt.intercept_[0])),
        meta={"examples": len(examples), "harassment": int(y.sum()),
              "features": len(weights), "c": c, "min_count": min_count},
    )


# -- the policy -----------------------------------------------------------------------------------


class HarassmentModelSettings(PolicySettings):
    # Calibrated P(harassment) from which the model adds a ``low`` finding (chosen on dev).
    threshold: float = Field(0.6, ge=0.5, le=1)
    # ... and from which a ``medium`` one (never higher: high/critical need a rule).
    medium_threshold: float = Field(0.85, ge=0.5, le=1)
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


SETTLING_FLAGS = frozenset({"harassment", "wellbeing"})


@register
class HarassmentModelPolicy(TextPolicy):
    """A.10: the trained model's second opinion on messages the rules found nothing in."""

    name: ClassVar[str] = "harassment_model"
    flag: ClassVar[str] = "harassment"
    article: ClassVar[str] = articles.A10
    order: ClassVar[int] = 40
    settings_model: ClassVar[type[PolicySettings]] = HarassmentModelSettings
    kind_defaults: ClassVar[Mapping[GroupKind, Mapping[str, Any]]] = {}

    def __init__(self, env: PolicyEnv | None = None, model: LinearModel | None = None) -> None:
        super().__init__(env)
        self.model_path: Path | None = None
        if model is None:
            self.model_path, model = self._load()
        self.model = model

    def _load(self) -> tuple[Path | None, LinearModel | None]:
        """The configured file, else the school's retrained one, else the shipped one. A broken
        school model is logged and the shipped one used; without any model the rule is silent."""
        configured = self.env.options.get("harassment_model")
        candidates = [Path(configured)] if configured else [
            Path(self.env.data_dir) / LOCAL_MODEL_NAME, MODEL_PATH]
        for path in candidates:
            if not path.exists() and path != candidates[-1]:
                continue
            try:
                return path, load_model(path)
            except ModelFileError as exc:
                log.warning("harassment model unusable", extra={"error": str(exc)})
        return None, None

    def check_text(self, text: TextView, ctx: PolicyContext, event: MessageEvent) -> list[Finding]:
        model = self.model
        if model is None or text.empty:
            return []
        settings = ctx.settings
        if not isinstance(settings, HarassmentModelSettings):
            settings = HarassmentModelSettings.model_validate(settings.model_dump())
        words = text.words
        if len(words) < settings.min_words:
            return []
        swearing: set[str] = set()
        for finding in ctx.prior_findings:
            if finding.flag in SETTLING_FLAGS:
                return []  # the rules decided: a model never overrules or doubles a hard rule
            if finding.flag == "profanity":
                swearing.update(str(t) for t in (finding.data or {}).get("terms", ()))
        if rules_cleared(text, ctx, event) is not None:
            return []
        skip = frozenset(w for w in words if w in swearing or any(w.startswith(t) for t in swearing))
        probability = model.probability(words, skip)
        if probability < settings.threshold:
            return []
        _, top = model.explain(words, skip)
        severity = Severity.MEDIUM if probability >= settings.medium_threshold else Severity.LOW
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
