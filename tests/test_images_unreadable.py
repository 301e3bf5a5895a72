"""Unreadable images in the running bot and in ``schoolwacht scan`` (issue 16): a truncated PNG, a
10-gigapixel header, a text file named .png and an empty file are findings the moderators see, never
a clean verdict. A decompression bomb is suspicious in itself (A.10); a broken upload breaks no rule
but is reported so a moderator knows the bot did not see the picture. Nothing happens in the group."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import Image

from adapters.mail import MemoryBackend
from bot.bootstrap import build_app
from tests.core_support import config
from tests.images_support import image_event
from tests.recording_port import RecordingPort

REPO = Path(__file__).resolve().parents[1]


def png_bytes(width: int = 400, height: int = 300) -> bytes:
    out = io.BytesIO()
    Image.effect_noise((width, height), 60).convert("RGB").save(out, "PNG")
    return out.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` x ``height`` pixels with almost no data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    idat = b"IDAT" + zlib.compress(b"\x00" * 100)
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk
            + struct.pack(">I", zlib.crc32(chunk)) + struct.pack(">I", len(idat) - 4) + idat
            + struct.pack(">I", zlib.crc32(idat)))


UNREADABLE = {
    "truncated": (png_bytes()[:-2000], "corrupt", "beschadigd of afgebroken"),
    "huge": (png_header(100_000, 100_000), "bomb", "decompressiebom"),  # 10 gigapixels
    "text": (b"dit is geen plaatje\n", "format", "geen afbeelding"),
    "empty": (b"", "empty", "leeg"),
}


@pytest.mark.parametrize("name", list(UNREADABLE))
async def test_an_unreadable_image_reaches_the_moderators(tmp_path: Path, name: str) -> None:
    data, reason, words = UNREADABLE[name]
    app = build_app(config(tmp_path), mail=MemoryBackend(), adapters=[])
    port = RecordingPort("console")
    app.add_port(port)
    try:
        await app.directory.sync_config()
        decision = await app.on_message(image_event(data, group_id="klas", message_id="7",
                                                    file_id=f"{name}.png"))
        assert decision is not None and decision.verdict.findings
        (finding,) = [f for f in decision.verdict.findings if f.policy == "unreadable_image"]
        assert finding.category == reason and words in finding.evidence
        if reason == "bomb":
            assert finding.article == "A.10" and finding.severity.label == "medium"
        else:
            assert finding.article == "-" and finding.severity.label == "none"
        # Nothing in the group: no removal, no reminder; the moderators are told.
        assert port.of("delete") == [] and port.of("send") == [] and port.of("private") == []
        await app.dispatcher.deliver_due()
        (alert,) = port.of("alert")
        assert alert.chat_id == "mentor"
        assert "afbeelding kon niet worden gelezen" in alert.detail["text"]
        assert words in alert.detail["text"]
    finally:
        await app.stop()


async def test_a_readable_image_gives_no_such_finding(tmp_path: Path) -> None:
    app = build_app(config(tmp_path), mail=MemoryBackend(), adapters=[])
    app.add_port(RecordingPort("console"))
    try:
        await app.directory.sync_config()
        decision = await app.on_message(image_event(png_bytes(), group_id="klas"))
        assert all(f.policy != "unreadable_image" for f in decision.verdict.findings)
    finally:
        await app.stop()


def test_scan_reports_unreadable_images(tmp_path: Path) -> None:
    lines = ["12-05-2026 15:00 - Dhr. Visser: Morgen vervalt het eerste uur."]
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for i, (data, _reason, _words) in enumerate(UNREADABLE.values()):
            file_name = f"IMG-2026051{i}-WA000{i}.png"
            archive.writestr(file_name, data)
            lines.append(f"12-05-2026 15:0{i + 1} - Sam: {file_name} (bestand bijgevoegd)")
        archive.writestr("WhatsApp-chat met 2A.txt", "\n".join(lines) + "\n")
    result = subprocess.run([sys.executable, "-m", "bot.cli", "scan", str(path), "--format",
                             "json"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    found = [f for f in report["findings"] if "unreadable_image" in f["flags"]]
    assert len(found) == len(UNREADABLE), report["findings"]
    text = json.dumps(found, ensure_ascii=False)
    for _data, _reason, words in UNREADABLE.values():
        assert words in text
