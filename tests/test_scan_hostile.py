"""``schoolwacht scan`` on hostile exports (issue 16): malformed zips, zip bombs, pipes and devices
give one clear line and exit code 2; UTF-16 and legacy encodings are read; memory stays bounded;
the WhatsApp parser never raises on arbitrary text and round-trips well-formed lines."""

from __future__ import annotations

import contextlib
import os
import struct
import subprocess
import sys
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.whatsapp import ExportFormatError, load_export, parse_export
from adapters.whatsapp.archive import MAX_CHAT_BYTES, decode_chat

ROOT = Path(__file__).resolve().parent.parent

CHAT = (
    "09-02-2026 13:01 - Olivier: Hoi allemaal, morgen toets wiskunde\n"
    "09-02-2026 13:02 - Sanne: jij bent een kankerlijer\n"
    "09-02-2026 13:03 - Daan: Café om 4 uur? Één idee\n"
)


def scan(path: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot.cli", "scan", str(path), "--format", "json",
                           *extra], capture_output=True, cwd=ROOT, timeout=300)


def assert_one_clear_line(result: subprocess.CompletedProcess, *words: str) -> str:
    err = result.stderr.decode()
    assert result.returncode == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def write_zip(path: Path, text: str = CHAT, **kw) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, **kw) as archive:
        archive.writestr("WhatsApp-chat met 2D.txt", text)
    return path


def test_a_good_zip_scans(tmp_path: Path) -> None:
    result = scan(write_zip(tmp_path / "ok.zip"))
    assert result.returncode == 0, result.stderr.decode()
    assert b'"messages_total": 3' in result.stdout


def _patch_local_header(data: bytearray, offset: int, fmt: str, value: int) -> None:
    struct.pack_into(fmt, data, offset, value)


@pytest.mark.parametrize("kind", ["bad_crc", "deflate64", "encrypted", "not_a_zip", "empty",
                                  "truncated", "garbage_zip_dir"])
