"""Detection quality: run ``schoolwacht check`` over the labelled corpus and print the figures.

    .venv/bin/python benchmarks/quality.py                      # the dev split (corpus/dev.jsonl)
    .venv/bin/python benchmarks/quality.py --split train|dev|sealed|functional|all
    .venv/bin/python benchmarks/quality.py FILE [FILE ...] [--show-texts] [--json]

Splits (``corpus/``): ``train`` (what the trained model learns from), ``dev`` (what rules and
thresholds may be tuned on) and ``sealed`` (``corpus/sealed/*.jsonl``: never tuned on, never
read while developing; run it once, to report) and ``functional`` (``corpus/sealed/functional/``:
a sealed functional suite for hate speech in the manner of HateCheck, written for the project, one
``functionality`` per case; sealed like ``sealed``). ``all`` prints each split on its own, never one
mixed figure. Explicit files are measured together under the heading "files".

Each input line has ``id``, ``text`` (or ``image``), ``group_kind``, ``sender_role``, ``labels``
(``{"harassment": bool, "personal_data": bool, "off_topic": bool, ...}``; a flag missing from a
line's labels is not scored on that line), and optionally ``severity`` and ``category``. Only the
check contract's input fields are handed to ``schoolwacht check`` (as a subprocess, exactly as an
admin would run it), never the labels.

Printed per split: precision, recall and F1 per flag; recall per category of each flag ("found n
of m"), with the critical messages counted on their own; the rate of flags other than
``profanity`` on clean school messages (every label false); severity agreement; and the misses
(ids and categories; ``--show-texts`` adds the texts for train/dev only: for the sealed split it
is refused, and miss ids are not listed either, so nobody reads sealed messages while tuning).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
SPLITS = ("train", "dev", "sealed", "functional")
SEALED = ("sealed", "functional")  # measured to report, never read: no texts, no ids
# Flags in the order they are printed; any other flag found in the labels follows.
KNOWN_FLAGS = ("harassment", "personal_data", "off_topic", "profanity", "wellbeing",
               "leaked_screenshot")
# Flags that do not count as a false alarm on a clean message (untargeted swearing is its own,
# mild flag: principle 3).
NOT_A_FALSE_ALARM = frozenset({"profanity"})
INPUT_FIELDS = ("id", "text", "image", "group_kind", "sender_role")


@dataclass
class FlagScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    misses: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, id, category)
    # category -> [found, total] over the lines where this flag is true
    categories: dict[str, list[int]] = field(default_factory=dict)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def split_files(split: str, corpus: Path = CORPUS) -> list[Path]:
    """The files of one split; a missing split is an error that names what is missing."""
    if split == "sealed":
        files = sorted((corpus / "sealed").glob("*.jsonl"))
    elif split == "functional":
        files = sorted((corpus / "sealed" / "functional").glob("*.jsonl"))
    else:
        files = [corpus / f"{split}.jsonl"] if (corpus / f"{split}.jsonl").is_file() else []
    if not files:
        where = (corpus / "sealed" / "*.jsonl" if split == "sealed"
                 else corpus / "sealed" / "functional" / "*.jsonl" if split == "functional"
                 else corpus / f"{split}.jsonl")
        raise SystemExit(f"quality: the {split} split is missing ({where})")
    return files


def check_command() -> list[str]:
    """The installed ``schoolwacht`` if there is one, else the module (same code either way)."""
    exe = REPO / ".venv" / "bin" / "schoolwacht"
    if exe.exists():
        return [str(exe), "check"]
    return [sys.executable, "-m", "bot.cli", "check"]


def read_rows(paths: list[Path]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for path in paths:
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            ident = str(row.get("id", f"{path.stem}:{number}"))
            if ident in seen:  # ids must be unique across files to pair outputs with inputs
                ident = f"{path.stem}:{ident}"
            seen.add(ident)
            row["id"] = ident
            if row.get("image") and not Path(row["image"]).is_absolute():
                row["image"] = str((path.parent / row["image"]).resolve())
            rows.append(row)
    return rows


def run_check(rows: list[dict[str, Any]], command: list[str]) -> dict[str, dict[str, Any]]:
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as tmp:
        for row in rows:
            tmp.write(json.dumps({k: row[k] for k in INPUT_FIELDS if k in row}, ensure_ascii=False))
            tmp.write("\n")
        input_path = tmp.name
    try:
        env = dict(os.environ)
        env.setdefault("PYTHONPATH", str(REPO))
        done = subprocess.run(
            [*command, input_path], capture_output=True, text=True, cwd=REPO, env=env, check=False
        )
    finally:
        os.unlink(input_path)
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-2000:])
        raise SystemExit(f"schoolwacht check failed with exit code {done.returncode}")
    out: dict[str, dict[str, Any]] = {}
    for line in done.stdout.splitlines():
        if line.strip():
            obj = json.loads(line)
            out[str(obj.get("id"))] = obj
    return out


def flags_of(rows: list[dict[str, Any]]) -> list[str]:
    present = {flag for row in rows for flag in (row.get("labels") or {})}
    return [f for f in KNOWN_FLAGS if f in present] + sorted(present - set(KNOWN_FLAGS))


def score(rows: list[dict[str, Any]], results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    flag_names = flags_of(rows)
    flags: dict[str, FlagScore] = defaultdict(FlagScore)
    clean_total = clean_flagged = clean_any = 0
    clean_misses: list[tuple[str, str, list[str]]] = []
    critical = [0, 0, 0]  # found (a true flag raised), total, rated critical
    # A functional suite: per functionality, cases answered right (hateful: harassment found;
    # not hateful: no harassment) and cases, and whether its cases are hateful.
    functionality: dict[str, list[int]] = {}
    severity = Counter()
    errors = []
    for row in rows:
        result = results.get(row["id"])
        if result is None or "error" in result:
            errors.append((row["id"], (result or {}).get("error", "no output")))
            continue
        predicted = set(result.get("flags", []))
        labels = row.get("labels") or {}
        category = str(row.get("category") or "")
        for flag in flag_names:
            if flag not in labels:
                continue
            gold, pred = bool(labels[flag]), flag in predicted
            s = flags[flag]
            if gold:
                counts = s.categories.setdefault(category or "-", [0, 0])
                counts[0] += pred
                counts[1] += 1
            if gold and pred:
                s.tp += 1
            elif pred:
                s.fp += 1
                s.misses.append(("false positive", row["id"], category))
            elif gold:
                s.fn += 1
                s.misses.append(("missed", row["id"], category))
            else:
                s.tn += 1
        if row.get("functionality") and "harassment" in labels:
            cell = functionality.setdefault(str(row["functionality"]), [0, 0, 0])
            hateful = bool(labels["harassment"])
            cell[0] += hateful == ("harassment" in predicted)
            cell[1] += 1
            cell[2] += hateful
        gold_flags = {f for f in flag_names if labels.get(f)}
        if row.get("severity") == "critical" and gold_flags:
            critical[1] += 1
            critical[0] += bool(gold_flags & predicted)
            critical[2] += result.get("severity") == "critical"
        if labels and not any(labels.values()):
            clean_total += 1
            wrong = sorted(predicted - NOT_A_FALSE_ALARM)
            if wrong:
                clean_flagged += 1
                clean_misses.append((row["id"], category, wrong))
            if predicted:
                clean_any += 1
        if "severity" in row:
            severity["match" if result.get("severity") == row["severity"] else "differ"] += 1
    return {
        "flags": {f: flags[f] for f in flag_names if f in flags},
        "clean_total": clean_total,
        "clean_flagged": clean_flagged,
        "clean_any": clean_any,
        "clean_misses": clean_misses,
        "critical": critical,
        "functionality": functionality,
        "severity": severity,
        "errors": errors,
        "messages": len(rows),
    }


def as_json(figures: dict[str, Any]) -> dict[str, Any]:
    total = figures["clean_total"]
    found, crit_total, rated = figures["critical"]
    return {
        "messages": figures["messages"],
        "flags": {
            f: {
                "precision": round(s.precision, 4),
                "recall": round(s.recall, 4),
                "f1": round(s.f1, 4),
                "tp": s.tp,
                "fp": s.fp,
                "fn": s.fn,
                "categories": {c: {"found": n, "of": m} for c, (n, m) in sorted(s.categories.items())},
            }
            for f, s in figures["flags"].items()
        },
        "critical": {"found": found, "of": crit_total, "rated_critical": rated},
        "functionality": {name: {"right": ok, "of": n, "hateful": bool(h)}
                          for name, (ok, n, h) in sorted(figures["functionality"].items())},
        "clean_messages": total,
        "clean_false_positive_rate": figures["clean_flagged"] / total if total else None,
        "errors": len(figures["errors"]),
    }


def report(name: str, rows: list[dict[str, Any]], figures: dict[str, Any], show_texts: bool,
           list_ids: bool = True) -> None:
    texts = {row["id"]: row.get("text") or row.get("image") or "" for row in rows}
    print(f"== {name}: {len(rows)} messages ==\n")
    print(
        f"{'flag':<18}{'n+':>5}{'tp':>5}{'fp':>5}{'fn':>5}{'precision':>11}{'recall':>8}{'F1':>7}"
    )
    for flag, s in figures["flags"].items():
        print(
            f"{flag:<18}{s.tp + s.fn:>5}{s.tp:>5}{s.fp:>5}{s.fn:>5}"
            f"{s.precision:>11.3f}{s.recall:>8.3f}{s.f1:>7.3f}"
        )
    print("\nrecall per category (found n of m)")
    for flag, s in figures["flags"].items():
        if not s.categories:
            continue
        cells = [f"{c} {n}/{m}" for c, (n, m) in sorted(s.categories.items())]
        print(f"  {flag}: " + ", ".join(cells))
    found, crit_total, rated = figures["critical"]
    if crit_total:
        print(f"  critical found {found} of {crit_total} (rated critical: {rated})")
    if figures["functionality"]:
        print("\nper functionality (hateful: harassment found; not hateful: kept clean)")
        cells = sorted(figures["functionality"].items(), key=lambda kv: (-kv[1][2], kv[0]))
        for name, (ok, n, hateful) in cells:
            kind = "found" if hateful else "clean"
            print(f"  {name:<28} {kind} {ok:>3}/{n:<3} = {ok / n:.2f}")
        worst = min(ok / n for ok, n, _ in figures["functionality"].values())
        print(f"  lowest functionality: {worst:.2f}")
    total = figures["clean_total"]
    if total:
        rate = figures["clean_flagged"] / total
        print(
            f"\nflags other than profanity on clean school messages: {figures['clean_flagged']}/"
            f"{total} = {rate:.1%} (target <= 2%); any flag at all: {figures['clean_any']}/{total}"
        )
        if list_ids:
            for ident, category, wrong in figures["clean_misses"]:
                print(f"  flagged clean  {category or '-':<26} {ident}  {' '.join(wrong)}")
                if show_texts:
                    print(f"        {texts[ident][:140]}")
    sev = figures["severity"]
    if sev:
        print(f"severity agrees with the label: {sev['match']}/{sev['match'] + sev['differ']}")
    if figures["errors"]:
        print(f"\n{len(figures['errors'])} lines gave an error"
              + (": " + ", ".join(f"{i} ({e})" for i, e in figures["errors"][:10])
                 if list_ids else ""))
    print("\nmisses (confusion by flag and category)")
    for flag, s in figures["flags"].items():
        if not s.misses:
            continue
        table = Counter((kind, category) for kind, _, category in s.misses)
        print(f"  {flag}:")
        for (kind, category), count in sorted(table.items()):
            ids = [i for k, i, c in s.misses if k == kind and c == category]
            print(f"    {kind:<15} {category or '-':<26} {count:>3}"
                  + (f"  {' '.join(ids)}" if list_ids else ""))
            if show_texts:
                for ident in ids:
                    print(f"        {ident}: {texts[ident][:140]}")
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path,
                        help="labelled JSON Lines to measure instead of a split")
    parser.add_argument("--split", choices=(*SPLITS, "all"), default=None,
                        help="a split of corpus/ (default dev); all = each split on its own")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help=argparse.SUPPRESS)
    parser.add_argument("--show-texts", action="store_true",
                        help="print the texts of the misses (train/dev and files only)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.files and args.split:
        parser.error("give either FILES or --split, not both")
    if args.files:
        runs = [("files", list(args.files))]
    else:
        names = SPLITS if args.split == "all" else (args.split or "dev",)
        if set(SEALED) & set(names) and args.show_texts:
            parser.error("--show-texts is refused for the sealed splits: their texts stay unread")
        runs = [(name, split_files(name, args.corpus)) for name in names]
    command = check_command()
    out: dict[str, Any] = {}
    for name, paths in runs:
        rows = read_rows(paths)
        figures = score(rows, run_check(rows, command))
        if args.json:
            out[name] = as_json(figures)
        else:
            sealed = name in SEALED
            report(name, rows, figures, args.show_texts and not sealed, list_ids=not sealed)
    if args.json:
        print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
