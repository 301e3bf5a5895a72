"""Check the trained model's thresholds on the DEV split: harassment precision/recall/F1 and false
alarms on clean messages for a range of thresholds, rules and model together (in process). The
shipped thresholds are chosen on out-of-fold train probabilities when training (docs/detection.md);
this table is a check, not a tuning step.

    .venv/bin/python benchmarks/model_thresholds.py [--split dev|train] [FILE]

The sealed split is refused: thresholds are never chosen on it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.checker import Checker, event_from_input
from bot.config import AppConfig

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
GRID = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97)


async def judge(rows: list[dict]) -> list[tuple[set[str], float | None]]:
    """Per row: the flags without the model's finding, and the model's probability (if it ran
    and reached the lowest threshold)."""
    low = {"threshold": 0.5, "medium_threshold": 0.5}
    config = AppConfig.model_validate({"policies": {
        kind: {"policies": {"harassment_model": low}} for kind in ("class", "parent", "staff")}})
    checker = Checker.from_config(config)
    out = []
    try:
        for number, row in enumerate(rows, 1):
            event, kind = event_from_input(row, number)
            verdict = await checker.evaluate(event, kind)
            model = [f for f in verdict.findings if f.policy == "harassment_model"]
            flags = {f.flag for f in verdict.findings if f.policy != "harassment_model"}
            out.append((flags, model[0].score if model else None))
    finally:
        await checker.aclose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", nargs="?", type=Path)
    parser.add_argument("--split", choices=("dev", "train"), default="dev")
    args = parser.parse_args()
    path = args.file or CORPUS / f"{args.split}.jsonl"
    if "sealed" in path.parts:
        raise SystemExit("model_thresholds: thresholds are never chosen on the sealed split")
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if "harassment" in (r.get("labels") or {})]
    judged = asyncio.run(judge(rows))
    print(f"{path.name}: {len(rows)} messages, "
          f"{sum(r['labels']['harassment'] for r in rows)} harassing")
    print(f"{'threshold':>10}{'P':>7}{'R':>7}{'F1':>7}{'model adds':>12}{'clean FP':>10}")
    for t in (None, *GRID):
        tp = fp = fn = clean = clean_fp = added = 0
        for row, (flags, p) in zip(rows, judged, strict=True):
            model = t is not None and p is not None and p >= t
            pred = "harassment" in flags or model
            added += model and "harassment" not in flags
            gold = bool(row["labels"]["harassment"])
            tp += pred and gold
            fp += pred and not gold
            fn += gold and not pred
            if not any(row["labels"].values()):
                clean += 1
                clean_fp += bool((flags - {"profanity"}) or model)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        name = "rules" if t is None else f"{t:.2f}"
        print(f"{name:>10}{prec:>7.3f}{rec:>7.3f}{f1:>7.3f}{added:>12}"
              f"{clean_fp / clean if clean else 0:>10.1%}")


if __name__ == "__main__":
    main()