def test_malformed_zips_give_one_line(tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"{kind}.zip"
    data = bytearray(write_zip(tmp_path / "base.zip", CHAT * 50).read_bytes())
    central = data.rfind(b"PK\x01\x02")
    if kind == "bad_crc":
        _patch_local_header(data, 14, "<I", 0xDEADBEEF)
        _patch_local_header(data, central + 16, "<I", 0xDEADBEEF)
    elif kind == "deflate64":
        _patch_local_header(data, 8, "<H", 9)
        _patch_local_header(data, central + 10, "<H", 9)
    elif kind == "encrypted":
        _patch_local_header(data, 6, "<H", 1)
        _patch_local_header(data, central + 8, "<H", 1)
    elif kind == "not_a_zip":
        data = bytearray(os.urandom(4000))
    elif kind == "empty":
        data = bytearray()
    elif kind == "truncated":
        data = data[: len(data) // 2] + data[central:]
    elif kind == "garbage_zip_dir":
        data[central + 20 : central + 28] = b"\xff" * 8
    path.write_bytes(bytes(data))
    assert_one_clear_line(scan(path), str(path.name))


def test_zip_bomb_is_refused_by_ratio(tmp_path: Path) -> None:
    """A ~600 KB zip whose chat expands to ~199 MB: refused before it is read."""
    path = tmp_path / "bomb.zip"
    line = b"09-02-2026 13:01 - Olivier: hoi\n"
    chunk = line * (1_000_000 // len(line))
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z, \
            z.open("WhatsApp-chat met 2D.txt", "w", force_zip64=True) as member:
        for _ in range(199):
            member.write(chunk)
    assert path.stat().st_size < 1_000_000
    line_ = assert_one_clear_line(scan(path), "bomb")
    assert "expands" in line_
    with pytest.raises(ExportFormatError):
        load_export(path)
    # Peak allocation while refusing (tracemalloc: a forked child inherits its parent's maxrss).
    code = ("import tracemalloc; from pathlib import Path; from adapters.whatsapp import "
            "load_export\ntracemalloc.start()\n"
            f"try:\n    load_export(Path({str(path)!r}))\nexcept Exception as exc:\n"
            "    print(type(exc).__name__, tracemalloc.get_traced_memory()[1])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=ROOT,
                            timeout=120)
    name, peak = result.stdout.split()
    assert name == b"ExportFormatError" and int(peak) < 5_000_000  # never near the 199 MB


def test_a_member_whose_header_lies_is_cut_off_while_reading(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "liar.zip", CHAT * 2000)
    with pytest.raises(ExportFormatError, match="larger than"):
        load_export(path, max_chat_bytes=10_000)


@pytest.mark.parametrize("target", ["fifo", "/dev/zero", "dir"])
def test_never_blocks_on_a_fifo_or_reads_a_device(tmp_path: Path, target: str) -> None:
    if target == "fifo":
        path = tmp_path / "chat.txt"
        os.mkfifo(path)
    elif target == "dir":
        path = tmp_path
    else:
        path = Path(target)
    assert_one_clear_line(scan(path), "regular file")


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    assert_one_clear_line(scan(tmp_path / "nergens.txt"))


def test_utf16_and_legacy_encodings_are_read(tmp_path: Path) -> None:
    for name, data in {
        "utf16le.txt": CHAT.encode("utf-16"),  # with a BOM
        "utf16be.txt": b"\xfe\xff" + CHAT.encode("utf-16-be"),
        "utf16nobom.txt": CHAT.encode("utf-16-le"),
        "cp1252.txt": CHAT.encode("cp1252"),
        "utf8bom.txt": b"\xef\xbb\xbf" + CHAT.encode(),
    }.items():
        path = tmp_path / name
        path.write_bytes(data)
        export = load_export(path).export
        assert [m.sender for m in export.messages] == ["Olivier", "Sanne", "Daan"], name
        assert export.messages[2].text == "Café om 4 uur? Één idee", name
    # A stray invalid byte in UTF-8 stays a replacement character, not a code-page guess.
    assert decode_chat("Één café\n".encode() + b"\xff") == "Één café\n\ufffd"


def test_a_20_mb_export_is_parsed_with_bounded_memory(tmp_path: Path) -> None:
    """Peak RSS of a process that parses a ~20 MB export (streaming: every record made and let
    go), against the issue's 175x (3.5 GB). The full scan at the limit: tests/test_scan_memory.py."""
    path = tmp_path / "big.txt"
    with path.open("w", encoding="utf-8") as out:
        day = 0
        written = 0
        while written < 20_000_000:
            day += 1
            block = "".join(
                f"{(day % 28) + 1:02d}-{(day // 28) % 12 + 1:02d}-2025 {h:02d}:{m:02d} - "
                f"Leerling {m % 30}: bericht nummer {h * 60 + m} over het huiswerk van vandaag\n"
                for h in range(8, 18) for m in range(0, 60))
            out.write(block)
            written += len(block.encode())
    size = path.stat().st_size
    # VmHWM: this process's own peak RSS (ru_maxrss would carry the forking parent's over exec).
    code = ("import re; from pathlib import Path; "
            "from adapters.whatsapp.scan import prepare_scan; "
            f"p = prepare_scan(Path({str(path)!r})); "
            "n = sum(1 for _ in p.records()); "
            "hwm = re.search(r'VmHWM:\\s+(\\d+) kB', open('/proc/self/status').read()); "
            "print(n, int(hwm.group(1)) * 1024)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=ROOT,
                            timeout=600)
    assert result.returncode == 0, result.stderr.decode()
    records, peak = map(int, result.stdout.split())
    assert records > 200_000
    print(f"export {size / 1e6:.1f} MB, {records} messages, peak RSS {peak / 1e6:.0f} MB "
          f"({peak / size:.0f}x)")
    assert peak < 1_000_000_000
    assert peak < 40 * size  # far below the 175x the issue measured
    assert size < MAX_CHAT_BYTES


# --- properties of the parser --------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=2000))
def test_parser_never_raises_on_arbitrary_text(text: str) -> None:
    with contextlib.suppress(ExportFormatError):
        parse_export(text)


_stamp_text = st.lists(st.sampled_from([
    "09-02-2026 13:01 - ", "[09-02-2026 13:01:05] ", "12/31/23, 9:41 PM - ", "31.12.23, 09:41 - ",
    "2026-02-09 13:01 - ", "Naam: ", "\u200e", "<Media weggelaten>", "\n", "99-99-9999 99:99 - ",
    "x", ": ", "\u202f", "[", "]", "bijgevoegd: IMG.jpg>", "<attached: a.jpg>", " (bestand bijgevoegd)",
]), max_size=60).map("".join)


@settings(max_examples=300, deadline=None)
@given(_stamp_text)
def test_parser_never_raises_on_timestamp_like_text(text: str) -> None:
    with contextlib.suppress(ExportFormatError):
        parse_export(text)


_names = st.from_regex(r"[A-Z][a-z]{1,8}( [A-Z][a-z]{1,10})?", fullmatch=True)
_words = st.from_regex(r"[a-z]{1,8}( [a-z0-9]{1,8}){0,6}[.!?]?", fullmatch=True)
_moments = st.datetimes(min_value=datetime(2020, 1, 13), max_value=datetime(2030, 12, 31))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_moments, _names, _words), min_size=1, max_size=30),
       st.sampled_from(["android", "ios"]))
def test_well_formed_lines_round_trip(rows, layout: str) -> None:
    rows = sorted(rows)
    lines = []
    for at, name, text in rows:
        at = at.replace(microsecond=0)
        if layout == "android":
            lines.append(f"{at:%d-%m-%Y %H:%M} - {name}: {text}")
        else:
            lines.append(f"[{at:%d-%m-%Y %H:%M:%S}] {name}: {text}")
    # One day above 12 makes the date order certain, as in any real export of some length.
    lines.insert(0, ("13-01-2020 08:00 - Juf: start" if layout == "android"
                     else "[13-01-2020 08:00:00] Juf: start"))
    export = parse_export("\n".join(lines) + "\n")
    assert export.platform == layout
    got = [(m.sent_at, m.sender, m.text) for m in export.messages[1:]]
    want = [(at.replace(microsecond=0, second=at.second if layout == "ios" else 0), name, text)
            for at, name, text in rows]
    assert got == want
