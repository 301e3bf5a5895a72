"""The chat-screenshot detector on generated images, with real Tesseract.

Positives cover every chat style of ``imagegen`` (WhatsApp light/dark, iMessage light/dark,
Telegram light/dark, Instagram, Snapchat) with crops, scribbles, downscaling and JPEG; negatives
cover photos (with and without camera EXIF), memes, timetables, worksheets, slides, whiteboard
photos, home screens, settings screens and article screenshots. The set uses a seed and font the
detector was not tuned on. The shared corpus generator is measured by benchmarks/images.py, not here.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest
from imagegen import CHAT_STYLES, NEGATIVE_KINDS, camera_exif, generate

from policies.images.detector import detect
from policies.images.intake import open_image

pytestmark = pytest.mark.slow
os.environ.setdefault("OMP_THREAD_LIMIT", "1")


def _run(items: list[tuple[bytes, bool, str]]):
    with ThreadPoolExecutor(2) as pool:
        verdicts = list(pool.map(lambda item: detect(open_image(item[0])), items))
    tp = sum(1 for (_, y, _), v in zip(items, verdicts, strict=True) if y and v.screenshot)
    fp = sum(1 for (_, y, _), v in zip(items, verdicts, strict=True) if not y and v.screenshot)
    fn = sum(1 for (_, y, _), v in zip(items, verdicts, strict=True) if y and not v.screenshot)
    return verdicts, tp / max(1, tp + fp), tp / max(1, tp + fn)


@pytest.fixture(scope="module")
def heldout():
    samples = generate(2 * len(CHAT_STYLES), len(NEGATIVE_KINDS), seed=4242,
                       font_family="liberation")
    items = [(s.data, s.leaked_screenshot, s.kind) for s in samples]
    verdicts, precision, recall = _run(items)
    return samples, verdicts, precision, recall


def test_precision_and_recall_on_held_out_styles(heldout) -> None:
    samples, verdicts, precision, recall = heldout
    wrong = [(s.kind, s.variant, v.summary()) for s, v in zip(samples, verdicts, strict=True)
             if v.screenshot != s.leaked_screenshot]
    assert precision >= 0.95, wrong
    assert recall >= 0.90, wrong


def test_every_chat_style_is_recognised_at_least_once(heldout) -> None:
    samples, verdicts, _, _ = heldout
    found = {s.kind for s, v in zip(samples, verdicts, strict=True) if v.screenshot}
    assert set(CHAT_STYLES) - found == set()


def test_no_hard_negative_kind_fires(heldout) -> None:
    samples, verdicts, _, _ = heldout
    fired = [s.kind for s, v in zip(samples, verdicts, strict=True)
             if v.screenshot and not s.leaked_screenshot]
    assert fired == []


def test_evidence_is_readable_and_ocr_text_is_kept(heldout) -> None:
    samples, verdicts, _, _ = heldout
    hits = [v for s, v in zip(samples, verdicts, strict=True) if v.screenshot]
    assert hits
    for v in hits:
        assert v.ran_ocr and v.evidence
        assert any(word in v.summary() for word in ("berichtballonnen", "links", "tijdstempel",
                                                     "invoerveld", "sprekerlabels", "status"))
    # the text read from screenshots goes to the text rules: real words, not noise
    words = " ".join(v.ocr_text for v in hits).lower().split()
    assert len(words) > 20 * len(hits) // 2


def test_camera_photo_is_decided_from_exif_without_ocr() -> None:
    import io
    import random

    from imagegen import _Gen

    g = _Gen(3, "dejavu")
    img, _ = g.photo()
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85, exif=camera_exif(random.Random(3)))
    verdict = detect(open_image(buf.getvalue()))
    assert not verdict.screenshot and not verdict.ran_ocr
    assert verdict.stage == "camera" and "camera-EXIF" in verdict.summary()


def test_photo_without_exif_is_decided_without_ocr() -> None:
    photos = generate(0, 1, seed=11, negatives=("photo",))
    sample = photos[0]
    image = open_image(sample.data)
    if image.camera:  # the generator gives EXIF to some photos; strip it for this case
        import io

        buf = io.BytesIO()
        sample.image().convert("RGB").save(buf, "PNG")
        image = open_image(buf.getvalue())
    verdict = detect(image)
    assert not verdict.screenshot and not verdict.ran_ocr and verdict.stage == "photo"
