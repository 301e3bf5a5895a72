"""Safe intake and the worker pool: hostile files never crash anything and never queue forever."""

from __future__ import annotations

import asyncio
import io
import logging
import struct
import threading
import time
import zlib

import pytest
from images_support import EMPTY, context, env, image_event
from PIL import Image

from policies.images.intake import ImageRejected, IntakeLimits, open_image
from policies.images.pool import ImageWorkPool, PoolBusy
from policies.screenshot import ScreenshotPolicy


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _bomb_png(width: int, height: int) -> bytes:
    """A tiny file that claims a huge 1-bit image (all zeros compress to almost nothing)."""
    raw = zlib.compress(b"\x00" * ((width // 8 + 1) * 64), 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def test_decompression_bomb_is_refused_before_decoding() -> None:
    data = _bomb_png(30_000, 30_000)
    assert len(data) < 10_000
    with pytest.raises(ImageRejected) as exc:
        open_image(data)
    assert exc.value.reason == "bomb"


def test_corrupt_truncated_and_foreign_files_are_refused() -> None:
    good = io.BytesIO()
    Image.new("RGB", (300, 200), (200, 10, 10)).save(good, "JPEG")
    cases = {
        "corrupt": b"\x89PNG\r\n\x1a\n" + b"garbage" * 50,
        "empty": b"",
        "format": b"%PDF-1.4\n%...",
    }
    for reason, data in cases.items():
        with pytest.raises(ImageRejected) as exc:
            open_image(data)
        assert exc.value.reason in (reason, "corrupt", "format"), reason
    truncated = open_image(good.getvalue()[: len(good.getvalue()) // 2])
    with pytest.raises(ImageRejected) as exc:
        truncated.decode()
    assert exc.value.reason == "corrupt"
    tiff = io.BytesIO()
    Image.new("RGB", (10, 10)).save(tiff, "TIFF")
    with pytest.raises(ImageRejected) as exc:
        open_image(tiff.getvalue())
    assert exc.value.reason == "format"


def test_byte_and_pixel_limits() -> None:
    data = _png(Image.new("RGB", (400, 400), (1, 2, 3)))
    with pytest.raises(ImageRejected) as exc:
        open_image(data, IntakeLimits(max_bytes=100))
    assert exc.value.reason == "too_large"
    with pytest.raises(ImageRejected) as exc:
        open_image(data, IntakeLimits(max_pixels=1000))
    assert exc.value.reason == "bomb"


def test_exif_orientation_is_applied() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90 degrees: stored landscape, shown portrait
    buf = io.BytesIO()
    Image.new("RGB", (400, 200), (0, 0, 0)).save(buf, "JPEG", exif=exif.tobytes())
    image = open_image(buf.getvalue())
    assert (image.width, image.height) == (200, 400)
    assert image.decode().size == (200, 400)
    assert image.camera is None  # orientation alone is not a camera


async def test_policy_survives_hostile_files_and_logs_a_reason(caplog) -> None:
    policy = ScreenshotPolicy(env())
    ctx = context(policy.settings_model())
    caplog.set_level(logging.INFO, logger="policies.images.service")
    try:
        for i, data in enumerate([_bomb_png(20_000, 20_000), b"\xff\xd8\xff\xe0 not a jpeg",
                                  b"\x00" * 100]):
            findings = await policy.check(image_event(data, file_id=f"bad{i}"), EMPTY, ctx)
            assert findings == []
    finally:
        await policy.aclose()
    reasons = [getattr(r, "reason", None) for r in caplog.records]
    assert "bomb" in reasons and "corrupt" in reasons


async def test_pool_queues_a_flood_and_refuses_beyond_the_bound() -> None:
    pool = ImageWorkPool(workers=1, queue_size=2, timeout_seconds=5)
    gate = threading.Event()
    try:
        def slow(_deadline) -> str:
            gate.wait(5)
            return "done"

        running = asyncio.ensure_future(pool.run(slow))
        await asyncio.sleep(0.05)
        queued = [asyncio.ensure_future(pool.run(lambda _d: "queued")) for _ in range(2)]
        await asyncio.sleep(0.05)
        assert pool.waiting == 2
        with pytest.raises(PoolBusy):
            await pool.run(lambda _d: "too many")
        # the event loop stays free while the images wait: other work still runs at once
        started = time.perf_counter()
        await asyncio.sleep(0)
        assert time.perf_counter() - started < 0.05
        gate.set()
        assert await running == "done"
        assert await asyncio.gather(*queued) == ["queued", "queued"]
    finally:
        gate.set()
        pool.close()


async def test_pool_time_limit() -> None:
    pool = ImageWorkPool(workers=1, queue_size=4, timeout_seconds=0.2)
    release = threading.Event()
    try:
        with pytest.raises(TimeoutError):
            await pool.run(lambda _d: release.wait(3))
    finally:
        release.set()
        pool.close()
