"""Image benchmark: detector time next to one plain full-page Tesseract pass, re-share hit time, and
precision/recall of the leaked-screenshot detector on labelled images it was not tuned on.

Usage:  .venv/bin/python benchmarks/images.py [--n 24] [--seed 9001] [--shared-seed 31]

Timings run one image at a time with OMP_THREAD_LIMIT=1 (as the worker pool does). "plain" is
``pytesseract.image_to_string`` on the original image (default language), the reference cost the
targets are stated in: detector <= 1.0x plain on chat screenshots, <= 0.1x on camera photos, and a
re-share hit <= 20 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import pytesseract  # noqa: E402
from imagegen import CHAT_STYLES, NEGATIVE_KINDS, _Gen, camera_exif, generate  # noqa: E402
from PIL import Image  # noqa: E402

from policies.images.detector import detect  # noqa: E402
from policies.images.hashing import crop_variants, hashes_of, pack  # noqa: E402
from policies.images.intake import open_image  # noqa: E402


def _p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]


def _row(label: str, det: list[float], plain: list[float]) -> str:
    md, mp = statistics.median(det), statistics.median(plain)
    return (f"{label:<18} n={len(det):<3} detector median {md * 1000:7.1f} ms  p95 "
            f"{_p95(det) * 1000:7.1f} ms | plain tesseract median {mp * 1000:7.1f} ms  p95 "
            f"{_p95(plain) * 1000:7.1f} ms | ratio of medians {md / mp:5.2f}x")


def timings(samples: list[bytes]) -> tuple[list[float], list[float]]:
    det, plain = [], []
    for data in samples:
        t = time.perf_counter()
        detect(open_image(data))
        det.append(time.perf_counter() - t)
        t = time.perf_counter()
        pytesseract.image_to_string(Image.open(io.BytesIO(data)))
        plain.append(time.perf_counter() - t)
    return det, plain


def camera_photos(n: int, seed: int) -> list[bytes]:
    g = _Gen(seed, "dejavu")
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        img, _ = g.photo()
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=90, exif=camera_exif(rnd))
        out.append(buf.getvalue())
    return out


def reshare_times(samples: list[bytes]) -> list[float]:
    from core.events import Attachment, AttachmentKind
    from core.image_hashes import InMemoryImageHashStore
    from policies.base import PolicyEnv
    from policies.images.service import ImageService

    store = InMemoryImageHashStore()
    for data in samples:
        img = Image.open(io.BytesIO(data)).convert("RGB")
        h = hashes_of(img)
        asyncio.run(store.remember(h.phash, "console:a", 1, dhash=h.dhash,
                                   variants=[pack(v) for v in crop_variants(img)]))

    async def run() -> list[float]:
        service = ImageService.for_env(PolicyEnv(image_hashes=store))
        times = []
        for i, data in enumerate(samples):
            img = Image.open(io.BytesIO(data)).convert("RGB")
            W, H = img.size
            img = img.crop((0, int(H * 0.05), W, H)).resize((W // 2, int(H * 0.95) // 2))
            buf = io.BytesIO()
            img.save(buf, "JPEG", quality=75)
            repost = buf.getvalue()

            async def fetch(b: bytes = repost) -> bytes:
                return b

            att = Attachment(kind=AttachmentKind.IMAGE, file_id=f"r{i}", fetch=fetch)
            t = time.perf_counter()
            hit = await service.known(att)
            times.append(time.perf_counter() - t)
            assert hit is not None, "re-post not recognised"
        await service.aclose()
        return times

    return asyncio.run(run())


def quality(items: list[tuple[bytes, bool, str]]) -> tuple[float, float, list[str]]:
    tp = fp = fn = 0
    wrong = []
    for data, label, kind in items:
        v = detect(open_image(data))
        tp += label and v.screenshot
        fp += (not label) and v.screenshot
        fn += label and not v.screenshot
        if v.screenshot != label:
            wrong.append(f"{kind}: {v.score:.1f} {v.summary()}")
    return tp / max(1, tp + fp), tp / max(1, tp + fn), wrong


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=24, help="chat screenshots (and as many negatives)")
    ap.add_argument("--seed", type=int, default=9001)
    ap.add_argument("--shared-seed", type=int, default=31)
    a = ap.parse_args()

    held = generate(a.n, a.n, seed=a.seed, font_family="liberation")
    chats = [s.data for s in held if s.leaked_screenshot]
    photos = camera_photos(max(6, a.n // 3), a.seed)
    detect(open_image(chats[0]))  # warm-up (imports, page cache)
    print(f"timing, one image at a time, OMP_THREAD_LIMIT={os.environ['OMP_THREAD_LIMIT']}")
    print(_row("chat screenshots", *timings(chats)))
    print(_row("camera photos", *timings(photos)))
    rs = reshare_times(chats[: max(6, a.n // 2)])
    print(f"{'re-share hit':<18} n={len(rs):<3} median {statistics.median(rs) * 1000:6.1f} ms  "
          f"p95 {_p95(rs) * 1000:6.1f} ms (fetch + intake + hash + lookup, no OCR)")

    p, r, wrong = quality([(s.data, s.leaked_screenshot, s.kind) for s in held])
    print(f"\nheld-out generator set (seed {a.seed}, Liberation fonts, {len(CHAT_STYLES)} chat "
          f"styles, {len(NEGATIVE_KINDS)} negative kinds, n={len(held)}): "
          f"precision {p:.3f} recall {r:.3f}")
    for w in wrong:
        print("   wrong:", w)
    with tempfile.TemporaryDirectory() as tmp:
        script = ROOT.parent / "shared" / "corpus" / "make_dev_images.py"
        subprocess.run([sys.executable, str(script), tmp, "--seed", str(a.shared_seed)],
                       check=True, capture_output=True)
        labels = [json.loads(x) for x in Path(tmp, "labels.jsonl").read_text().splitlines()]
        items = [(Path(tmp, x["file"]).read_bytes(), x["leaked_screenshot"], x["kind"])
                 for x in labels]
        p, r, wrong = quality(items)
        print(f"shared generator (seed {a.shared_seed}, n={len(items)}): precision {p:.3f} "
              f"recall {r:.3f}")
        for w in wrong:
            print("   wrong:", w)


if __name__ == "__main__":
    main()
