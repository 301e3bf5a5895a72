"""A varied, labelled image generator for the leaked-screenshot detector (tests and benchmarks).

Positives are phone screenshots of a chat in several app styles (WhatsApp light/dark, iMessage,
Telegram, Instagram, Snapchat), optionally cropped, scribbled over, downscaled and
JPEG-recompressed. Negatives are the hard cases: camera-like photos (with or without EXIF), memes
with big captions, timetables, worksheets, slides, photographed whiteboards, phone home screens,
settings screens and article screenshots.

Everything is drawn from its own vocabulary (nothing from the shared corpus) and is deterministic
for a seed. ``font_family`` and ``seed`` let a held-out set differ from the one the detector was
tuned on.
"""

from __future__ import annotations

import io
import random
import subprocess
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

CHAT_STYLES = (
    "whatsapp_light",
    "whatsapp_dark",
    "imessage",
    "imessage_dark",
    "telegram",
    "telegram_dark",
    "instagram",
    "snapchat",
)
NEGATIVE_KINDS = (
    "photo",
    "meme",
    "timetable",
    "worksheet",
    "slide",
    "whiteboard",
    "home_screen",
    "settings_screen",
    "article_screen",
)

_WORDS_NL = [
    "ik",
    "je",
    "jij",
    "hij",
    "zij",
    "we",
    "jullie",
    "ze",
    "niet",
    "wel",
    "echt",
    "gewoon",
    "nou",
    "toch",
    "even",
    "ook",
    "maar",
    "nog",
    "al",
    "zo",
    "dan",
    "morgen",
    "straks",
    "vanavond",
    "zaterdag",
    "weekend",
    "training",
    "huiswerk",
    "toets",
    "film",
    "bus",
    "trein",
    "fiets",
    "mam",
    "pap",
    "broertje",
    "zus",
    "feestje",
    "kantine",
    "gym",
    "pauze",
    "les",
    "lokaal",
    "boek",
    "vraag",
    "antwoord",
    "klaar",
    "gezellig",
    "raar",
    "stom",
    "leuk",
    "grappig",
    "boos",
    "moe",
    "blij",
    "snap",
    "weet",
    "denk",
    "zeg",
    "kom",
    "ga",
    "doe",
    "wil",
    "kan",
    "moet",
    "hoezo",
    "waarom",
    "wanneer",
    "waar",
    "wie",
    "wat",
    "oké",
    "ja",
    "nee",
    "haha",
    "lol",
    "serieus",
    "sorry",
    "dankje",
    "top",
    "prima",
]
_WORDS_EN = [
    "i",
    "you",
    "he",
    "she",
    "we",
    "they",
    "not",
    "really",
    "just",
    "well",
    "still",
    "also",
    "but",
    "so",
    "then",
    "tomorrow",
    "later",
    "tonight",
    "weekend",
    "practice",
    "homework",
    "test",
    "movie",
    "bus",
    "train",
    "bike",
    "mum",
    "dad",
    "party",
    "lunch",
    "gym",
    "break",
    "class",
    "book",
    "question",
    "answer",
    "done",
    "fun",
    "weird",
    "funny",
    "angry",
    "tired",
    "happy",
    "know",
    "think",
    "say",
    "come",
    "go",
    "want",
    "can",
    "must",
    "why",
    "when",
    "where",
    "who",
    "what",
    "okay",
    "yes",
    "no",
    "haha",
    "lol",
    "seriously",
    "sorry",
    "thanks",
    "great",
    "fine",
]
_NAMES = [
    "Sanne",
    "Daan",
    "Lisa",
    "Milan",
    "Fleur",
    "Jesse",
    "Noor",
    "Luuk",
    "Iris",
    "Thijs",
    "Mila",
    "Sem",
    "Roos",
    "Bram",
    "Julia",
    "Finn",
    "Lieke",
    "Ruben",
    "Eva",
    "Cas",
    "Zoë",
    "Mats",
    "Femke",
    "Gijs",
    "Yara",
    "Niels",
    "Amber",
    "Teun",
    "Isa",
    "Joris",
    "Maud",
    "Koen",
]
_APPS = [
    "Klok",
    "Agenda",
    "Foto's",
    "Camera",
    "Kaarten",
    "Weer",
    "Notities",
    "Muziek",
    "Mail",
    "Instellingen",
    "Rekenmachine",
    "Podcasts",
    "Boeken",
    "Gezondheid",
    "Bestanden",
    "Wallet",
    "Kompas",
    "Spraakmemo",
    "Contacten",
    "Vertaal",
    "Galerij",
]
_SETTINGS = [
    "Vliegtuigmodus",
    "Wifi",
    "Bluetooth",
    "Mobiel netwerk",
    "Persoonlijke hotspot",
    "Meldingen",
    "Geluiden",
    "Focus",
    "Schermtijd",
    "Algemeen",
    "Scherm en helderheid",
    "Achtergrond",
    "Batterij",
    "Privacy",
    "Accounts",
    "Opslag",
    "Taal en regio",
    "Datum en tijd",
    "Toegankelijkheid",
    "Software-update",
    "Over deze telefoon",
    "Wachtwoorden",
]
_SUBJECTS = [
    "Wiskunde",
    "Nederlands",
    "Engels",
    "Biologie",
    "Geschiedenis",
    "Aardrijkskunde",
    "Frans",
    "Duits",
    "Scheikunde",
    "Natuurkunde",
    "Economie",
    "Muziek",
    "Tekenen",
    "Gym",
    "Mentoruur",
    "Informatica",
    "Filosofie",
]
_PHONE_SIZES = ((720, 1280), (720, 1520), (1080, 2340), (750, 1334), (828, 1792), (1170, 2532))


