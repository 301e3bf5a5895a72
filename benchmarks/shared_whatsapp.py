"""The WhatsApp exports of ``../shared/corpus/whatsapp`` (when that folder is beside the clone): does
the parser count their messages and system lines as labelled, and does ``scan`` flag the labelled
messages? Prints figures; it is not a test (a user's clone has no ``../shared``, and the samples are
not the project's own data).

    .venv/bin/python benchmarks/shared_whatsapp.py [--dir ../shared/corpus/whatsapp]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from adapters.whatsapp import MessageKind, load_export  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=ROOT.parent / "shared" / "corpus" / "whatsapp")
    args = parser.parse_args()
    labelled = sorted(args.dir.glob("*.labels.json"))
    if not labelled:
        print(f"no labelled exports in {args.dir}")
        return 1
    for path in labelled:
        labels = json.loads(path.read_text("utf-8"))
        export = load_export(path.parent / labels["file"]).export
        by_key = {f"{m.timestamp} | {m.sender}": m for m in export.messages}
        keys_ok = sum(1 for f in labels["flagged"] if (m := by_key.get(f["key"])) is not None
                      and m.line_index == f["line_index"] and m.kind is MessageKind.TEXT
                      and m.text == f["text"])
        scan = subprocess.run([sys.executable, "-m", "bot.cli", "scan", str(path.parent / labels["file"]),
                               "-f", "json", "-k", labels.get("group_kind", "class")],
                              capture_output=True, text=True, cwd=ROOT, check=True)
        found = {f"{m['timestamp']} | {m['sender']}" for m in json.loads(scan.stdout)["findings"]}
        wanted = {f["key"] for f in labels["flagged"]}
        print(f"{labels['file']}: messages {len(export.messages)}/{labels['total_messages']}, "
              f"system lines {len(export.system_lines)}/{labels['system_lines']}, "
              f"labelled keys parsed {keys_ok}/{len(wanted)}; scan flagged {len(found & wanted)} of "
              f"{len(wanted)} labelled, {len(found - wanted)} others")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
