"""Split the written corpus once, before any tuning: train / dev from the development writers' files,
the sealed test split from the sealed writers' files as they were written.

    python corpus/split.py --dev DEV.jsonl [DEV.jsonl ...] --sealed SEALED.jsonl [SEALED.jsonl ...]
    python corpus/split.py --add MORE.jsonl [...] [--sealed NEW_SEALED.jsonl ...] [--functional NEW.jsonl]

Run once when the corpus was written (see corpus/README.md); its output is committed. ``--add`` is a
later round: it splits new development files (and a retired sealed split) the same way and appends
them to the committed train and dev files, leaving earlier assignments alone; with ``--sealed`` it also
installs a newly written sealed split and drops its texts from train and dev; ``--functional`` does the
same for a newly written functional suite (``sealed/functional/suite.jsonl``). The split of the
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


def stratified(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """Split by category with the fixed seed: DEV_SHARE of each category to dev, the rest to train."""
    by_category: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
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
    return train, dev


def add(more_paths: list[Path], sealed_paths: list[Path], functional_paths: list[Path]) -> None:
    """A later round: new development texts appended, an optional new sealed split and functional
    suite installed."""
    train, dev = read([HERE / "train.jsonl"]), read([HERE / "dev.jsonl"])
    more = read(more_paths)
    check(more)
    sealed = read(sealed_paths) if sealed_paths else []
    check(sealed)
    functional = read(functional_paths) if functional_paths else []
    check(functional)
    # The sealed files that stay installed count too: no development text may repeat one.
    kept = [p for p, new in ((HERE / "sealed" / "test.jsonl", sealed),
                             (HERE / "sealed" / "functional" / "suite.jsonl", functional))
            if not new and p.exists()]
    sealed_keys = {key(r["text"]) for r in sealed + functional + read(kept)}
    before = len(train) + len(dev)
    train = [r for r in train if key(r["text"]) not in sealed_keys]
    dev = [r for r in dev if key(r["text"]) not in sealed_keys]
    print(f"dropped {before - len(train) - len(dev)} train/dev texts also in the sealed files")
    seen = {key(r["text"]) for r in train + dev} | sealed_keys
    unique = []
    for r in more:
        k = key(r["text"])
        if k not in seen:
            seen.add(k)
            unique.append(r)
    print(f"adding {len(unique)} of {len(more)} texts ({len(more) - len(unique)} repeated or sealed)")
    more_train, more_dev = stratified(unique)
    write(HERE / "train.jsonl", sorted(train + more_train, key=lambda r: r["id"]))
    write(HERE / "dev.jsonl", sorted(dev + more_dev, key=lambda r: r["id"]))
    if sealed:
        write(HERE / "sealed" / "test.jsonl", sealed)
    if functional:
        write(HERE / "sealed" / "functional" / "suite.jsonl", functional)
    for name, rows in (("train", train + more_train), ("dev", dev + more_dev)):
        counts(name, rows)
    if sealed:
        counts("sealed", sealed)
    if functional:
        counts("functional", functional)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, nargs="+")
    parser.add_argument("--add", type=Path, nargs="+")
    parser.add_argument("--sealed", type=Path, nargs="+")
    parser.add_argument("--functional", type=Path, nargs="+")
    args = parser.parse_args()
    if args.add:
        add(args.add, args.sealed or [], args.functional or [])
        return
    if not (args.dev and args.sealed):
        parser.error("--dev and --sealed are both needed for the first split")

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

    train, dev = stratified(unique)
    write(HERE / "train.jsonl", train)
    write(HERE / "dev.jsonl", dev)
    write(HERE / "sealed" / "test.jsonl", sealed)
    for name, rows in (("train", train), ("dev", dev), ("sealed", sealed)):
        counts(name, rows)


if __name__ == "__main__":
    main()
