"""One Tesseract pass (Dutch + English) over a polarity-free rendering of the image.

Chat apps put light text on dark bubbles next to dark text on light ones. Instead of letting
Tesseract try every line both ways (slow), the text map from ``layout.text_map`` turns every glyph
dark on white; Tesseract then runs once with inversion switched off. Words come back with boxes, so
the detector can ask *where* a time stamp or a status word sits.
"""

from __future__ import annotations

import io
import re
import subprocess
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pytesseract
from PIL import Image

OCR_WIDTH = 720
LANG = "nld"
CONFIG = "--psm 6 -c tessedit_do_invert=0"
TIME_RE = re.compile(r"^\(?([01]?\d|2[0-3])[:.][0-5]\d\)?[,.]?(?:[vV✓/]{0,2})$")


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    x0: float  # fractions of the OCR image
    y0: float
    x1: float
    y1: float
    conf: float
    line: tuple[int, int, int]


@dataclass(slots=True)
class OcrResult:
    words: list[Word] = field(default_factory=list)
    text: str = ""

    def lines(self) -> list[list[Word]]:
        out: dict[tuple[int, int, int], list[Word]] = {}
        for w in self.words:
            out.setdefault(w.line, []).append(w)
        return list(out.values())


class OcrError(RuntimeError):
    """Tesseract failed or ran out of time."""


def _tesseract_tsv(img: Image.Image, timeout: float) -> dict[str, list[Any]]:
    """Tesseract's TSV words as columns (like pytesseract's ``Output.DICT``), through pipes."""
    buffer = io.BytesIO()
    img.save(buffer, format="PNG")
    command = [pytesseract.pytesseract.tesseract_cmd, "stdin", "stdout", "-l", LANG,
               *CONFIG.split(), "tsv"]
    try:
        done = subprocess.run(command, input=buffer.getvalue(), capture_output=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise OcrError("Tesseract process timeout") from None
    if done.returncode != 0:
        raise OcrError(f"Tesseract failed (exit {done.returncode})")
    rows = done.stdout.decode("utf-8", errors="replace").splitlines()
    header = rows[0].split("\t") if rows else []
    columns: dict[str, list[Any]] = {name: [] for name in header}
    numeric = set(header) - {"text"}
    for row in rows[1:]:
        cells = row.split("\t")
        if len(cells) < len(header):
            cells += [""] * (len(header) - len(cells))
        for name, cell in zip(header, cells, strict=False):
            if name in numeric:
                columns[name].append(float(cell) if name == "conf" else int(cell or 0))
            else:
                columns[name].append(cell)
    return columns


@lru_cache(maxsize=1)
def chat_terms() -> dict[str, tuple[str, ...]]:
    data = tomllib.loads((Path(__file__).with_name("chat_terms.toml")).read_text("utf-8"))
    return {k: tuple(v) for k, v in data.items()}


def ocr_ready(img: Image.Image, boxes: list[tuple[float, float, float, float]]) -> Image.Image:
    """Dark text on white whatever the theme, at most OCR_WIDTH wide.

    Only the text boxes found by the layout pass are copied (each binarised on its own, ink being
    the minority side of an Otsu threshold), so bubbles, avatars, wallpaper and photos vanish and
    Tesseract reads a clean page.
    """
    grey = img.convert("L")
    if grey.width > OCR_WIDTH:
        grey = grey.resize(
            (OCR_WIDTH, max(1, round(grey.height * OCR_WIDTH / grey.width))), Image.BILINEAR
        )
    g = np.asarray(grey)
    H, W = g.shape
    out = np.full_like(g, 255)
    for x0, y0, x1, y1 in boxes:
        h = (y1 - y0) * H
        ys, ye = max(0, int(y0 * H - 0.25 * h) - 1), min(H, int(y1 * H + 0.25 * h) + 2)
        xs, xe = max(0, int(x0 * W) - 4), min(W, int(x1 * W) + 5)
        patch = g[ys:ye, xs:xe]
        if patch.size < 16:
            continue
        t = _otsu(patch)
        dark = patch <= t
        ink = dark if dark.mean() < 0.5 else ~dark
        region = out[ys:ye, xs:xe]
        region[ink] = 0
    return Image.fromarray(out)


def _otsu(patch: np.ndarray) -> int:
    hist = np.bincount(patch.ravel(), minlength=256).astype(np.float64)
    total = hist.sum()
    levels = np.arange(256)
    w0 = np.cumsum(hist)
    m0 = np.cumsum(hist * levels)
    mt = m0[-1]
    w1 = total - w0
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mt * w0 / total - m0) ** 2 / (w0 * w1)
    between = np.nan_to_num(between)
    return int(between.argmax())


def run_ocr(img: Image.Image, timeout: float) -> OcrResult:
    """Tesseract over an already OCR-ready image; ``timeout`` kills the subprocess.

    The image goes to Tesseract on its standard input and the words come back on its standard
    output: no copy of a screenshot (or of the text read from it) is ever written to disk."""
    data = _tesseract_tsv(img, max(0.5, timeout))
    W, H = img.size
    res = OcrResult()
    lines: dict[tuple[int, int, int], list[str]] = {}
    for i, raw in enumerate(data["text"]):
        text = (raw or "").strip()
        conf = float(data["conf"][i])
        if not text or conf < 30:
            continue
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        x, y, w, h = data["left"][i], data["top"][i], data["width"][i], data["height"][i]
        res.words.append(Word(text, x / W, y / H, (x + w) / W, (y + h) / H, conf, key))
        lines.setdefault(key, []).append(text)
    res.text = "\n".join(" ".join(ws) for ws in lines.values())
    return res
