"""Is this image a screenshot of a chat conversation? Cheap signals first, one OCR pass last.

1. Header (no decoding): camera EXIF means a photo taken with a camera; decided at once.
2. Preview (~480 px wide, a few ms): flatness settles photos and memes on photos; the layout
   pass finds text lines, which side they hug, bubbles, a status bar, ruled lines and
   label/value rows.
3. One Tesseract pass over the text boxes only, to read time stamps, chat-app words (status
   under the name, hint in the input field, day separators, read receipts), the name in the
   header and the text itself (handed to the text policies). Skipped when the layout is clearly
   a document, grid or list.

Each signal adds or removes points with a short Dutch phrase as evidence; no single signal decides,
so a downscaled screenshot whose small grey time stamps Tesseract misses is still recognised by its
bubbles and layout, and a timetable full of times is not a chat because of its grid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from policies.images import layout as L
from policies.images import ocr as O
from policies.images.hashing import ImageHashes, crop_variants, hashes_of
from policies.images.intake import SafeImage
from policies.images.pool import Deadline

THRESHOLD = 4.0
SKIP_OCR_BELOW = -1.5  # layout this clearly non-chat needs no OCR
FLAT_PHOTO = 0.35  # below this share of flat pixels an image is a photo (or a meme on one)
_UPPER_LABEL = re.compile(r"^[A-ZÀ-Þ]{2,14}$")
_NAME = re.compile(r"^[A-ZÀ-Þ][a-zà-ÿ]{1,14}$")


@dataclass(slots=True)
class Verdict:
    screenshot: bool
    score: float
    evidence: list[str] = field(default_factory=list)
    ocr_text: str = ""
    ran_ocr: bool = False
    hashes: ImageHashes | None = None
    variants: list[ImageHashes] = field(default_factory=list)  # crops, for flagged images only
    stage: str = ""  # which stage decided: camera | photo | layout | ocr
    features: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        return ", ".join(self.evidence)


def detect(
    image: SafeImage,
    deadline: Deadline | None = None,
    *,
    want_hashes: bool = True,
    threshold: float = THRESHOLD,
) -> Verdict:
    """Decide; runs on a worker thread (CPU-bound, may call Tesseract)."""
    deadline = deadline or Deadline(30)
    if image.camera:
        return Verdict(False, -10, [f"camera-EXIF ({image.camera})"], stage="camera")
    decoded = image.decode(max_width=O.OCR_WIDTH)
    preview = L.preview_of(decoded)
    hashes = hashes_of(preview) if want_hashes else None
    lay = L.analyse(preview)
    feats: dict[str, Any] = {"flat": round(lay.flat, 2), "lines": lay.lines}
    if lay.flat < FLAT_PHOTO:
        return Verdict(
            False,
            -5,
            [f"foto ({round(lay.flat * 100)}% vlakke kleur)"],
            hashes=hashes,
            stage="photo",
            features=feats,
        )
    score, evidence = layout_score(lay, image.aspect)
    feats.update(layout_points=score)
    if lay.lines == 0 or score < SKIP_OCR_BELOW:
        return Verdict(False, score, evidence, hashes=hashes, stage="layout", features=feats)
    boxes = [(s.x0, s.y0, s.x1, s.y1) for s in lay.segments]
    result = O.run_ocr(O.ocr_ready(decoded, boxes), timeout=deadline.remaining())
    points, words_evidence = ocr_score(result, lay)
    score += points
    evidence.extend(words_evidence)
    feats.update(ocr_points=points)
    flagged = score >= threshold
    return Verdict(
        flagged,
        score,
        evidence,
        ocr_text=result.text,
        ran_ocr=True,
        hashes=hashes,
        variants=crop_variants(preview) if flagged and want_hashes else [],
        stage="ocr",
        features=feats,
    )


def layout_score(lay: L.Layout, aspect: float) -> tuple[float, list[str]]:
    score = 0.0
    ev: list[str] = []
    sided = lay.left_only + lay.right_only
    if lay.bubbles_left and lay.bubbles_right and lay.bubble_colours >= 2:
        score += 3
        ev.append("berichtballonnen links en rechts")
    elif lay.bubbles_left + lay.bubbles_right >= 3:
        score += 1.5
        ev.append("berichtballonnen")
    if lay.switches >= 2 and lay.left_only >= 2 and lay.right_only >= 2:
        score += 2
        ev.append("tekst afwisselend links en rechts")
    elif lay.switches >= 1 and lay.left_only and lay.right_only:
        score += 1
        ev.append("tekst links en rechts")
    if lay.status_bar:
        score += 1
        ev.append("statusbalk")
    if lay.side_bars >= 3:
        score += 1.5
        ev.append("gekleurde sprekerstreepjes")
    if 1.6 <= aspect <= 2.4:
        score += 0.5
        ev.append("telefoonformaat")
    lines = max(1, lay.lines)
    if lay.lines >= 4 and lay.full_lines >= 0.45 * lines:
        score -= 2.5
        ev.append("doorlopende tekst over de hele breedte")
    if lay.lines >= 4 and lay.split_lines >= 0.35 * lines:
        score -= 2.5
        ev.append("lijst met label en waarde per regel")
    if lay.lines >= 3 and lay.multi_lines >= 0.35 * lines:
        score -= 2.5
        ev.append("raster van losse items")
    if lay.ruled_lines >= 4:
        score -= 2
        ev.append("tabel- of schrijflijnen")
    if aspect < 0.8 and sided < 4:
        score -= 1
        ev.append("liggend formaat")
    return score, ev


def ocr_score(res: O.OcrResult, lay: L.Layout) -> tuple[float, list[str]]:
    terms = O.chat_terms()
    score = 0.0
    ev: list[str] = []
    times = 0
    labels = 0
    for line in res.lines():
        if len(line) == 1 and _UPPER_LABEL.match(line[0].text) and line[0].x0 < 0.2:
            labels += 1
    for w in res.words:
        if O.TIME_RE.match(w.text) and w.y0 > 0.04:
            times += 1
    if times >= 3:
        score += 2
        ev.append(f"{times} tijdstempels")
    elif times:
        score += 0.75
        ev.append(f"{times} tijdstempel" + ("s" if times > 1 else ""))
    lowered = [(" ".join(x.text for x in line).lower(), line) for line in res.lines()]

    def find(kind: str, where) -> str | None:
        for text, line in lowered:
            if not where(line):
                continue
            for term in terms[kind]:
                if re.search(rf"(?<!\w){re.escape(term)}(?!\w)", text):
                    return term
        return None

    status = find("status", lambda ln: ln[0].y0 < 0.22 and len(ln) <= 7)
    if status:
        score += 2
        ev.append(f"status '{status}' onder de naam")
    hint = find("input", lambda ln: ln[0].y0 > 0.82 and len(ln) <= 4)
    if hint:
        score += 2
        ev.append(f"invoerveld '{hint}'")
    day = find("day", lambda ln: len(ln) <= 3)
    if day:
        score += 1
        ev.append(f"dagscheiding '{day}'")
    receipt = find("receipt", lambda ln: len(ln) <= 2)
    if receipt:
        score += 1
        ev.append(f"leesbevestiging '{receipt}'")
    if labels >= 2:
        score += 1.5
        ev.append(f"{labels} sprekerlabels")
        if lay.side_bars >= 3:
            score += 1  # labelled speakers with coloured markers: a conversation, not a list
    name = _header_name(res)
    if name and (status or lay.status_bar or score > 0):
        score += 0.5
        ev.append(f"kop '{name}'")
    return score, ev


def _header_name(res: O.OcrResult) -> str | None:
    skip = {t for ts in O.chat_terms().values() for t in ts}
    for line in res.lines():
        if not (0.02 < line[0].y0 < 0.16) or len(line) > 3:
            continue
        for w in line:
            if _NAME.match(w.text) and w.text.lower() not in skip and w.x0 < 0.7:
                return w.text
    return None


def detect_pil(img: Image.Image) -> Verdict:
    """Convenience for tools: run on an already opened image (re-encoded as PNG first)."""
    import io

    from policies.images.intake import open_image

    buf = io.BytesIO()
    img.save(buf, "PNG")
    return detect(open_image(buf.getvalue()))
