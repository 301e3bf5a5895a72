"""``schoolwacht check`` on hostile input (issue 16): never a crash, always strict JSON, one output
line per non-blank input line, in order; unreadable images are errors, never a clean verdict."""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from bot.checker import Checker, check_stream, dump_line

ROOT = Path(__file__).resolve().parent.parent


def strict(line: str | bytes) -> object:
    """A strict JSON parser: NaN, Infinity and -Infinity are refused."""

    def refuse(name: str) -> object:
        raise ValueError(f"non-standard constant {name}")

    return json.loads(line, parse_constant=refuse)


def run_check(stdin: bytes) -> tuple[list[dict], str]:
    result = subprocess.run([sys.executable, "-m", "bot.cli", "check", "-"], input=stdin,
                            capture_output=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr.decode()
    assert b"Traceback" not in result.stderr
    return [strict(line) for line in result.stdout.splitlines()], result.stderr.decode()


def png_bytes(width: int = 40, height: int = 30) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` x ``height`` pixels (10 gigapixels) with almost no data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    idat = b"IDAT" + zlib.compress(b"\x00" * 100)
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk
            + struct.pack(">I", zlib.crc32(chunk)) + struct.pack(">I", len(idat) - 4) + idat
            + struct.pack(">I", zlib.crc32(idat)))


HOSTILE_LINES: list[bytes] = [
    b'{"id": "\\ud800", "text": "hoi \\udc00 daar"}',  # lone surrogates in id and text
    b'{"id": ' + b"9" * 4300 + b', "text": "hoi"}',
    b'{"id": "x", "n": ' + b"9" * 4301 + b"}",  # beyond Python's int digit limit
    b"[" * 100_000 + b"]" * 100_000,
    b'{"id": "n", "text": "hoi", "deep": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    b'{"id": NaN, "text": "hoi"}',
    b'{"id": Infinity, "text": "hoi"}',
    b'{"id": -Infinity, "text": "hoi"}',
    b'{"id": 1e400, "text": "hoi"}',
    b'{"id": {"a": [1, 2]}, "text": "hoi"}',
    b'{"id": "' + b"i" * 5000 + b'", "text": "hoi"}',
    b'{"id": "img", "image": "' + b"a" * 300 + b'.png"}',
    b'{"id": "nul", "image": "a\\u0000b.png"}',
    b'{"id": "dir", "image": "/"}',
    b'{"id": "zero", "image": "/dev/zero"}',
    b"42", b"null", b'"een string"', b"[]", b"true",
    b'{"id": "k", "text": "hoi", "group_kind": ["class"]}',
    b'{"id": "r", "text": "hoi", "sender_role": {"a": 1}}',
    b'{"id": "t", "text": ["hoi"]}',
    b"\x00\x01\xff\xfe garbage \x80\x81",
    b"\xef\xbb\xbf{\"id\": \"bom\", \"text\": \"hoi\"}",
    b'{"id": "long", "text": "' + b"jij bent een kankerlijer " * 40_000 + b'"}',
    b'{"id": "ok", "text": "Vergeet de toets morgen niet!", "sender_role": "teacher"}',
]


def test_hostile_lines_never_crash_and_output_is_strict_json() -> None:
    out, stderr = run_check(b"\n".join(HOSTILE_LINES) + b"\n")
    assert len(out) == len(HOSTILE_LINES)
    assert all(isinstance(o, dict) and "id" in o for o in out)
    ids = [o["id"] for o in out]
    assert ids[0] == "\ufffd" and "flags" in out[0]  # judged, surrogates replaced
    assert ids[1] == "line-2" and "error" in out[1]  # a 4,300-digit id is refused, not echoed
    assert ids[2] == "line-3" and "invalid JSON" in out[2]["error"]
    assert "nested too deeply" in out[3]["error"] and "nested too deeply" in out[4]["error"]
    for i in (5, 6, 7, 8):
        assert ids[i] == f"line-{i + 1}" and "invalid JSON" in out[i]["error"]
    assert "id must be a string" in out[9]["error"]
    assert "id longer than" in out[10]["error"]
    assert ids[11] == "img" and "error" in out[11]
    for i in (12, 13, 14):
        assert "error" in out[i]
    for i in range(15, 20):
        assert "JSON object" in out[i]["error"]
    assert "group_kind" in out[20]["error"] and "sender_role" in out[21]["error"]
    assert "text must be a string" in out[22]["error"]
    assert "invalid JSON" in out[23]["error"]
    assert "error" in out[24]  # a BOM inside a line is not JSON
    assert "harassment" in out[25]["flags"]
    assert out[26]["id"] == "ok" and out[26]["flags"] == []
    assert "Traceback" not in stderr


def test_a_line_longer_than_the_limit_is_one_error_and_the_stream_goes_on() -> None:
    checker = Checker.from_config(None)
    source = io.BytesIO(b'{"id": "a", "text": "hoi"}\n' + b"x" * 5000 + b"\n"
                        + b'{"id": "c", "text": "hoi"}\n')
    out = io.BytesIO()

    async def go() -> int:
        try:
            return await check_stream(checker, source, out, limit=1000)
        finally:
            await checker.aclose()

    assert asyncio.run(go()) == 3
    lines = [strict(x) for x in out.getvalue().splitlines()]
    assert [x["id"] for x in lines] == ["a", "line-2", "c"]
    assert "longer than 1000 bytes" in lines[1]["error"]


def test_dump_line_is_always_strict_utf8_json() -> None:
    line = dump_line({"id": "\ud800", "score": float("nan"), "x": [float("inf"), "\udfff"]})
    assert strict(line) == {"id": "\ufffd", "score": None, "x": [None, "\ufffd"]}


# --- images ---------------------------------------------------------------------------------------


def test_unreadable_images_are_errors_never_clean(tmp_path: Path) -> None:
    good = tmp_path / "good.png"
    good.write_bytes(png_bytes())
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(png_bytes(400, 300)[:-200])
    huge = tmp_path / "huge.png"
    huge.write_bytes(png_header(100_000, 100_000))  # 10 gigapixels
    text = tmp_path / "text.png"
    text.write_text("dit is geen plaatje\n")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    fifo = tmp_path / "fifo.png"
    os.mkfifo(fifo)
    lines = [
        {"id": "good", "image": str(good)},
        {"id": "truncated", "image": str(truncated)},
        {"id": "huge", "image": str(huge)},
        {"id": "text", "image": str(text)},
        {"id": "empty", "image": str(empty)},
        {"id": "missing", "image": str(tmp_path / "nergens.png")},
        {"id": "fifo", "image": str(fifo)},  # never blocks on a FIFO
        {"id": "insult+broken", "text": "jij bent een kankerlijer", "image": str(truncated)},
    ]
    out, _ = run_check(b"\n".join(json.dumps(x).encode() for x in lines) + b"\n")
    by_id = {o["id"]: o for o in out}
    assert by_id["good"]["severity"] in ("none", "low", "medium", "high", "critical")
    assert "error" not in by_id["good"]
    assert "corrupt" in by_id["truncated"]["error"]
    assert "bomb" in by_id["huge"]["error"]
    assert "format" in by_id["text"]["error"] or "corrupt" in by_id["text"]["error"]
    assert "empty" in by_id["empty"]["error"]
    assert "not found" in by_id["missing"]["error"]
    assert "error" in by_id["fifo"]
    assert "error" in by_id["insult+broken"]


def test_an_image_over_the_configured_limit_is_an_error(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[images]\nmax_bytes = 100\n")
    image = tmp_path / "big.png"
    image.write_bytes(png_bytes(200, 200))
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "check", "-", "--config", str(config)],
        input=json.dumps({"id": "big", "image": str(image)}).encode() + b"\n",
        capture_output=True, cwd=ROOT, timeout=120)
    out = strict(result.stdout)
    assert "too large" in out["error"]  # type: ignore[index]


# --- property: any line in, one strict JSON line out, same order ----------------------------------

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12,
)
_check_objects = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(st.text(max_size=30), st.integers(), st.floats(), st.none(),
                        st.lists(st.integers(), max_size=2)),
        "text": st.one_of(st.text(max_size=200), st.sampled_from(
            ["jij bent een kankerlijer", "bel me op 06-12345678", "Toets morgen!"]), _json_values),
        "image": st.one_of(st.text(max_size=30), st.integers()),
        "group_kind": st.one_of(st.sampled_from(["class", "parent", "staff"]), _json_values),
        "sender_role": st.one_of(st.sampled_from(["student", "teacher", "parent", "staff"]),
                                 _json_values),
    },
)


def _encode(value: object) -> bytes:
    # allow_nan=True on purpose: the input may hold NaN/Infinity; ensure_ascii keeps surrogates.
    return json.dumps(value).encode()


_lines = st.lists(
    st.one_of(
        _check_objects.map(_encode),
        _json_values.map(_encode),
        st.binary(max_size=80).map(lambda b: b.replace(b"\n", b" ")),
        st.text(max_size=80).map(lambda s: s.replace("\n", " ").encode("utf-8", "surrogatepass")),
    ),
    min_size=1,
    max_size=8,
)


@pytest.fixture(scope="module")
def loop_and_checker():
    loop = asyncio.new_event_loop()
    checker = Checker.from_config(None)
    yield loop, checker
    loop.run_until_complete(checker.aclose())
    loop.close()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(lines=_lines)
def test_property_one_strict_json_line_per_input_line_in_order(loop_and_checker, lines) -> None:
    loop, checker = loop_and_checker
    out = io.BytesIO()
    loop.run_until_complete(check_stream(checker, io.BytesIO(b"\n".join(lines) + b"\n"), out))
    expected = [(n, raw) for n, raw in enumerate(lines, start=1) if raw.strip()]
    produced = out.getvalue().splitlines()
    assert len(produced) == len(expected)
    for (number, raw), line in zip(expected, produced, strict=True):
        obj = strict(line)
        assert isinstance(obj, dict) and "id" in obj
        assert ("error" in obj) != ("flags" in obj)
        if obj["id"] == f"line-{number}":
            continue
        # Otherwise the id is the input's own (same order): a string or a bounded number.
        parsed = json.loads(raw)
        assert isinstance(parsed, dict)
        given_id = parsed["id"]
        if isinstance(given_id, str):
            assert obj["id"] == re.sub("[\ud800-\udfff]", "\ufffd", given_id)
        else:
            assert obj["id"] == given_id
