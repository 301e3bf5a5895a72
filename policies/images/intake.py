"""Safe image intake: the one door every image goes through before any analysis.

Images come from strangers, so the loader refuses anything it cannot bound: a byte limit, a format
allow-list, a pixel limit checked from the header *before* decoding (Pillow's decompression-bomb
guard is turned into an error as well), EXIF orientation applied, and only the first frame of
animations. Every refusal is an ``ImageRejected`` with a short reason code that policies log (never
the content). The time limit is enforced by the worker pool around the whole analysis (see
``pool.py``).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field

from PIL import Image, ImageOps, UnidentifiedImageError

from policies.images.settings import ImageSettings

# What phones and chat apps send. MPO is the multi-picture JPEG some phone cameras write.
ALLOWED_FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP", "GIF", "BMP"})

# EXIF tags only a camera writes (exposure time, f-number, ISO, focal length): screenshots never
# have them, and Make/Model alone is too weak (some screenshot tools fill those in).
_EXIF_IFD = 0x8769
_CAMERA_TAGS = (0x829A, 0x829D, 0x8827, 0x920A)
_MAKE, _MODEL = 0x010F, 0x0110


class ImageRejected(Exception):
    """The image was refused; ``reason`` is a short code safe to log (no content)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class IntakeLimits:
    max_bytes: int = 10_000_000
    max_pixels: int = 40_000_000

    @classmethod
    def from_options(cls, options: ImageSettings | None) -> IntakeLimits:
        if options is None:
            return cls()
        return cls(max_bytes=options.max_bytes, max_pixels=options.max_pixels)


@dataclass(frozen=True, slots=True)
class SafeImage:
    """An image that passed the header checks. Decoding happens on demand (and may still fail)."""

    data: bytes = field(repr=False)
    format: str
    width: int  # as displayed (after EXIF orientation)
    height: int
    camera: str | None  # "Make Model" when the EXIF says a camera took it, else None
    limits: IntakeLimits = field(default_factory=IntakeLimits, repr=False)

    @property
    def aspect(self) -> float:
        """Height over width (> 1 for portrait)."""
        return self.height / max(1, self.width)

    def decode(self, max_width: int | None = None) -> Image.Image:
        """Decode to RGB, orientation applied, at most ``max_width`` wide (JPEGs decode reduced)."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                img = Image.open(io.BytesIO(self.data))
                if max_width and img.format in ("JPEG", "MPO") and img.width > 2 * max_width:
                    # DCT scaling decodes 1/2, 1/4 or 1/8 of the pixels: far cheaper than in full.
                    scale = img.width / max_width
                    img.draft("RGB", (int(img.width / scale), int(img.height / scale)))
                img.seek(0)
                img.load()
                img = ImageOps.exif_transpose(img) or img
                if img.mode != "RGB":
                    img = _to_rgb(img)
        except ImageRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageRejected("bomb", str(exc)[:80]) from None
        except (OSError, SyntaxError, ValueError, EOFError, UnidentifiedImageError) as exc:
            raise ImageRejected("corrupt", type(exc).__name__) from None
        if max_width and img.width > max_width:
            size = (max_width, max(1, round(img.height * max_width / img.width)))
            img = img.resize(size, Image.BILINEAR, reducing_gap=2.0)
        return img


def _to_rgb(img: Image.Image) -> Image.Image:
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        base = Image.new("RGB", rgba.size, (255, 255, 255))
        base.paste(rgba, mask=rgba.getchannel("A"))
        return base
    return img.convert("RGB")


def _camera(img: Image.Image) -> str | None:
    # PNG keeps EXIF in a chunk that may follow the pixels; Pillow would decode the whole image to
    # find it. Screenshots are what PNGs usually are, so only a header chunk is looked at there.
    if img.format == "PNG" and "exif" not in img.info:
        return None
    try:
        exif = img.getexif()
        if not exif:
            return None
        ifd = exif.get_ifd(_EXIF_IFD)
    except Exception:  # a broken EXIF block is not a reason to refuse the picture
        return None
    if not any(tag in ifd for tag in _CAMERA_TAGS):
        return None
    make = str(exif.get(_MAKE, "")).strip("\x00 ")
    model = str(exif.get(_MODEL, "")).strip("\x00 ")
    return " ".join(p for p in (make, model) if p) or "camera"


def open_image(data: bytes, limits: IntakeLimits | None = None) -> SafeImage:
    """Check an image's bytes and header without decoding the pixels."""
    limits = limits or IntakeLimits()
    if not data:
        raise ImageRejected("empty")
    if len(data) > limits.max_bytes:
        raise ImageRejected("too_large", f"{len(data)} bytes")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            fmt = img.format or ""
            if fmt not in ALLOWED_FORMATS:
                raise ImageRejected("format", fmt or "unknown")
            width, height = img.size
            if width <= 0 or height <= 0:
                raise ImageRejected("corrupt", "empty size")
            if width * height > limits.max_pixels:
                raise ImageRejected("bomb", f"{width}x{height}")
            camera = _camera(img)
            orientation = 1
            if img.format != "PNG" or "exif" in img.info:
                try:
                    orientation = img.getexif().get(0x0112, 1)
                except Exception:
                    orientation = 1
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected("bomb", "pillow guard") from None
    except UnidentifiedImageError:  # no image format recognised at all (a text file, a PDF)
        raise ImageRejected("format", "unknown") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageRejected("corrupt", type(exc).__name__) from None
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    return SafeImage(
        data=data, format=fmt, width=width, height=height, camera=camera, limits=limits
    )


def verify_image(data: bytes, limits: IntakeLimits | None = None) -> SafeImage:
    """``open_image`` plus a full decode, so a truncated or corrupt file is refused up front.

    For callers that must report an unreadable picture instead of judging it clean (``schoolwacht
    check``): the header checks bound the cost (size, format, pixel limit) before any decoding.
    Raises ``ImageRejected`` with reason ``empty``, ``too_large``, ``format``, ``bomb`` or
    ``corrupt``.
    """
    image = open_image(data, limits)
    image.decode(max_width=64)  # every pixel row is read; the result is thrown away
    return image
