"""Cheap, OCR-free signals read from a small preview of an image.

All measurements run on a copy about 480 pixels wide and take a few milliseconds:

* *flatness*: user interfaces are mostly flat colour; camera pictures are noise and texture
  everywhere (this alone settles photos without any OCR);
* a *text map* that works for dark-on-light and light-on-dark alike (local contrast against a
  morphological background estimate), cut into text lines and segments;
* the *layout* of those segments: chat messages hug the left or the right edge and alternate, rows
  of a settings screen hold a label and a value side by side, documents run the full width,
  timetables and worksheets have long ruled lines;
* *bubbles*: text sitting on a flat colour that differs from the page background;
* a *status bar*: a thin top strip with a small item at each end.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image
from scipy import ndimage

PREVIEW_WIDTH = 480


@dataclass(frozen=True, slots=True)
class Segment:
    x0: float  # fractions of the width / height
    x1: float
    y0: float
    y1: float
    bubble: (
        tuple[int, int, int] | None
    )  # the flat colour behind the text, when it is not the page's

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def side(self) -> str:
        if self.x0 < 0.2 and self.x1 > 0.8:
            return "full"
        if self.x0 < 0.22 and self.x1 < 0.8:
            return "left"
        if self.x1 > 0.78 and self.x0 > 0.22:
            return "right"
        return "middle"


@dataclass(slots=True)
class Layout:
    width: int
    height: int
    flat: float = 0.0  # share of pixels in perfectly flat 3x3 neighbourhoods
    top_colours: float = 0.0  # share of pixels in the 6 most common (coarse) colours
    background: tuple[int, int, int] = (0, 0, 0)
    dark: bool = False
    segments: list[Segment] = field(default_factory=list)
    lines: int = 0  # text lines below the top bar
    left_only: int = 0  # lines whose text hugs the left edge only
    right_only: int = 0
    full_lines: int = 0
    split_lines: int = 0  # a left item and a right item on the same line (settings, tables)
    multi_lines: int = 0  # three or more separate items on one line (icon grids, tables)
    switches: int = 0  # left/right alternations going down
    bubbles_left: int = 0
    bubbles_right: int = 0
    bubble_colours: int = 0  # distinct bubble colours
    ruled_lines: int = 0  # long thin straight lines (tables, worksheets)
    status_bar: bool = False
    side_bars: int = 0  # thin saturated vertical bars beside text (Snapchat-style)

    @property
    def aspect(self) -> float:
        return self.height / max(1, self.width)


def preview_of(img: Image.Image) -> Image.Image:
    if img.width > PREVIEW_WIDTH:
        size = (PREVIEW_WIDTH, max(1, round(img.height * PREVIEW_WIDTH / img.width)))
        return img.resize(size, Image.BILINEAR, reducing_gap=2.0)
    return img


def flatness(rgb: np.ndarray) -> tuple[float, float]:
    """(share of flat pixels, share of the six most common coarse colours)."""
    a = rgb[::2, ::2].astype(np.int16)  # every other pixel: sensor noise survives, cost quarters
    dx = np.abs(np.diff(a, axis=1)).max(axis=2)
    dy = np.abs(np.diff(a, axis=0)).max(axis=2)
    flat = (dx[:-1, :] <= 2) & (dy[:, :-1] <= 2)
    q = (rgb[::2, ::2] >> 4).astype(np.int32)
    codes = (q[..., 0] << 8) | (q[..., 1] << 4) | q[..., 2]
    counts = np.bincount(codes.ravel(), minlength=4096)
    top = np.sort(counts)[-6:].sum() / max(1, codes.size)
    return float(flat.mean()), float(top)


def text_map(grey: np.ndarray) -> np.ndarray:
    """Pixels that stand out from their local background, whatever the polarity."""
    g = grey.astype(np.int16)
    size = (9, 9)
    closed = ndimage.grey_closing(g, size=size)
    opened = ndimage.grey_opening(g, size=size)
    contrast = np.maximum(closed - g, g - opened)
    return contrast > 45


def _dominant(rgb: np.ndarray) -> tuple[int, int, int]:
    q = (rgb[::3, ::3] >> 3).astype(np.int32)
    codes = (q[..., 0] << 10) | (q[..., 1] << 5) | q[..., 2]
    code = int(np.bincount(codes.ravel()).argmax())
    return ((code >> 10) * 8 + 4, ((code >> 5) & 31) * 8 + 4, (code & 31) * 8 + 4)


def _colour_dist(a, b) -> float:
    return float(np.abs(np.asarray(a, np.int32) - np.asarray(b, np.int32)).sum())


def analyse(preview: Image.Image) -> Layout:
    rgb = np.asarray(preview.convert("RGB"))
    H, W = rgb.shape[:2]
    lay = Layout(width=W, height=H)
    if W < 32 or H < 32:
        return lay
    lay.flat, lay.top_colours = flatness(rgb)
    grey = np.asarray(preview.convert("L"))
    lay.background = _dominant(rgb)
    lay.dark = sum(lay.background) < 3 * 100
    mask = text_map(grey)
    near_text = ndimage.binary_dilation(mask, iterations=1)
    lay.ruled_lines = _ruled_lines(grey)
    # text lines: rows with enough text pixels, merged across 1-pixel gaps
    rows = mask.sum(axis=1) >= 2
    rows = ndimage.binary_closing(rows, structure=np.ones(3, bool))
    labels, _n = ndimage.label(rows)
    gap = max(12, int(W * 0.05))
    prev_side = None
    bubble_cols: list[tuple[int, int, int]] = []
    for sl in ndimage.find_objects(labels)[:400]:
        y0, y1 = sl[0].start, sl[0].stop
        if y1 - y0 < 4 or y1 - y0 > H * 0.2:
            continue
        cols = mask[y0:y1].any(axis=0)
        xs = np.flatnonzero(cols)
        if xs.size < 3:
            continue
        # split into segments at wide gaps
        breaks = np.flatnonzero(np.diff(xs) > gap)
        starts = np.concatenate(([xs[0]], xs[breaks + 1]))
        ends = np.concatenate((xs[breaks], [xs[-1]]))
        segs = []
        for sx, ex in zip(starts, ends, strict=True):
            if ex - sx < 4:
                continue
            bubble = _behind(rgb, near_text, y0, y1, sx, ex, lay.background)
            segs.append(Segment(sx / W, (ex + 1) / W, y0 / H, y1 / H, bubble))
        if not segs:
            continue
        lay.segments.extend(segs)
        if (
            y0 < H * 0.035
            and len(segs) >= 2
            and segs[0].x0 < 0.2
            and segs[-1].x1 > 0.8
            and (y1 - y0) < H * 0.04
        ):
            lay.status_bar = True
        if y0 < H * 0.1:
            continue  # status bar and title bar are not messages
        lay.lines += 1
        if len(segs) >= 3:
            lay.multi_lines += 1
            prev_side = None
            continue
        if len(segs) == 2 and segs[0].x0 < 0.25 and segs[1].x1 > 0.75 and segs[1].x0 > 0.45:
            lay.split_lines += 1
            prev_side = None
            continue
        x0, x1 = segs[0].x0, segs[-1].x1
        side = Segment(x0, x1, 0, 0, None).side
        bubble = next((s.bubble for s in segs if s.bubble is not None), None)
        if side == "left":
            lay.left_only += 1
        elif side == "right":
            lay.right_only += 1
        elif side == "full":
            lay.full_lines += 1
        if side in ("left", "right"):
            if prev_side is not None and prev_side != side:
                lay.switches += 1
            prev_side = side
            if bubble is not None:
                if side == "left":
                    lay.bubbles_left += 1
                else:
                    lay.bubbles_right += 1
                if all(_colour_dist(bubble, c) > 30 for c in bubble_cols):
                    bubble_cols.append(bubble)
    lay.bubble_colours = len(bubble_cols)
    lay.side_bars = _side_bars(rgb, W, H)
    return lay


def _behind(rgb, near_text, y0, y1, x0, x1, background) -> tuple[int, int, int] | None:
    """The flat colour around a text segment, if it is not the page background (a bubble)."""
    pad = 3
    ys, ye = max(0, y0 - pad), min(rgb.shape[0], y1 + pad)
    xs, xe = max(0, x0 - pad), min(rgb.shape[1], x1 + pad + 1)
    patch = rgb[ys:ye, xs:xe]
    keep = ~near_text[ys:ye, xs:xe]
    if keep.sum() < 10:
        return None
    px = patch[keep].astype(np.int32)
    med = np.median(px, axis=0)
    spread = np.abs(px - med).sum(axis=1)
    if (spread < 24).mean() < 0.7:
        return None  # not a flat surface
    colour = (int(med[0]), int(med[1]), int(med[2]))
    if _colour_dist(colour, background) < 24:
        return None
    return colour


def _ruled_lines(grey: np.ndarray) -> int:
    """Long thin straight lines, horizontal or vertical (table grids, answer lines)."""
    g = grey.astype(np.int16)
    _H, _W = g.shape
    count = 0
    # a horizontal line: a row that differs from the rows 2 above and below along most of its length
    up, down = g[:-4], g[4:]
    mid = g[2:-2]
    hline = (
        (np.abs(mid - up) > 30)
        & (np.abs(mid - down) > 30)
        & (np.sign(mid - up) == np.sign(mid - down))
    )
    long_rows = hline.mean(axis=1) > 0.5
    count += int(ndimage.label(long_rows)[1])
    left, right = g[:, :-4], g[:, 4:]
    midc = g[:, 2:-2]
    vline = (
        (np.abs(midc - left) > 30)
        & (np.abs(midc - right) > 30)
        & (np.sign(midc - left) == np.sign(midc - right))
    )
    long_cols = vline.mean(axis=0) > 0.5
    count += int(ndimage.label(long_cols)[1])
    return count


def _side_bars(rgb: np.ndarray, W: int, H: int) -> int:
    """Thin, saturated vertical bars near the left edge (one chat app marks speakers this way)."""
    band = rgb[:, : int(W * 0.12)].astype(np.int16)
    sat = band.max(axis=2) - band.min(axis=2)
    strong = sat > 120
    labels, _n = ndimage.label(strong)
    bars = 0
    for sl in ndimage.find_objects(labels):
        h = sl[0].stop - sl[0].start
        w = sl[1].stop - sl[1].start
        if w <= max(3, W * 0.012) and h >= 8:
            bars += 1
    return bars
