"""Cold start of ``schoolwacht check`` on one text line: a fresh interpreter per run, best of N.

Prints figures; it is not a test. Budget (issue 18): under 1 s on one line of text. The image stack
(Pillow, numpy, scipy, imagehash) and the database layer (SQLAlchemy, the storage models) must not
load for text; ``--imports`` lists the slowest top-level imports of one run to show what does.

    .venv/bin/python benchmarks/check_startup.py [--repeat 3] [--imports 15]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINE = b'{"id": 1, "text": "Wat is het huiswerk voor morgen?"}\n'
HEAVY = ("scipy", "numpy", "PIL", "imagehash", "sqlalchemy", "sqlmodel", "storage")


def run_once(extra: tuple[str, ...] = ()) -> tuple[float, bytes, bytes]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *extra, "-m", "bot.cli", "check", "-"], input=LINE,
                          capture_output=True, cwd=ROOT, check=True)
    return time.perf_counter() - start, done.stdout, done.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--imports", type=int, default=15, help="slowest imports to list (0: none)")
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    times = []
    for _ in range(args.repeat):
        seconds, out, _ = run_once()
        times.append(seconds)
    print(f"check, one text line: best {min(times):.2f} s, worst {max(times):.2f} s "
          f"({args.repeat} runs, {os.cpu_count()} cores, load {load:.1f}) -> {out.decode().strip()}")
    _, _, err = run_once(("-X", "importtime"))
    rows = []
    for line in err.decode().splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.split("|")
        if cumulative.strip().isdigit():
            rows.append((int(cumulative), name.rstrip()))
    loaded = {name.strip().split(".")[0] for _, name in rows}
    heavy = sorted(loaded.intersection(HEAVY))
    print("heavy packages loaded for text: " + (", ".join(heavy) if heavy else "none"))
    top = sorted((r for r in rows if not r[1].startswith("  ")), reverse=True)[: args.imports]
    for cumulative, name in top:
        print(f"  {cumulative / 1e6:6.3f} s  {name.strip()}")


if __name__ == "__main__":
    main()
