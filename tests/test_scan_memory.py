"""``schoolwacht scan`` memory (issue 16): a full scan of an export at the size limit, in a
subprocess, peaks under 1 GB. The chat is streamed (a generator over its lines), so memory follows
what the report keeps, not the export; before, a full scan of a 24 MB export peaked at 2.1 GB.

Two exports just under ``MAX_CHAT_BYTES``: an ordinary class chat (the benchmark's generator: about
0.6% of its messages flagged) and the worst case for the report, every message flagged (someone
else's phone number in each), where the report keeps every message."""

from __future__ import annotations

import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.whatsapp.archive import MAX_CHAT_BYTES

ROOT = Path(__file__).resolve().parents[1]
GIB = 1 << 30

# Runs the CLI in this interpreter and prints its own peak RSS (VmHWM: ru_maxrss would carry the
# forking parent's over exec) when the command exits.
RUN = """
import re, runpy, sys
sys.argv = ["schoolwacht", "scan", sys.argv[1], "--format", "json", "--out", sys.argv[2]]
try:
    runpy.run_module("bot.cli", run_name="__main__")
except SystemExit as exc:
    if exc.code:
        raise
hwm = re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read())
print("peak", int(hwm.group(1)) * 1024)
"""


def ordinary_export(path: Path, limit: int) -> int:
    sys.path.insert(0, str(ROOT))
    from benchmarks.scan import generate

    written, seed = 0, 0
    with path.open("w", encoding="utf-8") as out:
        while True:
            block = generate(20_000, "android", seed).encode()
            seed += 1
            if written + len(block) > limit:
                return written
            out.write(block.decode())
            written += len(block)


def all_flagged_export(path: Path, limit: int) -> int:
    rng = random.Random(1)
    names = ["Anouk", "Bas", "Chaima", "Daan", "Elif", "Finn", "Gwen", "Hamza"]
    written, i = 0, 0
    with path.open("w", encoding="utf-8") as out:
        while True:
            day = i // 1400
            line = (f"{day % 28 + 1:02d}-{day // 28 % 12 + 1:02d}-2025 "
                    f"{i % 1400 // 60 % 24:02d}:{i % 60:02d} - {names[i % 8]}: het nummer van "
                    f"{names[(i + 3) % 8]} is 06-{rng.randint(10_000_000, 99_999_999)} bel maar\n")
            size = len(line.encode())
            if written + size > limit:
                return written
            out.write(line)
            written += size
            i += 1


@pytest.mark.parametrize("make", [ordinary_export, all_flagged_export])
def test_a_full_scan_at_the_size_limit_stays_under_1_gb(tmp_path: Path, make) -> None:
    path = tmp_path / "WhatsApp-chat met 2A.txt"
    size = make(path, MAX_CHAT_BYTES)
    assert size > MAX_CHAT_BYTES * 0.95
    out = tmp_path / "rapport.json"
    result = subprocess.run([sys.executable, "-c", RUN, str(path), str(out)], cwd=ROOT,
                            capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stderr[-3000:]
    peak = int(re.search(r"peak (\d+)", result.stdout).group(1))
    messages = int(re.search(r": (\d+) berichten", result.stderr).group(1))
    print(f"{make.__name__}: export {size / 1e6:.1f} MB, {messages} messages, "
          f"peak RSS {peak / 1e6:.0f} MB")
    assert messages > 200_000
    assert peak < GIB


# --- the cap on listed findings (fast, a stand-in checker) ---------------------------------------


def _records(n: int):
    from datetime import UTC, datetime

    from bot.scan import ChatRecord
    from core.events import MessageEvent, Role, Sender

    sender = Sender("a", "A", Role.STUDENT)
    for i in range(n):
        text = f"bericht {i}"
        event = MessageEvent(platform="whatsapp", group_id="g", message_id=str(i), sender=sender,
                             text=text, sent_at=datetime(2026, 1, 1, tzinfo=UTC))
        yield ChatRecord(i, i, f"t{i}", "A", text, "text", event.sent_at, event=event)


class _Checker:
    """Every third message flagged: low, except every 30th (high)."""

    async def evaluate(self, event, kind):
        from core.findings import Finding, Severity
        from core.verdict import Verdict

        i = int(event.message_id)
        if i % 3:
            return Verdict.of([])
        severity = Severity.HIGH if i % 30 == 0 else Severity.LOW
        return Verdict.of([Finding("p", "harassment", "A.10", 1.0, severity, "x")])


async def test_the_report_lists_the_most_serious_and_counts_every_flagged_message() -> None:
    from bot.scan import ScanResult, build_report, scan_records
    from core.events import GroupKind

    outcome = await scan_records(_records(3000), _Checker(), GroupKind.CLASS, context=2,
                                 max_listed=50, batch=7)
    assert outcome.counts.total == 1000 and len(outcome.flagged) == 50
    # the 100 high ones compete for 50 places: the earliest 50 of them, in chat order
    assert [f.record.index for f in outcome.flagged] == list(range(0, 1500, 30))
    for f in outcome.flagged:  # each with its context, and nothing else kept
        i = f.record.index
        assert all(j in outcome.kept for j in range(max(0, i - 2), i + 3))
    assert len(outcome.kept) == 50 * 5 - 2
    result = ScanResult("x", GroupKind.CLASS, outcome.kept, outcome.flagged, outcome.stats,
                        outcome.counts, context=2)
    report = build_report(result)
    assert report.flagged_total == 1000 and report.not_listed == 950
    assert report.per_severity == {"high": 100, "low": 900}
    assert report.members[0].flagged == 1000 and report.messages_total == 3000
