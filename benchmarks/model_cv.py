"""Choose the trained model's features and regularisation by 5-fold cross-validation on the TRAIN
split, then check each candidate once on dev (docs/detection.md, section 4).

For each candidate: out-of-fold AUC and, with the rules' own verdicts, rules+model precision/recall/F1
at the threshold ``schoolwacht model train`` would choose (``choose_thresholds`` on the out-of-fold
probabilities of the training messages the rules leave to the model, ``LEFT_LOW_PRECISION``); then
the model trained on all of train, scored on dev at that threshold.

    .venv/bin/python benchmarks/model_cv.py

The sealed split is never read here.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

import policies.harassment_model as hm
from bot.checker import Checker, event_from_input
from bot.config import AppConfig
from policies.text import TextView

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
CANDIDATES = [
    (hm.FeatureSpec(), 1.0),
    (hm.FeatureSpec(values="sublinear_l2"), 10.0),
    (hm.FeatureSpec(values="sublinear_l2", cues=True), 10.0),
    (hm.FeatureSpec(values="sublinear_l2", cues=True, pairs=False), 10.0),
    (hm.FeatureSpec(values="sublinear_l2", ngrams=(3, 4)), 10.0),
    (hm.FeatureSpec(values="sublinear_l2"), 3.0),
    (hm.FeatureSpec(values="sublinear_l2"), 30.0),
    (hm.FeatureSpec(values="sublinear_l2", cues=True, classes=True), 3.0),
    (hm.TRAINED_SPEC, hm.TRAINED_C),  # the shipped one: lemmas, n-grams, pairs, cues, rule classes
    (hm.FeatureSpec(values="sublinear_l2", cues=True, classes=True), 30.0),
]


async def rules_verdicts(rows: list[dict]) -> list[dict]:
    """Per row: the rules' flags and whether the model would run at all (a stand-in model that
    always fires shows where the rules let it)."""
    original = hm.load_model
    hm.load_model = lambda path: hm.LinearModel(bias=30.0)
    low = {"threshold": 0.5, "medium_threshold": 0.5}
    config = AppConfig.model_validate({"policies": {
        kind: {"policies": {"harassment_model": low}} for kind in ("class", "parent", "staff")}})
    checker = Checker.from_config(config)
    out = []
    try:
        for number, row in enumerate(rows, 1):
            event, kind = event_from_input(row, number)
            verdict = await checker.evaluate(event, kind)
            out.append({"rules": any(f.flag == "harassment" and f.policy != "harassment_model"
                                     for f in verdict.findings),
                        "eligible": any(f.policy == "harassment_model" for f in verdict.findings)})
    finally:
        await checker.aclose()
        hm.load_model = original
    return out


def vectors(texts: list[str], spec: hm.FeatureSpec) -> list[dict[str, float]]:
    out = []
    for text in texts:
        view = TextView.of(text)
        counts = hm.feature_counts(hm.windows(view.words)[0], spec=spec, original=view.original)
        out.append(hm.feature_values(counts, spec))
    return out


def matrix(rows: list[dict[str, float]], vocab: dict[str, int]) -> csr_matrix:
    indptr, idx, val = [0], [], []
    for row in rows:
        for f, x in row.items():
            if f in vocab:
                idx.append(vocab[f])
                val.append(x)
        indptr.append(len(idx))
    return csr_matrix((val, idx, indptr), shape=(len(rows), len(vocab)))


def fit(rows: list[dict[str, float]], y: np.ndarray, c: float):
    counts: dict[str, int] = {}
    for row in rows:
        for f in row:
            counts[f] = counts.get(f, 0) + 1
    vocab = {f: i for i, f in enumerate(sorted(f for f, n in counts.items() if n >= 2))}
    clf = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
    return clf.fit(matrix(rows, vocab), y), vocab


def combined(rows, verdicts, probs, t):
    tp = fp = fn = clean = clean_fp = 0
    for row, v, p in zip(rows, verdicts, probs, strict=True):
        pred = v["rules"] or (v["eligible"] and p >= t)
        gold = bool(row["labels"]["harassment"])
        tp, fp, fn = tp + (pred and gold), fp + (pred and not gold), fn + (gold and not pred)
        if not any(row["labels"].values()):
            clean, clean_fp = clean + 1, clean_fp + pred
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    return prec, rec, 2 * prec * rec / (prec + rec) if prec + rec else 0.0, clean_fp / clean


def main() -> None:
    def load(name: str) -> list[dict]:
        return [json.loads(x) for x in (CORPUS / name).read_text("utf-8").splitlines() if x.strip()]

    train, dev = load("train.jsonl"), load("dev.jsonl")
    extra = [{"text": e.text, "labels": {"harassment": e.harassment}, "category": "own"}
             for e in hm.read_corpus(hm.EXTRA_EXAMPLES)]
    v_train, v_dev = asyncio.run(rules_verdicts(train)), asyncio.run(rules_verdicts(dev))
    rows = train + extra
    left = [v["eligible"] for v in v_train + asyncio.run(rules_verdicts(extra))]
    y = np.array([r["labels"]["harassment"] for r in rows], dtype=int)
    strata = [f"{r.get('category')}|{r['labels']['harassment']}" for r in rows]
    strata = [s if strata.count(s) >= 5 else s.split("|")[1] for s in strata]
    for spec, c in CANDIDATES:
        x = vectors([r["text"] for r in rows], spec)
        oof = np.zeros(len(rows))
        for tr, te in StratifiedKFold(5, shuffle=True, random_state=0).split(x, strata):
            clf, vocab = fit([x[i] for i in tr], y[tr], c)
            oof[te] = clf.decision_function(matrix([x[i] for i in te], vocab))
        platt = LogisticRegression(C=1e4).fit(oof.reshape(-1, 1), y)
        held_out = platt.predict_proba(oof.reshape(-1, 1))[:, 1]
        t = hm.choose_thresholds(
            [q for q, judged in zip(held_out, left, strict=True) if judged],
            [bool(g) for g, judged in zip(y, left, strict=True) if judged],
            low_precision=hm.LEFT_LOW_PRECISION,
            medium_precision=hm.LEFT_MEDIUM_PRECISION)["threshold"]
        best = (t, combined(train, v_train, held_out[:len(train)], t))
        clf, vocab = fit(x, y, c)
        d = platt.predict_proba(clf.decision_function(
            matrix(vectors([r["text"] for r in dev], spec), vocab)).reshape(-1, 1))[:, 1]
        dc = combined(dev, v_dev, d, best[0])
        cv = best[1]
        print(f"{json.dumps(spec.to_json())} C={c}: CV auc {roc_auc_score(y, oof):.3f} "
              f"t={best[0]:.2f} P/R/F1 {cv[0]:.3f}/{cv[1]:.3f}/{cv[2]:.3f} clean {cv[3]:.1%} | "
              f"dev auc {roc_auc_score([r['labels']['harassment'] for r in dev], d):.3f} "
              f"P/R/F1 {dc[0]:.3f}/{dc[1]:.3f}/{dc[2]:.3f} clean {dc[3]:.1%}", flush=True)


if __name__ == "__main__":
    main()
