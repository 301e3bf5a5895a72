"""Benchmark: parse and scan a generated 50,000-message WhatsApp export with the rules layer.

    .venv/bin/python benchmarks/scan.py [--messages 50000] [--layout android|ios] [--seed 7]

Prints the parse time, the scan time (every message through the real checker, no side effects) and
messages per second. The export is generated (random school-chat-like sentences, multi-line
messages, media placeholders, deleted messages, system lines and some phone numbers), not taken
from the corpus.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from adapters.whatsapp.archive import decode_chat  # noqa: E402
from adapters.whatsapp.parser import parse_export  # noqa: E402
from adapters.whatsapp.records import to_records  # noqa: E402
from adapters.whatsapp.scan import prepare_scan  # noqa: E402
from bot.checker import Checker  # noqa: E402
from bot.scan import build_report  # noqa: E402
from bot.scan_render import render_html, render_json  # noqa: E402
from core.events import GroupKind  # noqa: E402

NAMES = ["Anouk", "Bas", "Chaima", "Daan", "Elif", "Finn", "Gwen", "Hamza", "Iris", "Jorn",
         "Kiki", "Luuk", "Mees", "Nora", "Otis", "Pien", "Rayan", "Saar", "Tijn", "Vera",
         "Mevr. de Boer"]
_WORD_TEXT = ("huiswerk toets morgen vandaag les rooster wiskunde engels biologie pagina opdracht "
         "vraag antwoord samenvatting werkstuk presentatie groepje lokaal uur pauze kantine "
         "mentor docent klaar begrijp snap niet wel ook nog even snel echt super leuk lastig "
         "hoofdstuk paragraaf inleveren deadline vrijdag maandag dinsdag woensdag donderdag "
         "boek schrift laptop printen sturen delen kijken leren oefenen nakijken cijfer")
WORDS = _WORD_TEXT.split()


def sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(3, 14))
    text = " ".join(words)
    return text[0].upper() + text[1:] + rng.choice(["", "?", "!", " 👍", " 😂", "."])


def generate(count: int, layout: str, seed: int) -> str:
    rng = random.Random(seed)
    at = datetime(2025, 9, 1, 8, 0)
    lines: list[str] = []

    def stamp(moment: datetime) -> str:
        if layout == "ios":
            return f"[{moment:%d-%m-%Y %H:%M:%S}]"
        return f"{moment:%d-%m-%Y %H:%M} -"

    lrm = "\u200e"
    for i in range(count):
        at += timedelta(seconds=rng.randint(5, 900))
        name = rng.choice(NAMES)
        if i % 997 == 0:  # a system line now and then (not a message)
            text = f"{name} heeft {rng.choice(NAMES)} toegevoegd"
            lines.append(f"{stamp(at)} {text}" if layout == "android"
                         else f"{lrm}{stamp(at)} {name}: {lrm}{text}")
        roll = rng.random()
        if roll < 0.04:
            body = "<Media weggelaten>" if layout == "android" else f"{lrm}afbeelding weggelaten"
        elif roll < 0.05:
            body = "Dit bericht is verwijderd" if layout == "android" else \
                f"{lrm}Dit bericht is verwijderd."
        elif roll < 0.055:
            body = f"het nummer van {rng.choice(NAMES)} is 06-{rng.randint(10000000, 99999999)}"
        elif roll < 0.12:
            body = sentence(rng) + "\n" + sentence(rng)
        else:
            body = sentence(rng)
        prefix = lrm if layout == "ios" and body.startswith(lrm) else ""
        lines.append(f"{prefix}{stamp(at)} {name}: {body}")
    return "\n".join(lines) + "\n"


def best_of(runs: int, fn) -> tuple[float, float]:
    """The fastest wall and CPU time of a few runs (a shared machine adds noise, never speed)."""
    wall = cpu = float("inf")
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        fn()
        wall, cpu = min(wall, time.perf_counter() - w), min(cpu, time.process_time() - c)
    return wall, cpu


async def scan(path: Path) -> None:
    text = decode_chat(path.read_bytes())
    parse_wall, parse_cpu = best_of(3, lambda: parse_export(text))
    export = parse_export(text)
    records_wall, _ = best_of(3, lambda: to_records(export, kind=GroupKind.CLASS))

    t0 = time.perf_counter()
    prepared = prepare_scan(path, kind=GroupKind.CLASS)
    t1 = time.perf_counter()
    checker = Checker.from_config(None)
    t2 = time.perf_counter()
    try:
        result = await prepared.run(checker)
    finally:
        await checker.aclose()
    t3 = time.perf_counter()
    report = build_report(result, pseudonymise=True)
    html, js = render_html(report), render_json(report)
    t4 = time.perf_counter()

    n = result.stats.total
    checked = sum(1 for m in export.messages if m.has_content)
    scan_s = t3 - t2
    print(f"messages:         {n:,} ({checked:,} with content, "
          f"{result.system_lines:,} system lines)")
    print(f"parse:            {parse_wall:.3f} s  ({n / parse_wall:,.0f} messages/s; "
          f"CPU {parse_cpu:.3f} s; best of 3)")
    print(f"records+events:   {records_wall:.3f} s  (best of 3)")
    print(f"read shape:       {t1 - t0:.3f} s  (layout, dates, senders: three streaming passes)")
    print(f"checker start-up: {t2 - t1:.3f} s")
    print(f"scan (rules):     {scan_s:.3f} s  ({n / scan_s:,.0f} messages/s)")
    print(f"report:           {t4 - t3:.3f} s  (html {len(html) / 1e6:.1f} MB, "
          f"json {len(js) / 1e6:.1f} MB, {len(result.flagged):,} flagged)")
    print(f"total:            {t4 - t0:.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--layout", choices=["android", "ios"], default="android")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "WhatsApp-chat met benchmark.txt"
        path.write_text(generate(args.messages, args.layout, args.seed), encoding="utf-8")
        print(f"export:           {path.stat().st_size / 1e6:.1f} MB, layout {args.layout}")
        asyncio.run(scan(path))


if __name__ == "__main__":
    main()
