"""Images through the whole app: a screenshot flagged in one group is recognised when it is
re-posted (resized) in another, from the database, after a restart, without OCR."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from adapters.mail import MemoryBackend
from bot.bootstrap import build_app
from tests.core_support import config
from tests.imagegen import generate
from tests.images_support import image_event
from tests.recording_port import RecordingPort


def resized(data: bytes, factor: float) -> bytes:
    img = Image.open(io.BytesIO(data)).convert("RGB")
    img = img.resize((int(img.width * factor), int(img.height * factor)))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=70)
    return out.getvalue()


async def test_flagged_screenshot_is_remembered_and_a_repost_elsewhere_is_caught(
        tmp_path: Path) -> None:
    sample = next(s for s in generate(4, 0, seed=4242) if s.leaked_screenshot)
    cfg = config(tmp_path)
    app = build_app(cfg, mail=MemoryBackend(), adapters=[])
    port = RecordingPort("console")
    app.add_port(port)
    try:
        await app.directory.sync_config()
        first = await app.on_message(image_event(sample.data, group_id="klas", message_id="1"))
        assert "leaked_screenshot" in first.verdict.flags
        assert port.of("private")  # a kind reminder citing A.8, privately to the sender
    finally:
        await app.stop()

    app = build_app(cfg, mail=MemoryBackend(), adapters=[])  # a restart: memory from the database
    try:
        await app.directory.sync_config()
        again = await app.on_message(image_event(resized(sample.data, 0.6), group_id="ouders",
                                                 message_id="9", file_id="other"))
        reshare = [f for f in again.verdict.findings if f.policy == "reshare"]
        assert reshare and reshare[0].flag == "leaked_screenshot"
    finally:
        await app.stop()
