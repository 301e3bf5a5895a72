"""Detection quality: run ``schoolwacht check`` over labelled JSON Lines and print the figures.

    .venv/bin/python benchmarks/quality.py                       # ../shared/corpus/text_dev.jsonl
    .venv/bin/python benchmarks/quality.py FILE [FILE ...] --show-texts

Each input line has ``id``, ``text`` (or ``image``), ``group_kind``, ``sender_role`` and ``labels``
(``{"harassment": bool, "personal_data": bool, "off_topic": bool, ...}``; a flag missing from a
line's labels is not scored on that line). Only the check contract's input fields are handed to
``schoolwacht check`` (as a subprocess, exactly as an admin would run it), never the labels.

Printed: precision, recall and F1 per flag; the false-positive rate on clean school messages
(lines with every label false); severity agreement where a ``severity`` label exists; and a
confusion table of the misses (ids and categories; ``--show-texts`` adds the texts, for the
developer's terminal only).
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
DEFAULT_FILE = REPO.parent / "shared" / "corpus" / "text_dev.jsonl"
FLAGS = ("harassment", "personal_data", "off_topic", "leaked_screenshot")
INPUT_FIELDS = ("id", "text", "image", "group_kind", "sender_role")


@dataclass
class FlagScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    misses: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, id, category)

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


def score(rows: list[dict[str, Any]], results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    flags: dict[str, FlagScore] = defaultdict(FlagScore)
    clean_total = clean_flagged = clean_any = 0
    clean_misses: list[tuple[str, str, list[str]]] = []
    severity = Counter()
    errors = []
    for row in rows:
        result = results.get(row["id"])
        if result is None or "error" in result:
            errors.append((row["id"], (result or {}).get("error", "no output")))
            continue
        predicted = set(result.get("flags", []))
        labels = row.get("labels") or {}
        for flag in FLAGS:
            if flag not in labels:
                continue
            gold, pred = bool(labels[flag]), flag in predicted
            s = flags[flag]
            category = str(row.get("category", ""))
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
        scored = [f for f in FLAGS if f in labels]
        if scored and not any(labels[f] for f in scored):
            clean_total += 1
            wrong = sorted(predicted & set(scored))
            if wrong:
                clean_flagged += 1
                clean_misses.append((row["id"], str(row.get("category", "")), wrong))
            if predicted:
                clean_any += 1
        if "severity" in row:
            severity["match" if result.get("severity") == row["severity"] else "differ"] += 1
    return {
        "flags": flags,
        "clean_total": clean_total,
        "clean_flagged": clean_flagged,
        "clean_any": clean_any,
        "clean_misses": clean_misses,
        "severity": severity,
        "errors": errors,
    }


def report(rows: list[dict[str, Any]], figures: dict[str, Any], show_texts: bool) -> None:
    texts = {row["id"]: row.get("text") or row.get("image") or "" for row in rows}
    print(f"{len(rows)} messages\n")
    print(
        f"{'flag':<18}{'n+':>5}{'tp':>5}{'fp':>5}{'fn':>5}{'precision':>11}{'recall':>8}{'F1':>7}"
    )
    for flag in FLAGS:
        s = figures["flags"].get(flag)
        if s is None:
            continue
        print(
            f"{flag:<18}{s.tp + s.fn:>5}{s.tp:>5}{s.fp:>5}{s.fn:>5}"
            f"{s.precision:>11.3f}{s.recall:>8.3f}{s.f1:>7.3f}"
        )
    total = figures["clean_total"]
    if total:
        rate = figures["clean_flagged"] / total
        print(
            f"\nfalse positives on clean school messages: {figures['clean_flagged']}/{total} "
            f"= {rate:.1%} (target <= 3%); any flag at all (incl. profanity etc.): "
            f"{figures['clean_any']}/{total}"
        )
    sev = figures["severity"]
    if sev:
        print(f"severity agrees with the label: {sev['match']}/{sev['match'] + sev['differ']}")
    if figures["errors"]:
        print(
            f"\n{len(figures['errors'])} lines gave an error: "
            + ", ".join(f"{i} ({e})" for i, e in figures["errors"][:10])
        )
    print("\nmisses (confusion by flag and category)")
    for flag in FLAGS:
        s = figures["flags"].get(flag)
        if s is None or not s.misses:
            continue
        table = Counter((kind, category) for kind, _, category in s.misses)
        print(f"  {flag}:")
        for (kind, category), count in sorted(table.items()):
            ids = [i for k, i, c in s.misses if k == kind and c == category]
            print(f"    {kind:<15} {category or '-':<26} {count:>3}  {' '.join(ids)}")
            if show_texts:
                for ident in ids:
                    print(f"        {ident}: {texts[ident][:140]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path, default=[DEFAULT_FILE])
    parser.add_argument("--show-texts", action="store_true", help="print the texts of the misses")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    rows = read_rows(args.files)
    results = run_check(rows, check_command())
    figures = score(rows, results)
    if args.json:
        print(
            json.dumps(
                {
                    "flags": {
                        f: {
                            "precision": round(s.precision, 4),
                            "recall": round(s.recall, 4),
                            "f1": round(s.f1, 4),
                            "tp": s.tp,
                            "fp": s.fp,
                            "fn": s.fn,
                        }
                        for f, s in figures["flags"].items()
                    },
                    "clean_false_positive_rate": (
                        figures["clean_flagged"] / figures["clean_total"]
                        if figures["clean_total"]
                        else None
                    ),
                },
                indent=2,
            )
        )
    else:
        report(rows, figures, args.show_texts)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