@lru_cache(maxsize=8)
def _font_dir(family: str) -> str:
    name = {"dejavu": "DejaVu Sans", "liberation": "Liberation Sans"}[family]
    out = subprocess.run(
        ["fc-match", "-f", "%{file}", name], capture_output=True, text=True, timeout=10
    ).stdout
    return out.rsplit("/", 1)[0] + "/"


@lru_cache(maxsize=256)
def _font_cached(family: str, size: int, bold: bool) -> ImageFont.FreeTypeFont:
    files = {
        "dejavu": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
        "liberation": ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
    }[family]
    return ImageFont.truetype(_font_dir(family) + files[int(bold)], max(6, size))


@dataclass
class Sample:
    """One generated image with its label. ``data`` is the encoded file as a phone would send it."""

    data: bytes
    leaked_screenshot: bool
    kind: str
    variant: str = ""

    def image(self) -> Image.Image:
        return Image.open(io.BytesIO(self.data))


class _Gen:
    def __init__(self, seed: int, font_family: str) -> None:
        self.r = random.Random(seed)
        self.np = np.random.default_rng(seed)
        self.family = font_family

    # ---- helpers -----------------------------------------------------------------------------
    def font(self, size: float, bold: bool = False) -> ImageFont.FreeTypeFont:
        return _font_cached(self.family, int(size), bold)

    def jitter(self, rgb: tuple[int, int, int], amount: int = 10) -> tuple[int, int, int]:
        r = self.r
        return tuple(max(0, min(255, c + r.randint(-amount, amount))) for c in rgb)  # type: ignore

    def sentence(self, lang: str, n: tuple[int, int] = (1, 9)) -> str:
        words = _WORDS_NL if lang == "nl" else _WORDS_EN
        text = " ".join(self.r.choice(words) for _ in range(self.r.randint(*n)))
        if self.r.random() < 0.3:
            text += self.r.choice(["?", "!", "??", " :)", "..."])
        return text[0].upper() + text[1:] if self.r.random() < 0.5 else text

    def clock(self) -> str:
        return f"{self.r.randint(7, 23)}:{self.r.randint(0, 59):02d}"

    def wrap(self, draw: ImageDraw.ImageDraw, text: str, font, width: float) -> list[str]:
        lines, cur = [], ""
        for word in text.split():
            trial = f"{cur} {word}".strip()
            if draw.textlength(trial, font=font) <= width or not cur:
                cur = trial
            else:
                lines.append(cur)
                cur = word
        if cur:
            lines.append(cur)
        return lines

    def status_bar(self, d: ImageDraw.ImageDraw, W: int, k: float, fg, bg=None) -> float:
        h = 24 * k
        if bg is not None:
            d.rectangle([0, 0, W, h], fill=bg)
        d.text((14 * k, 5 * k), self.clock(), font=self.font(12 * k, True), fill=fg)
        x = W - 16 * k
        d.rectangle([x - 22 * k, 8 * k, x, 17 * k], outline=fg, width=max(1, int(k)))
        d.rectangle([x - 20 * k, 10 * k, x - 20 * k + self.r.uniform(4, 18) * k, 15 * k], fill=fg)
        for i in range(4):
            bx = x - 50 * k + i * 5 * k
            d.rectangle([bx, 17 * k - (i + 1) * 2.5 * k, bx + 3 * k, 17 * k], fill=fg)
        if self.r.random() < 0.5:
            d.text(
                (x - 80 * k, 5 * k), f"{self.r.randint(5, 100)}%", font=self.font(11 * k), fill=fg
            )
        return h

    # ---- chat screenshots ----------------------------------------------------------------------
    def chat(self, style: str) -> Image.Image:
        r = self.r
        W, H = r.choice(_PHONE_SIZES)
        k = W / 360
        lang = "nl" if r.random() < 0.75 else "en"
        name = r.choice(_NAMES)
        dark = style.endswith("_dark")
        app = style.split("_")[0]
        pal = self.palette(app, dark)
        img = Image.new("RGB", (W, H), pal["bg"])
        d = ImageDraw.Draw(img)
        if pal.get("pattern"):
            self.wallpaper_doodles(d, W, H, k, pal["pattern"])
        top = self.status_bar(d, W, k, pal["status_fg"], pal.get("header"))
        # header
        hh = 56 * k
        if pal.get("header"):
            d.rectangle([0, top, W, top + hh], fill=pal["header"])
        sub = {
            "nl": [
                "online",
                "typt...",
                "laatst gezien vandaag om " + self.clock(),
                "Actief nu",
                "tik hier voor info",
                "laatst gezien recent",
            ],
            "en": [
                "online",
                "typing...",
                "last seen today at " + self.clock(),
                "Active now",
                "tap here for contact info",
                "last seen recently",
            ],
        }[lang]
        centered = app in ("imessage",)
        d.text((12 * k, top + hh / 2), "<", font=self.font(22 * k), fill=pal["accent"], anchor="lm")
        if centered:
            d.ellipse(
                [W / 2 - 16 * k, top + 4 * k, W / 2 + 16 * k, top + 36 * k], fill=(160, 165, 175)
            )
            d.text(
                (W / 2, top + 46 * k),
                name,
                font=self.font(11 * k),
                fill=pal["header_fg"],
                anchor="mm",
            )
            name_box = (W / 2 - 30 * k, top + 38 * k, W / 2 + 30 * k, top + 54 * k)
        else:
            d.ellipse(
                [34 * k, top + 10 * k, 70 * k, top + 46 * k], fill=self.jitter((170, 170, 185), 40)
            )
            fnt = self.font(16 * k, True)
            d.text((80 * k, top + 12 * k), name, font=fnt, fill=pal["header_fg"])
            name_box = (78 * k, top + 10 * k, 84 * k + d.textlength(name, font=fnt), top + 32 * k)
            if app != "snapchat" or r.random() < 0.5:
                d.text(
                    (80 * k, top + 33 * k),
                    r.choice(sub),
                    font=self.font(11 * k),
                    fill=pal["header_sub"],
                )
        if pal.get("header_line"):
            d.line([0, top + hh, W, top + hh], fill=pal["header_line"], width=max(1, int(k)))
        y = top + hh + 14 * k
        bottom = H - 64 * k
        # a day separator
        if r.random() < 0.7:
            label = r.choice(
                {
                    "nl": ["Vandaag", "Gisteren", "VANDAAG", "Maandag"],
                    "en": ["Today", "Yesterday", "TODAY", "Monday"],
                }[lang]
            )
            if app == "imessage":
                label = f"{label} {self.clock()}"
            f = self.font(11 * k)
            tw = d.textlength(label, font=f)
            if pal.get("chip"):
                d.rounded_rectangle(
                    [W / 2 - tw / 2 - 8 * k, y, W / 2 + tw / 2 + 8 * k, y + 20 * k],
                    radius=int(6 * k),
                    fill=pal["chip"],
                )
            d.text((W / 2, y + 10 * k), label, font=f, fill=pal["small"], anchor="mm")
            y += 32 * k
        prev_me = None
        body = self.font(r.uniform(13.5, 15.5) * k)
        while y < bottom - 50 * k:
            me = r.random() < 0.5
            text = self.sentence(lang)
            if app == "snapchat":
                y = self.snap_message(d, W, k, y, me, name, text, body, pal, prev_me)
            else:
                y = self.bubble(d, W, k, y, me, text, body, pal, app, prev_me)
            prev_me = me
        # input field
        d.rectangle([0, bottom, W, H], fill=pal.get("footer", pal["bg"]))
        hint = {
            "whatsapp": ("Typ een bericht", "Message"),
            "imessage": ("iMessage", "iMessage"),
            "telegram": ("Bericht", "Message"),
            "instagram": ("Bericht...", "Message..."),
            "snapchat": ("Stuur een chat", "Send a chat"),
        }[app][lang == "en"]
        d.rounded_rectangle(
            [14 * k, bottom + 12 * k, W - 60 * k, bottom + 48 * k],
            radius=int(18 * k),
            fill=pal["input"],
            outline=pal.get("input_line"),
        )
        d.text(
            (30 * k, bottom + 30 * k), hint, font=self.font(14 * k), fill=pal["hint"], anchor="lm"
        )
        d.ellipse([W - 52 * k, bottom + 12 * k, W - 16 * k, bottom + 48 * k], fill=pal["accent"])
        self._name_box = name_box
        return img

    def palette(self, app: str, dark: bool) -> dict:
        j = self.jitter
        if app == "whatsapp":
            if dark:
                return dict(
                    bg=j((11, 20, 26), 6),
                    header=j((31, 44, 52), 6),
                    header_fg=(233, 237, 239),
                    header_sub=(134, 150, 160),
                    status_fg=(233, 237, 239),
                    me=j((0, 92, 75), 8),
                    them=j((31, 44, 52), 6),
                    text=(233, 237, 239),
                    small=(134, 150, 160),
                    chip=(24, 34, 41),
                    input=(31, 44, 52),
                    hint=(134, 150, 160),
                    accent=(0, 168, 132),
                    pattern=(20, 30, 36) if self.r.random() < 0.6 else None,
                )
            return dict(
                bg=j((236, 229, 221), 8),
                header=j((0, 128, 105), 10),
                header_fg=(255, 255, 255),
                header_sub=(220, 240, 235),
                status_fg=(255, 255, 255),
                me=j((217, 253, 211), 6),
                them=(255, 255, 255),
                text=(17, 27, 33),
                small=(102, 119, 129),
                chip=(225, 242, 251),
                input=(255, 255, 255),
                hint=(134, 150, 160),
                accent=(0, 168, 132),
                pattern=(226, 218, 209) if self.r.random() < 0.6 else None,
            )
        if app == "imessage":
            if dark:
                return dict(
                    bg=(0, 0, 0),
                    header=j((22, 22, 24), 4),
                    header_fg=(255, 255, 255),
                    header_sub=(142, 142, 147),
                    status_fg=(255, 255, 255),
                    me=j((10, 132, 255), 8),
                    them=(38, 38, 41),
                    text=(255, 255, 255),
                    me_text=(255, 255, 255),
                    small=(142, 142, 147),
                    input=(0, 0, 0),
                    input_line=(60, 60, 64),
                    hint=(110, 110, 115),
                    accent=(10, 132, 255),
                    header_line=(40, 40, 44),
                )
            return dict(
                bg=(255, 255, 255),
                header=j((246, 246, 246), 3),
                header_fg=(0, 0, 0),
                header_sub=(142, 142, 147),
                status_fg=(0, 0, 0),
                me=j((0, 122, 255), 8),
                them=j((233, 233, 235), 4),
                text=(0, 0, 0),
                me_text=(255, 255, 255),
                small=(142, 142, 147),
                input=(255, 255, 255),
                input_line=(200, 200, 204),
                hint=(170, 170, 175),
                accent=(0, 122, 255),
                header_line=(215, 215, 218),
            )
        if app == "telegram":
            if dark:
                return dict(
                    bg=j((14, 22, 33), 6),
                    header=j((23, 33, 43), 5),
                    header_fg=(255, 255, 255),
                    header_sub=(110, 130, 150),
                    status_fg=(255, 255, 255),
                    me=j((43, 82, 120), 8),
                    them=j((24, 37, 51), 5),
                    text=(245, 245, 245),
                    small=(110, 140, 170),
                    chip=(30, 44, 58),
                    input=(23, 33, 43),
                    hint=(110, 120, 130),
                    accent=(82, 136, 193),
                    pattern=(20, 30, 42),
                )
            return dict(
                bg=j((160, 190, 140), 25),
                header=j((81, 127, 168), 10),
                header_fg=(255, 255, 255),
                header_sub=(200, 220, 240),
                status_fg=(255, 255, 255),
                me=j((239, 253, 222), 5),
                them=(255, 255, 255),
                text=(0, 0, 0),
                small=(90, 160, 90),
                chip=(140, 170, 120),
                input=(255, 255, 255),
                hint=(150, 150, 150),
                accent=(81, 127, 168),
                pattern=(150, 180, 130) if self.r.random() < 0.7 else None,
            )
        if app == "instagram":
            if self.r.random() < 0.5:
                return dict(
                    bg=(0, 0, 0),
                    header=None,
                    header_fg=(255, 255, 255),
                    header_sub=(160, 160, 160),
                    status_fg=(255, 255, 255),
                    me=j((120, 60, 240), 20),
                    them=(38, 38, 38),
                    text=(255, 255, 255),
                    small=(160, 160, 160),
                    input=(38, 38, 38),
                    hint=(160, 160, 160),
                    accent=(0, 149, 246),
                    avatar=True,
                )
            return dict(
                bg=(255, 255, 255),
                header=None,
                header_fg=(0, 0, 0),
                header_sub=(140, 140, 140),
                status_fg=(0, 0, 0),
                me=j((55, 151, 240), 25),
                them=(239, 239, 239),
                text=(0, 0, 0),
                me_text=(255, 255, 255),
                small=(140, 140, 140),
                input=(255, 255, 255),
                input_line=(219, 219, 219),
                hint=(140, 140, 140),
                accent=(0, 149, 246),
                avatar=True,
                header_line=(230, 230, 230),
            )
        # snapchat
        return dict(
            bg=(255, 255, 255),
            header=None,
            header_fg=(0, 0, 0),
            header_sub=(140, 140, 140),
            status_fg=(0, 0, 0),
            text=(0, 0, 0),
            small=(150, 150, 150),
            me_c=(242, 60, 87),
            them_c=(14, 173, 255),
            input=(240, 240, 240),
            hint=(150, 150, 150),
            accent=(255, 252, 0),
            header_line=(235, 235, 235),
        )

    def wallpaper_doodles(self, d, W, H, k, colour) -> None:
        for _ in range(int(W * H / (3000 * k * k))):
            x, y = self.r.uniform(0, W), self.r.uniform(0, H)
            s = self.r.uniform(6, 16) * k
            shape = self.r.random()
            if shape < 0.4:
                d.ellipse([x, y, x + s, y + s], outline=colour, width=max(1, int(k)))
            elif shape < 0.7:
                d.line([x, y, x + s, y + s * 0.6], fill=colour, width=max(1, int(k)))
            else:
                d.rectangle([x, y, x + s, y + s * 0.7], outline=colour, width=max(1, int(k)))

    def bubble(self, d, W, k, y, me, text, font, pal, app, prev_me) -> float:
        r = self.r
        maxw = W * 0.72
        pad = 10 * k
        lines = self.wrap(d, text, font, maxw - 2 * pad - 40 * k)
        lh = font.size * 1.3
        tw = max(d.textlength(line, font=font) for line in lines)
        show_time = app in ("whatsapp", "telegram")
        w = tw + 2 * pad + (46 * k if show_time else 0)
        h = len(lines) * lh + 2 * pad - 2 * k
        if prev_me is not None and prev_me != me:
            y += 8 * k
        avatar = pal.get("avatar") and not me
        x = W - w - 12 * k if me else 12 * k + (34 * k if avatar else 0)
        colour = pal["me"] if me else pal["them"]
        d.rounded_rectangle(
            [x, y, x + w, y + h],
            radius=int((18 if app in ("imessage", "instagram") else 8) * k),
            fill=colour,
        )
        if avatar:
            d.ellipse(
                [12 * k, y + h - 28 * k, 40 * k, y + h], fill=self.jitter((190, 170, 160), 40)
            )
        fg = pal.get("me_text", pal["text"]) if me else pal["text"]
        for i, line in enumerate(lines):
            d.text((x + pad, y + pad + i * lh), line, font=font, fill=fg)
        if show_time:
            stamp = self.clock() + (
                " ✓✓" if me and r.random() < 0.5 and self.family == "dejavu" else ""
            )
            d.text(
                (x + w - 6 * k, y + h - 5 * k),
                stamp,
                font=self.font(9.5 * k),
                fill=pal["small"],
                anchor="rs",
            )
        y += h + 4 * k
        if app == "imessage" and me and r.random() < 0.15:
            d.text(
                (W - 14 * k, y),
                r.choice(["Gelezen", "Bezorgd", "Read", "Delivered"]),
                font=self.font(10 * k),
                fill=pal["small"],
                anchor="ra",
            )
            y += 16 * k
        return y

    def snap_message(self, d, W, k, y, me, name, text, font, pal, prev_me) -> float:
        if prev_me != me:
            y += 6 * k
            label = ("JIJ" if self.r.random() < 0.7 else "ME") if me else name.upper()
            d.text(
                (16 * k, y),
                label,
                font=self.font(11 * k, True),
                fill=pal["me_c" if me else "them_c"],
            )
            y += 18 * k
        lines = self.wrap(d, text, font, W * 0.85)
        lh = font.size * 1.3
        d.rectangle([14 * k, y, 16 * k, y + len(lines) * lh], fill=pal["me_c" if me else "them_c"])
        for i, line in enumerate(lines):
            d.text((24 * k, y + i * lh), line, font=font, fill=pal["text"])
        return y + len(lines) * lh + 6 * k

    # ---- negatives --------------------------------------------------------------------------
    def natural(self, w: int, h: int) -> Image.Image:
        """A camera-like picture: smooth colour fields, blurred shapes, texture and sensor noise."""
        g = self.np
        small = g.uniform(0, 255, (max(2, h // 180), max(2, w // 180), 3)).astype(np.uint8)
        base = Image.fromarray(small).resize((w, h), Image.BICUBIC)
        d = ImageDraw.Draw(base)
        for _ in range(self.r.randint(4, 12)):
            x, y = self.r.uniform(-0.1, 1) * w, self.r.uniform(-0.1, 1) * h
            s = self.r.uniform(0.05, 0.4) * min(w, h)
            d.ellipse(
                [x, y, x + s, y + s * self.r.uniform(0.5, 1.5)],
                fill=self.jitter((128, 128, 128), 127),
            )
        base = base.filter(ImageFilter.GaussianBlur(self.r.uniform(2, 8)))
        arr = np.asarray(base).astype(np.float32)
        tex = g.normal(0, 1, (h // 4 + 1, w // 4 + 1)).astype(np.float32)
        tex = np.kron(tex, np.ones((4, 4), np.float32))[:h, :w]
        arr += tex[..., None] * self.r.uniform(3, 12) + g.normal(
            0, self.r.uniform(2.5, 7), arr.shape
        )
        return Image.fromarray(arr.clip(0, 255).astype(np.uint8))

    def photo(self) -> tuple[Image.Image, bool]:
        w, h = self.r.choice(
            [
                (1600, 1200),
                (1200, 1600),
                (2000, 1500),
                (1280, 960),
                (960, 1280),
                (1080, 1920),
                (1440, 1080),
            ]
        )
        return self.natural(w, h), self.r.random() < 0.6

    def meme(self) -> Image.Image:
        r = self.r
        w = r.choice([600, 700, 800])
        h = int(w * r.choice([1.0, 0.75, 1.2]))
        if r.random() < 0.5:
            img = self.natural(w, h)
            d = ImageDraw.Draw(img)
            f = self.font(w / 11, True)
            for text, yy in (
                (self.sentence("nl", (2, 5)).upper(), h * 0.04),
                (self.sentence("nl", (2, 5)).upper(), h * 0.82),
            ):
                d.text(
                    (w / 2, yy),
                    text[:22],
                    font=f,
                    fill=(255, 255, 255),
                    anchor="ma",
                    stroke_width=max(2, w // 200),
                    stroke_fill=(0, 0, 0),
                )
            return img
        band = int(h * 0.3)
        img = Image.new("RGB", (w, h + band), (255, 255, 255))
        img.paste(self.natural(w, h), (0, band))
        d = ImageDraw.Draw(img)
        f = self.font(w / 20)
        lines = self.wrap(d, self.sentence("en", (6, 14)), f, w * 0.9)
        for i, line in enumerate(lines[:3]):
            d.text((w * 0.05, band * 0.15 + i * f.size * 1.25), line, font=f, fill=(0, 0, 0))
        return img

    def timetable(self) -> Image.Image:
        r = self.r
        W, H = r.choice([(1200, 800), (1400, 900), (900, 1200)])
        img = Image.new("RGB", (W, H), (255, 255, 255))
        d = ImageDraw.Draw(img)
        days = r.choice(
            [
                ["ma", "di", "wo", "do", "vr"],
                ["Maandag", "Dinsdag", "Woensdag", "Donderdag", "Vrijdag"],
            ]
        )
        rows = r.randint(6, 9)
        lw, th = W * 0.16, H * 0.08
        cw, rh = (W - lw - 20) / 5, (H - th - 20) / rows
        f = self.font(min(rh * 0.28, 20))
        d.text(
            (10, 10),
            "Rooster " + r.choice(["2B", "3H", "4V", "1A"]),
            font=self.font(22, True),
            fill=(0, 0, 0),
        )
        for c, day in enumerate(days):
            d.text((lw + c * cw + 8, th - 30), day, font=self.font(18, True), fill=(0, 0, 0))
        start = 8 * 60 + r.choice([15, 30])
        for row in range(rows):
            t0 = start + row * 50
            d.text(
                (8, th + row * rh + 6),
                f"{t0 // 60:02d}:{t0 % 60:02d}-{(t0 + 50) // 60:02d}:{(t0 + 50) % 60:02d}",
                font=f,
                fill=(0, 0, 0),
            )
            for c in range(5):
                box = [lw + c * cw, th + row * rh, lw + (c + 1) * cw, th + (row + 1) * rh]
                fill = self.jitter((220, 235, 250), 30) if r.random() < 0.5 else (255, 255, 255)
                d.rectangle(box, outline=(90, 90, 90), fill=fill)
                if r.random() < 0.85:
                    d.text(
                        (box[0] + 6, box[1] + 6), r.choice(_SUBJECTS)[:10], font=f, fill=(0, 0, 80)
                    )
                    d.text(
                        (box[0] + 6, box[1] + 8 + f.size * 1.2),
                        f"lok {r.randint(101, 330)}",
                        font=f,
                        fill=(90, 90, 90),
                    )
        return img

    def worksheet(self) -> Image.Image:
        r = self.r
        W, H = 1240, 1754
        img = Image.new("RGB", (W, H), (255, 255, 255))
        d = ImageDraw.Draw(img)
        d.text(
            (100, 90),
            f"Werkblad {r.choice(_SUBJECTS)} - hoofdstuk {r.randint(1, 9)}",
            font=self.font(40, True),
            fill=(0, 0, 0),
        )
        d.text(
            (100, 150),
            "Naam: ______________   Klas: ______   Datum: ________",
            font=self.font(24),
            fill=(0, 0, 0),
        )
        y = 230
        q = 1
        f = self.font(26)
        while y < H - 200:
            lines = self.wrap(d, self.sentence("nl", (10, 28)), f, W - 260)
            d.text((100, y), f"{q}.", font=f, fill=(0, 0, 0))
            for line in lines:
                d.text((150, y), line, font=f, fill=(0, 0, 0))
                y += 36
            for _ in range(r.randint(1, 3)):
                y += 30
                d.line([150, y, W - 100, y], fill=(120, 120, 120), width=2)
            y += 50
            q += 1
        return img

    def slide(self) -> Image.Image:
        r = self.r
        W, H = r.choice([(1280, 720), (1920, 1080), (1024, 768)])
        bg = r.choice(
            [(255, 255, 255), self.jitter((20, 40, 80), 20), self.jitter((240, 240, 230), 10)]
        )
        dark = sum(bg) < 300
        fg = (255, 255, 255) if dark else (20, 20, 30)
        img = Image.new("RGB", (W, H), bg)
        d = ImageDraw.Draw(img)
        acc = self.jitter((200, 80, 40), 60)
        d.rectangle([0, 0, W, H * 0.16], fill=acc)
        d.text(
            (W * 0.05, H * 0.04),
            self.sentence("nl", (2, 5)),
            font=self.font(H * 0.07, True),
            fill=(255, 255, 255),
        )
        y = H * 0.24
        f = self.font(H * 0.045)
        for _ in range(r.randint(3, 6)):
            d.ellipse(
                [W * 0.06, y + f.size * 0.35, W * 0.06 + f.size * 0.4, y + f.size * 0.75], fill=acc
            )
            d.text((W * 0.09, y), self.sentence("nl", (3, 8)), font=f, fill=fg)
            y += f.size * 1.9
        d.text(
            (W * 0.95, H * 0.95),
            str(r.randint(2, 30)),
            font=self.font(H * 0.03),
            fill=fg,
            anchor="rb",
        )
        return img

    def whiteboard(self) -> tuple[Image.Image, bool]:
        r = self.r
        W, H = r.choice([(1600, 1200), (2000, 1500), (1280, 960)])
        board = Image.new("RGB", (W, H), self.jitter((235, 236, 232), 8))
        d = ImageDraw.Draw(board)
        ink = r.choice([(20, 40, 140), (20, 20, 20), (150, 20, 20), (20, 110, 40)])
        y = H * 0.08
        for _ in range(r.randint(4, 9)):
            f = self.font(r.uniform(0.035, 0.06) * H, r.random() < 0.3)
            d.text((W * r.uniform(0.05, 0.2), y), self.sentence("nl", (2, 6)), font=f, fill=ink)
            y += f.size * r.uniform(1.4, 2.2)
            if y > H * 0.85:
                break
        board = board.rotate(
            r.uniform(-4, 4), resample=Image.BICUBIC, expand=False, fillcolor=(110, 100, 90)
        )
        arr = np.asarray(board).astype(np.float32)
        yy, xx = np.mgrid[0:H, 0:W]
        light = 1 - 0.25 * ((xx / W - r.uniform(0, 1)) ** 2 + (yy / H - r.uniform(0, 1)) ** 2)
        arr = arr * light[..., None] + self.np.normal(0, r.uniform(2.5, 6), arr.shape)
        img = Image.fromarray(arr.clip(0, 255).astype(np.uint8)).filter(
            ImageFilter.GaussianBlur(0.8)
        )
        m = int(W * 0.04)
        frame = ImageDraw.Draw(img)
        frame.rectangle([0, 0, W, m], fill=(90, 80, 70))
        frame.rectangle([0, H - m, W, H], fill=(100, 90, 80))
        return img, r.random() < 0.6

    def home_screen(self) -> Image.Image:
        r = self.r
        W, H = r.choice(_PHONE_SIZES)
        k = W / 360
        img = (
            self.natural(W, H).filter(ImageFilter.GaussianBlur(12))
            if r.random() < 0.5
            else Image.new("RGB", (W, H), self.jitter((40, 60, 110), 40))
        )
        d = ImageDraw.Draw(img)
        self.status_bar(d, W, k, (255, 255, 255))
        cols = 4
        cell = W / cols
        y = 60 * k
        apps = list(_APPS)
        r.shuffle(apps)
        f = self.font(10.5 * k)
        i = 0
        while y < H - 180 * k and i < len(apps):
            for c in range(cols):
                if i >= len(apps):
                    break
                x = c * cell + cell / 2
                d.rounded_rectangle(
                    [x - 27 * k, y, x + 27 * k, y + 54 * k],
                    radius=int(13 * k),
                    fill=self.jitter((128, 128, 128), 127),
                )
                d.text((x, y + 60 * k), apps[i], font=f, fill=(255, 255, 255), anchor="ma")
                i += 1
            y += 88 * k
        d.rounded_rectangle(
            [12 * k, H - 100 * k, W - 12 * k, H - 20 * k], radius=int(26 * k), fill=(200, 200, 210)
        )
        return img

    def settings_screen(self) -> Image.Image:
        r = self.r
        W, H = r.choice(_PHONE_SIZES)
        k = W / 360
        dark = r.random() < 0.4
        bg, row, fg, sub = (
            ((0, 0, 0), (28, 28, 30), (255, 255, 255), (142, 142, 147))
            if dark
            else ((242, 242, 247), (255, 255, 255), (0, 0, 0), (142, 142, 147))
        )
        img = Image.new("RGB", (W, H), bg)
        d = ImageDraw.Draw(img)
        self.status_bar(d, W, k, fg)
        d.text((16 * k, 44 * k), "Instellingen", font=self.font(28 * k, True), fill=fg)
        y = 100 * k
        items = list(_SETTINGS)
        r.shuffle(items)
        f = self.font(14.5 * k)
        for item in items:
            if y > H - 50 * k:
                break
            d.rectangle([0, y, W, y + 44 * k], fill=row)
            d.rounded_rectangle(
                [16 * k, y + 8 * k, 44 * k, y + 36 * k],
                radius=int(7 * k),
                fill=self.jitter((100, 140, 200), 100),
            )
            d.text((56 * k, y + 22 * k), item, font=f, fill=fg, anchor="lm")
            if r.random() < 0.4:
                d.text(
                    (W - 32 * k, y + 22 * k),
                    r.choice(["Aan", "Uit", "Thuis-wifi", "Geen", "NL"]),
                    font=f,
                    fill=sub,
                    anchor="rm",
                )
            d.text((W - 14 * k, y + 22 * k), ">", font=f, fill=sub, anchor="rm")
            d.line([56 * k, y + 44 * k, W, y + 44 * k], fill=bg, width=max(1, int(k)))
            y += 45 * k
            if r.random() < 0.2:
                y += 30 * k
        return img

    def article_screen(self) -> Image.Image:
        r = self.r
        W, H = r.choice(_PHONE_SIZES)
        k = W / 360
        img = Image.new("RGB", (W, H), (255, 255, 255))
        d = ImageDraw.Draw(img)
        self.status_bar(d, W, k, (0, 0, 0))
        d.rectangle([0, 26 * k, W, 70 * k], fill=(245, 245, 245))
        d.text(
            (W / 2, 48 * k),
            "nieuws.example.nl",
            font=self.font(12 * k),
            fill=(60, 60, 60),
            anchor="mm",
        )
        y = 84 * k
        for line in self.wrap(d, self.sentence("nl", (6, 12)), self.font(22 * k, True), W - 32 * k):
            d.text((16 * k, y), line, font=self.font(22 * k, True), fill=(0, 0, 0))
            y += 28 * k
        y += 10 * k
        d.rectangle([0, y, W, y + 180 * k], fill=self.jitter((120, 130, 140), 60))
        y += 196 * k
        f = self.font(14 * k)
        while y < H - 40 * k:
            for line in self.wrap(d, self.sentence("nl", (20, 40)), f, W - 32 * k):
                if y > H - 40 * k:
                    break
                d.text((16 * k, y), line, font=f, fill=(30, 30, 30))
                y += 21 * k
            y += 14 * k
        return img

    # ---- variations ---------------------------------------------------------------------------
    def scribble(self, img: Image.Image, box: tuple[float, float, float, float]) -> str:
        d = ImageDraw.Draw(img)
        x0, y0, x1, y1 = box
        colour = self.r.choice([(0, 0, 0), (230, 30, 30), (30, 30, 220), (255, 255, 255)])
        width = max(4, int((y1 - y0) * 0.5))
        pts = []
        for i in range(12):
            pts.append((x0 + (x1 - x0) * i / 11, self.r.uniform(y0, y1)))
        d.line(pts, fill=colour, width=width, joint="curve")
        return "scribble"

    def variations(self, img: Image.Image, positive: bool) -> tuple[Image.Image, list[str]]:
        r = self.r
        notes = []
        if positive and r.random() < 0.3:
            notes.append(self.scribble(img, self._name_box))
        if positive and r.random() < 0.35:
            W, H = img.size
            top = int(H * r.uniform(0, 0.35))
            bottom = int(H * r.uniform(max(0.55, top / H + 0.4), 1.0))
            left = int(W * r.uniform(0, 0.04))
            img = img.crop((left, top, W - int(W * r.uniform(0, 0.04)), bottom))
            notes.append("crop")
        if r.random() < 0.35:
            s = r.uniform(0.4, 0.75)
            img = img.resize(
                (max(64, int(img.width * s)), max(64, int(img.height * s))), Image.LANCZOS
            )
            notes.append("downscale")
        return img, notes


def _encode(img: Image.Image, fmt: str, quality: int = 90, exif: bytes | None = None) -> bytes:
    buf = io.BytesIO()
    if fmt == "JPEG":
        img.convert("RGB").save(buf, "JPEG", quality=quality, **({"exif": exif} if exif else {}))
    else:
        img.save(buf, fmt)
    return buf.getvalue()


def camera_exif(rnd: random.Random) -> bytes:
    """EXIF as a phone camera writes it (make, model, exposure), with an orientation tag."""
    exif = Image.Exif()
    exif[0x010F] = rnd.choice(["Apple", "samsung", "Google", "Xiaomi"])
    exif[0x0110] = rnd.choice(["iPhone 13", "SM-A546B", "Pixel 7a", "Redmi Note 12"])
    exif[0x0112] = 1
    exif[0x0132] = "2026:03:14 10:21:07"
    ifd = exif.get_ifd(0x8769)
    ifd[0x829A] = (1, rnd.choice([60, 120, 250]))
    ifd[0x8827] = rnd.choice([50, 100, 400])
    ifd[0x9003] = "2026:03:14 10:21:07"
    return exif.tobytes()


def generate(
    n_positive: int,
    n_negative: int,
    *,
    seed: int = 1,
    font_family: str = "dejavu",
    styles: tuple[str, ...] = CHAT_STYLES,
    negatives: tuple[str, ...] = NEGATIVE_KINDS,
) -> list[Sample]:
    """Labelled samples: positives cycle through ``styles``, negatives through ``negatives``."""
    g = _Gen(seed, font_family)
    out: list[Sample] = []
    for i in range(n_positive):
        style = styles[i % len(styles)]
        img = g.chat(style)
        img, notes = g.variations(img, True)
        jpeg = g.r.random() < 0.5
        data = _encode(img, "JPEG" if jpeg else "PNG", quality=g.r.randint(35, 85))
        out.append(Sample(data, True, style, "+".join(notes + (["jpeg"] if jpeg else []))))
    for i in range(n_negative):
        kind = negatives[i % len(negatives)]
        exif = None
        if kind == "photo":
            img, with_exif = g.photo()
            exif = camera_exif(g.r) if with_exif else None
        elif kind == "whiteboard":
            img, with_exif = g.whiteboard()
            exif = camera_exif(g.r) if with_exif else None
        else:
            img = getattr(g, kind)()
        notes: list[str] = []
        if exif is None:
            img, notes = g.variations(img, False)
        jpeg = exif is not None or kind in ("meme",) or g.r.random() < 0.5
        data = _encode(img, "JPEG" if jpeg else "PNG", quality=g.r.randint(50, 92), exif=exif)
        out.append(Sample(data, False, kind, "+".join(notes + (["exif"] if exif else []))))
    return out
