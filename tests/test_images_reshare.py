"""Re-share detection: a flagged screenshot re-posted (resized, recompressed, cropped) in any group
is flagged at once by its perceptual hash, from memory or from the database, without OCR."""

from __future__ import annotations

import io
import os
from types import SimpleNamespace

import pytest
from imagegen import generate
from images_support import EMPTY, context, env, image_event
from PIL import Image

from bot.image_memory import FlaggedImageMemory
from core.image_hashes import InMemoryImageHashStore
from core.verdict import Verdict
from policies.reshare import ResharePolicy
from policies.screenshot import ScreenshotPolicy
from storage.db import Database
from storage.image_hashes import DatabaseImageHashStore
from tests.privacy_support import TEST_KEYS

os.environ.setdefault("OMP_THREAD_LIMIT", "1")


def _variant(data: bytes, *, scale: float, crop: tuple[float, float, float, float],
             quality: int = 70) -> bytes:
    img = Image.open(io.BytesIO(data)).convert("RGB")
    W, H = img.size
    left, top, right, bottom = crop
    img = img.crop((int(left * W), int(top * H), int(W - right * W), int(H - bottom * H)))
    img = img.resize((max(32, int(img.width * scale)), max(32, int(img.height * scale))))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


@pytest.fixture(scope="module")
def shots():
    return generate(3, 0, seed=77)


async def _flag_and_remember(policy: ScreenshotPolicy, data: bytes, store) -> None:
    event = image_event(data, file_id="orig", group_id="klas2b")
    findings = await policy.check(event, EMPTY, context(policy.settings_model()))
    assert [f.flag for f in findings] == ["leaked_screenshot"]
    assert findings[0].data["phash"] and findings[0].data["hash_variants"]
    decision = SimpleNamespace(event=event, verdict=Verdict.of(findings), finding_ids=[41])
    await FlaggedImageMemory(store).on_decision(decision)


@pytest.mark.slow
async def test_reposts_are_flagged_in_another_group_after_resize_and_crop(shots) -> None:
    store = InMemoryImageHashStore()
    e = env(image_hashes=store)
    screenshot, reshare = ScreenshotPolicy(e), ResharePolicy(e)
    try:
        await _flag_and_remember(screenshot, shots[0].data, store)
        variants = [
            _variant(shots[0].data, scale=0.5, crop=(0, 0, 0, 0)),
            _variant(shots[0].data, scale=0.8, crop=(0.03, 0.05, 0.02, 0.0), quality=50),
            _variant(shots[0].data, scale=0.6, crop=(0.0, 0.0, 0.0, 0.09)),
            _variant(shots[0].data, scale=0.7, crop=(0.0, 0.12, 0.0, 0.0)),
        ]
        ctx = context(reshare.settings_model(), group_key="console:klas3c")
        for i, data in enumerate(variants):
            event = image_event(data, file_id=f"re{i}", group_id="klas3c")
            findings = await reshare.check(event, EMPTY, ctx)
            assert len(findings) == 1, i
            assert findings[0].category == "reshare"
            assert findings[0].data["matched_finding_id"] == 41
            assert "andere groep" in findings[0].evidence
            # the screenshot rule leaves a known image to the re-share rule (no second OCR pass)
            assert await screenshot.check(event, EMPTY, ctx) == []
        # different screenshots of the same apps are not mistaken for the flagged one
        for j, other in enumerate(shots[1:]):
            event = image_event(other.data, file_id=f"other{j}", group_id="klas3c")
            assert await reshare.check(event, EMPTY, ctx) == []
    finally:
        await screenshot.aclose()


async def test_database_store_remembers_across_restarts(tmp_path, shots) -> None:
    url = f"sqlite:///{tmp_path / 'sw.db'}"
    from policies.images.hashing import crop_variants, hashes_of, pack

    img = Image.open(io.BytesIO(shots[1].data)).convert("RGB")
    full = hashes_of(img)
    db = Database(url, keys=TEST_KEYS)
    try:
        store = DatabaseImageHashStore(db)
        await store.remember(full.phash, "console:klas2b", 7, source="confirmed",
                             dhash=full.dhash, variants=[pack(v) for v in crop_variants(img)])
    finally:
        db.close()
    db = Database(url, keys=TEST_KEYS)
    try:
        e = env(image_hashes=DatabaseImageHashStore(db))
        reshare = ResharePolicy(e)
        data = _variant(shots[1].data, scale=0.55, crop=(0.02, 0.1, 0.02, 0.0))
        findings = await reshare.check(image_event(data, file_id="x", group_id="klas2b"), EMPTY,
                                       context(reshare.settings_model()))
        assert len(findings) == 1
        assert findings[0].severity.label == "high"  # a moderator confirmed it
        assert "deze groep" in findings[0].evidence
        other = image_event(shots[2].data, file_id="y", group_id="klas2b")
        assert await reshare.check(other, EMPTY, context(reshare.settings_model())) == []
        await e.images.aclose()
    finally:
        db.close()


async def test_check_mode_store_has_no_side_effects(shots) -> None:
    """Without a store handed in (``schoolwacht check``) the policies use a fresh in-memory store."""
    e = env()
    reshare = ResharePolicy(e)
    findings = await reshare.check(image_event(shots[0].data), EMPTY,
                                   context(reshare.settings_model()))
    assert findings == []
    assert isinstance(e.image_hashes, InMemoryImageHashStore)
    assert len(e.image_hashes) == 0
    await e.images.aclose()
