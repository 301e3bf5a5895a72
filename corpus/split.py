"""Split the written corpus once, before any tuning: train / dev from the development writers' files,
the sealed test split from the sealed writers' files as they were written.

    python corpus/split.py --dev DEV.jsonl [DEV.jsonl ...] --sealed SEALED.jsonl [SEALED.jsonl ...]

Run once when the corpus was written (see corpus/README.md); its output is committed. The split of the
development files is stratified by category with a fixed seed, so it is reproducible. Texts that also
occur in the sealed split (after case and space folding) are dropped from train and dev, never from the
sealed split. Nothing is printed of any text: only counts.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20261207
DEV_SHARE = 0.25
LABELS = ("harassment", "personal_data", "off_topic", "profanity", "wellbeing")


def read(paths: list[Path]) -> list[dict]:
    rows = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append(json.loads(line))
    return rows


def key(text: str) -> str:
    return re.sub(r"\s+", " ", text.casefold()).strip()


def check(rows: list[dict]) -> None:
    ids = Counter(r["id"] for r in rows)
    dup = [i for i, n in ids.items() if n > 1]
    if dup:
        raise SystemExit(f"duplicate ids: {dup[:5]}")
    for r in rows:
        missing = [k for k in ("id", "text", "group_kind", "sender_role", "labels", "category") if k not in r]
        if missing:
            raise SystemExit(f"{r.get('id')}: missing {missing}")
        for label in LABELS:
            r["labels"].setdefault(label, False)


def write(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for r in rows:
            out.write(json.dumps(r, ensure_ascii=False) + "\n")


def counts(name: str, rows: list[dict]) -> None:
    labels = Counter(label for r in rows for label, on in r["labels"].items() if on)
    print(f"{name}: {len(rows)} messages; " + ", ".join(f"{k} {labels[k]}" for k in LABELS))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, nargs="+", required=True)
    parser.add_argument("--sealed", type=Path, nargs="+", required=True)
    args = parser.parse_args()

    sealed = read(args.sealed)
    dev_pool = read(args.dev)
    check(sealed)
    check(dev_pool)
    sealed_keys = {key(r["text"]) for r in sealed}
    kept = [r for r in dev_pool if key(r["text"]) not in sealed_keys]
    seen: set[str] = set()
    unique = []
    for r in kept:  # a text written twice by the development writers is kept once
        k = key(r["text"])
        if k not in seen:
            seen.add(k)
            unique.append(r)
    print(f"dropped {len(dev_pool) - len(kept)} development texts also in the sealed split, "
          f"{len(kept) - len(unique)} repeated ones")

    by_category: dict[str, list[dict]] = defaultdict(list)
    for r in unique:
        by_category[r["category"]].append(r)
    rng = random.Random(SEED)
    train, dev = [], []
    for category in sorted(by_category):
        group = by_category[category]
        rng.shuffle(group)
        n_dev = round(len(group) * DEV_SHARE)
        dev.extend(group[:n_dev])
        train.extend(group[n_dev:])
    train.sort(key=lambda r: r["id"])
    dev.sort(key=lambda r: r["id"])

    write(HERE / "train.jsonl", train)
    write(HERE / "dev.jsonl", dev)
    write(HERE / "sealed" / "test.jsonl", sealed)
    for name, rows in (("train", train), ("dev", dev), ("sealed", sealed)):
        counts(name, rows)


if __name__ == "__main__":
    main()
