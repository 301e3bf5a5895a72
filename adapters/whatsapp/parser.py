"""Parser for WhatsApp "Export chat" text files, as Android and iOS really write them.

The two layouts::

    Android  09-02-2026 13:01 - Olivier: tekst          12/31/23, 9:41 PM - Olivier: text
    iOS      [15-01-2026 13:02:51] Quinten: tekst       [12/31/23, 9:41:05 PM] Quinten: text

Dates follow the phone's locale (day-first in Dutch, month-first in US English, sometimes
year-first), so the order is decided once per file from all its dates. Times are 24-hour or AM/PM
(often with a narrow no-break space, U+202F, before the AM/PM). A message may span several lines; a
line without a timestamp continues the message above.

System lines (group created, members added/left/removed, settings, security codes, the encryption
notice) are not messages. On Android they have no ``Name: `` part; on iOS they carry a sender (the
group or the actor) and their text starts with an invisible left-to-right mark (U+200E), which is
how they are told apart from what people wrote. Media placeholders and deleted messages are
messages, but they carry no content for the text rules.

Parsing is two cheap passes over the lines with one precompiled pattern, so 50,000 messages take a
fraction of a second.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from core.events import AttachmentKind

LRM = "\u200e"
BOM = "\ufeff"
# Invisible direction marks and isolates WhatsApp puts around names, numbers and attachments.
_MARKS = str.maketrans(
    "", "", "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
)

_SPACE = "[ \u00a0\u202f]"
_DATE = r"(?P<date>\d{1,4}(?P<sep>[./-])\d{1,2}(?P=sep)\d{1,4}\.?)"
_TIME = (
    r"(?P<time>\d{1,2}[:.]\d{2}(?:[:.]\d{2})?"
    rf"(?:{_SPACE}?(?P<ampm>[AaPp]\.?{_SPACE}?[Mm]\.?))?)"
)
_ANDROID_HEAD = re.compile(
    rf"^[\u200e\ufeff]?(?P<ts>{_DATE},?{_SPACE}{_TIME}){_SPACE}?[-–]{_SPACE}(?P<rest>.*)$"
)
_IOS_HEAD = re.compile(
    rf"^[\u200e\ufeff]?\[(?P<ts>{_DATE},?{_SPACE}{_TIME})\]{_SPACE}?(?P<rest>.*)$"
)

# --- what a message's text can be besides words --------------------------------------------------

_EDITED = re.compile(
    r"[ \u00a0]?\u200e?<(?:Dit bericht is bewerkt|Bericht bewerkt|This message was edited)>\s*$",
    re.IGNORECASE,
)
_DELETED = re.compile(
    r"(?:dit bericht is verwijderd|je hebt dit bericht verwijderd|this message was deleted"
    r"|you deleted this message)(?: (?:door|by) .{0,80})?\.?",
    re.IGNORECASE,
)
_UNAVAILABLE = re.compile(
    r"(?:wachten op dit bericht|waiting for this message)\b.{0,80}", re.IGNORECASE
)
# Android: "<Media weggelaten>", "<Media omitted>", "<Eenmalige weergave weggelaten>", ...
_ANDROID_MEDIA = re.compile(r"<[^<>\n]{1,60} (?:weggelaten|omitted)>", re.IGNORECASE)
_IOS_MEDIA_KINDS: dict[str, AttachmentKind | None] = {
    "afbeelding": AttachmentKind.IMAGE,
    "foto": AttachmentKind.IMAGE,
    "image": AttachmentKind.IMAGE,
    "photo": AttachmentKind.IMAGE,
    "gif": AttachmentKind.VIDEO,
    "video": AttachmentKind.VIDEO,
    "audio": AttachmentKind.AUDIO,
    "spraakbericht": AttachmentKind.VOICE,
    "sticker": AttachmentKind.STICKER,
    "document": AttachmentKind.DOCUMENT,
    "contactkaart": None,
    "contact card": None,
}
# iOS: "‎afbeelding weggelaten", "‎image omitted", "file.pdf • ‎3 pagina's ‎document weggelaten".
# Words before the kind are only accepted after an LRM, so "mijn video weggelaten" stays text.
_IOS_MEDIA = re.compile(
    r"(?:.*\u200e)?(?P<kind>" + "|".join(_IOS_MEDIA_KINDS) + r") (?:weggelaten|omitted)",
    re.IGNORECASE | re.DOTALL,
)
# iOS zip exports: "‎<bijgevoegd: 00000012-PHOTO-2026-01-12-18-05-10.jpg>" / "<attached: ...>".
_IOS_ATTACHED = re.compile(
    r"\u200e?<(?:bijgevoegd|bijlage|attached): (?P<file>[^<>\n]+?)>", re.IGNORECASE
)
# Android zip exports: "IMG-20260209-WA0003.jpg (bestand bijgevoegd)" then an optional caption.
_ANDROID_ATTACHED = re.compile(
    r"^\u200e?(?P<file>[^\n]+?\.[A-Za-z0-9]{1,5}) \((?:bestand bijgevoegd|file attached)\)",
    re.IGNORECASE,
)
_MENTION = re.compile(r"@\u2068([^\u2069\n]{1,80})\u2069")

# --- system lines ---------------------------------------------------------------------------------
# The actor and object never contain ": ", so a message like "Jan: hij heeft Piet verwijderd" is not
# mistaken for a system line. Phrasings from current Dutch and English Android/iOS builds.
_A = r"[^:\n]{1,120}?"  # an actor or a list of names
_SYSTEM_PATTERNS = (
    # encryption notices
    r"(?:berichten en (?:gesprekken|oproepen)|berichten in deze groep) .*versleuteld.*",
    r"messages (?:and calls|to this group) .*encrypt.*",
    # created / named
    rf"{_A} (?:hebt|heeft) (?:de )?groep .+ (?:aangemaakt|gemaakt)",
    rf"{_A} created (?:the )?group .+",
    # added / removed / left / joined
    rf"{_A} (?:hebt|heeft) {_A} toegevoegd",
    rf"{_A} (?:was|were) added|{_A} added {_A}",
    rf"{_A} (?:hebt|heeft) {_A} verwijderd",
    rf"{_A} (?:was|were) removed|{_A} removed {_A}",
    rf"{_A} (?:is|bent) (?:vertrokken|uit de groep gegaan)|{_A} (?:hebt|heeft) de groep verlaten",
    rf"{_A} left",
    rf"{_A} (?:is|bent) lid geworden via .+|{_A} neemt deel via .+|{_A} (?:is|bent) toegevoegd",
    rf"{_A} joined (?:using|via|from) .+",
    # admins and settings
    rf"{_A} (?:is|bent) (?:nu )?(?:geen )?beheerder(?: geworden)?",
    rf"(?:you're|you are|{_A} is) (?:now |no longer )an admin",
    rf"{_A} (?:hebt|heeft) (?:de )?(?:groepsinstellingen|instellingen van deze groep|instellingen)"
    r" gewijzigd.*",
    rf"{_A} changed (?:this group's|the group|the) settings.*",
    rf"{_A} (?:hebt|heeft) (?:de |het )?(?:groepsafbeelding|groepsnaam|groepsbeschrijving"
    r"|onderwerp|beschrijving|groepsicoon|pictogram van deze groep)(?: van deze groep)?"
    r" (?:gewijzigd|verwijderd|veranderd).*",
    rf"{_A} (?:changed|deleted|removed) (?:the subject|this group's icon|the group description"
    r"|the group name|this group's description|the group icon).*",
    rf"{_A} (?:hebt|heeft) (?:de )?uitnodigingslink.+",
    rf"{_A} reset this group's invite link",
    rf"{_A} (?:hebt|heeft) (?:tijdelijke berichten|verdwijnende berichten).+",
    r"(?:tijdelijke|verdwijnende) berichten .+",
    rf"{_A} turned (?:on|off) disappearing messages.*",
    r"disappearing messages .+",
    rf"{_A} (?:hebt|heeft) een bericht vastgezet|{_A} pinned a message",
    # security codes and numbers
    rf"(?:je|jouw) beveiligingscode (?:met|voor) {_A} is (?:gewijzigd|veranderd).*",
    rf"de beveiligingscode (?:van|met) {_A} is (?:gewijzigd|veranderd).*",
    rf"your security code with {_A} changed.*",
    rf"{_A}'s? security code changed.*",
    rf"{_A} (?:hebt|heeft) (?:zijn|haar|het|hun)? ?(?:telefoon)?nummer gewijzigd.*",
    rf"{_A} changed (?:their|his|her|the) phone number.*|{_A} changed to .+",
    # calls
    r"(?:gemiste|missed) (?:spraak|video)?(?:oproep|voice call|video call|call).*",
    rf"{_A} (?:started|heeft) (?:a |een )?(?:call|oproep|spraakoproep|video-oproep)(?: gestart)?.*",
)
_SYSTEM = re.compile("|".join(f"(?:{p})" for p in _SYSTEM_PATTERNS), re.IGNORECASE)
# Words at least one of which is in the part before ": " of a system line that contains ": ".
_SYSTEM_HINT = re.compile(
    r"\b(?:heeft|hebt|is|bent|changed|created|deleted|removed|reset|turned|pinned|security"
    r"|beveiligingscode|berichten|messages|gewijzigd|veranderd|aangemaakt|groep|group)\b",
    re.IGNORECASE,
)
_GROUP_NAME = re.compile(
    r"(?:groep|created group|created the group) [\"“”']?(?P<name>.+?)[\"“”']?"
    r"(?: (?:aangemaakt|gemaakt))?$",
    re.IGNORECASE,
)


class ExportFormatError(ValueError):
    """The file is not a WhatsApp chat export this parser understands."""


class MessageKind(StrEnum):
    TEXT = "text"
    MEDIA = "media"  # a placeholder or an attached file (with an optional caption)
    DELETED = "deleted"
    UNAVAILABLE = "unavailable"  # "Wachten op dit bericht" / "Waiting for this message"


@dataclass(slots=True)
class ChatMessage:
    """One message. ``timestamp`` and ``sender`` are exactly as written in the export.

    Not frozen: a frozen dataclass costs several microseconds per instance, which is most of the
    parse time of a large export. Treat it as read-only.
    """

    index: int  # 0-based number among the messages
    line_index: int  # 0-based line where the message starts
    timestamp: str
    sent_at: datetime  # naive, in the exporting phone's local time
    sender: str
    text: str  # what the sender wrote (caption for media); "" for placeholders and deleted ones
    kind: MessageKind = MessageKind.TEXT
    media_kind: AttachmentKind | None = None
    media_file: str | None = None  # file name inside a zip export, when the export has media
    edited: bool = False
    mentions: tuple[str, ...] = ()

    @property
    def has_content(self) -> bool:
        """Whether anything in it can be checked: words, or a media file that can be read."""
        return bool(self.text.strip()) or self.media_file is not None

    @property
    def display_sender(self) -> str:
        return self.sender.translate(_MARKS).strip()


@dataclass(slots=True)
class SystemLine:
    line_index: int
    timestamp: str
    sent_at: datetime
    text: str
    actor: str | None = None  # iOS writes a sender on system lines


@dataclass(slots=True)
class ChatExport:
    platform: Literal["android", "ios"]
    date_order: Literal["dmy", "mdy", "ymd"]
    messages: list[ChatMessage]
    system_lines: list[SystemLine]
    total_lines: int
    group_title: str | None = None
    members: list[str] = field(default_factory=list)  # senders, in order of first message

    @property
    def period(self) -> tuple[datetime, datetime] | None:
        if not self.messages:
            return None
        return self.messages[0].sent_at, self.messages[-1].sent_at


# --- pass 1: split into entries -------------------------------------------------------------------


def _split_lines(text: str) -> list[str]:
    if text.startswith(BOM):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _detect_layout(lines: list[str]) -> tuple[Literal["android", "ios"], re.Pattern[str]]:
    android = ios = 0
    for line in lines[:400]:
        if _IOS_HEAD.match(line):
            ios += 1
        elif _ANDROID_HEAD.match(line):
            android += 1
    if not android and not ios:
        raise ExportFormatError("no line starts with a WhatsApp timestamp")
    return ("ios", _IOS_HEAD) if ios >= android else ("android", _ANDROID_HEAD)


# --- dates and times -----------------------------------------------------------------------------


def _date_fields(value: str) -> tuple[str, str, str]:
    value = value.rstrip(".")
    for sep in "-/.":
        if sep in value:
            a, b, c = value.split(sep)
            return a, b, c
    raise ExportFormatError(f"not a date: {value!r}")


def _decide_date_order(
    dates: set[str], any_ampm: bool
) -> Literal["dmy", "mdy", "ymd"]:
    fields = [_date_fields(d) for d in dates]
    if fields and all(len(a) == 4 for a, _, _ in fields):
        return "ymd"
    if any(int(a) > 12 for a, _, _ in fields):
        return "dmy"
    if any(int(b) > 12 for _, b, _ in fields):
        return "mdy"
    # Ambiguous (every day <= 12): AM/PM with slashes is the US English layout; else day first.
    if any_ampm and any("/" in d for d in dates):
        return "mdy"
    return "dmy"


def _to_date(value: str, order: str) -> date | None:
    a, b, c = _date_fields(value)
    if order == "ymd":
        y, m, d = a, b, c
    elif order == "mdy":
        m, d, y = a, b, c
    else:
        d, m, y = a, b, c
    year = int(y)
    if year < 100:
        year += 2000
    try:
        return date(year, int(m), int(d))
    except ValueError:
        return None


_AMPM_SPLIT = re.compile(r"[ \u00a0\u202f]?([AaPp])\.?[ \u00a0\u202f]?[Mm]\.?$")


def _to_time(value: str) -> tuple[int, int, int] | None:
    half = None
    m = _AMPM_SPLIT.search(value)
    if m:
        half = m.group(1).lower()
        value = value[: m.start()]
    parts = value.replace(".", ":").split(":")
    hour, minute = int(parts[0]), int(parts[1])
    second = int(parts[2]) if len(parts) > 2 else 0
    if half is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "p" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return hour, minute, second


# --- pass 2: classify and build -------------------------------------------------------------------


def _media_kind_for_file(name: str) -> AttachmentKind:
    upper = name.upper()
    ext = upper.rsplit(".", 1)[-1] if "." in upper else ""
    if "STICKER" in upper or upper.startswith("STK-") or ext == "WEBP":
        return AttachmentKind.STICKER
    if "PTT" in upper or ext == "OPUS":
        return AttachmentKind.VOICE
    if ext in ("JPG", "JPEG", "PNG", "HEIC", "GIF", "BMP") or "PHOTO" in upper or "IMG" in upper:
        return AttachmentKind.IMAGE
    if ext in ("MP4", "MOV", "3GP", "AVI", "MKV") or "VIDEO" in upper or "VID" in upper:
        return AttachmentKind.VIDEO
    if ext in ("M4A", "MP3", "AAC", "OGG", "WAV", "AMR") or "AUDIO" in upper or "AUD" in upper:
        return AttachmentKind.AUDIO
    return AttachmentKind.DOCUMENT


@dataclass(slots=True)
class _Content:
    text: str
    kind: MessageKind = MessageKind.TEXT
    media_kind: AttachmentKind | None = None
    media_file: str | None = None
    edited: bool = False


def _placeholder(first_text: str) -> bool:
    """Whether a message's first line is a media/deleted placeholder (never a system line)."""
    return _content(first_text).kind is not MessageKind.TEXT


# Cheap substring gates: most messages are plain text, so each pattern only runs on texts that
# contain its tell-tale word (50,000 messages parse in a fraction of a second).
_DELETED_HINTS = ("verwijderd", "deleted")
_UNAVAILABLE_HINTS = ("wachten op", "waiting for")
_IOS_MEDIA_HINTS = ("weggelaten", "omitted")
_IOS_ATTACHED_HINTS = ("bijgevoegd:", "attached:", "bijlage:")
_ANDROID_ATTACHED_HINTS = ("bijgevoegd)", "attached)")


def _may_be_special(raw: str) -> bool:
    """Whether a text can be anything but plain words: a cheap test that skips the patterns.

    WhatsApp writes these words in lower case (only a first letter may be upper case). A chain of
    ``in`` tests is several times faster than one regular expression here.
    """
    return (
        "<" in raw
        or "verwijderd" in raw
        or "deleted" in raw
        or "weggelaten" in raw
        or "omitted" in raw
        or "bijgevoegd" in raw
        or "attached" in raw
        or "bijlage" in raw
        or "achten op" in raw
        or "aiting for" in raw
    )


def _content(raw: str) -> _Content:
    edited = False
    if raw.endswith(">") or raw.rstrip().endswith(">"):
        m = _EDITED.search(raw)
        if m:
            edited = True
            raw = raw[: m.start()]
    if raw.startswith(LRM):
        raw = raw.lstrip(LRM)
    if not _may_be_special(raw):
        return _Content(raw, edited=edited)
    low = raw.lower()
    bare = raw.translate(_MARKS).strip() if len(raw) <= 300 else ""
    if bare:
        if any(h in low for h in _DELETED_HINTS) and _DELETED.fullmatch(bare):
            return _Content("", MessageKind.DELETED, edited=edited)
        if any(h in low for h in _UNAVAILABLE_HINTS) and _UNAVAILABLE.fullmatch(bare):
            return _Content("", MessageKind.UNAVAILABLE, edited=edited)
        if bare[0] == "<" and bare[-1] == ">" and _ANDROID_MEDIA.fullmatch(bare):
            return _Content("", MessageKind.MEDIA, edited=edited)
        if any(h in low for h in _IOS_MEDIA_HINTS):
            m = _IOS_MEDIA.fullmatch(raw.strip())
            if m:
                kind = _IOS_MEDIA_KINDS.get(m.group("kind").lower())
                return _Content("", MessageKind.MEDIA, media_kind=kind, edited=edited)
    if any(h in low for h in _IOS_ATTACHED_HINTS):
        m = _IOS_ATTACHED.search(raw)
        if m:
            name = m.group("file").translate(_MARKS).strip()
            caption = (raw[: m.start()] + raw[m.end() :]).strip()
            return _Content(
                caption, MessageKind.MEDIA, _media_kind_for_file(name), name, edited=edited
            )
    if any(h in low for h in _ANDROID_ATTACHED_HINTS):
        m = _ANDROID_ATTACHED.match(raw)
        if m:
            name = m.group("file").translate(_MARKS).strip()
            caption = raw[m.end() :].strip()
            return _Content(
                caption, MessageKind.MEDIA, _media_kind_for_file(name), name, edited=edited
            )
    return _Content(raw, edited=edited)


def _is_ios_system(name: str, text: str, group_title: str | None) -> bool:
    """``name`` is the sender without invisible marks."""
    stripped = text.lstrip()
    if stripped.startswith(LRM):
        # Only WhatsApp itself starts a text with an LRM: a system line unless it is a placeholder.
        return not _placeholder(stripped)
    # Without the mark (older exports) only a sentence about the sender, "je"/"you" or the group
    # itself can be a system line, and it must read like one.
    bare = stripped.translate(_MARKS) if "\u2068" in stripped else stripped
    low = bare[:40].lower()
    if not (
        name == group_title
        or bare.startswith(name + " ")
        or low.startswith(("je ", "jij ", "you ", "your ", "jouw ", "berichten ", "messages "))
    ):
        return False
    return bool(_SYSTEM.fullmatch(stripped)) and not _placeholder(stripped)


def _group_title_from(text: str) -> str | None:
    bare = text.translate(_MARKS).strip()
    if not re.search(r"aangemaakt|gemaakt|created", bare, re.IGNORECASE):
        return None
    m = _GROUP_NAME.search(bare)
    return m.group("name").strip() if m else None


@dataclass(slots=True)
class ExportShape:
    """What has to be known about the whole export before its first message can be told apart
    from a system line: the layout, the date order, the senders who write ordinary messages
    (Android) and the group's title. Found by ``read_shape`` in three streaming passes, so memory
    holds the distinct dates and senders, never the messages."""

    platform: Literal["android", "ios"]
    head: re.Pattern[str]
    date_order: Literal["dmy", "mdy", "ymd"]
    dates: dict[str, date | None]
    known: set[str]  # Android: senders that also wrote ordinary messages
    encryption_title: str | None  # iOS: the group named by the encryption notice
    group_title: str | None
    total_lines: int
    messages: int  # how many messages the emit pass will yield
    members: list[str]  # senders, in order of first message


Lines = Callable[[], Iterable[str]]
_Entry = tuple[int, str, datetime, list[str]]  # line index, timestamp as written, moment, texts
# Titles taken from lines that look like a system line with a "Name: " part (Android), kept until
# the senders are known; a hostile export cannot make this list grow past the cap.
_MAX_TITLE_CANDIDATES = 1000


def _heads(lines: Iterable[str], match: Callable[[str], re.Match[str] | None]
           ) -> Iterator[tuple[int, str, re.Match[str] | None]]:
    for index, line in enumerate(lines):
        if index == 0 and line.startswith(BOM):
            line = line[1:]
        m = match(line) if line and line[0] in "0123456789[\u200e\ufeff" else None
        yield index, line, m


def _valid_entries(lines: Iterable[str], head: re.Pattern[str],
                   dates: dict[str, date | None]) -> Iterator[_Entry]:
    """The messages and system lines, one at a time. An entry is yielded when the next one starts
    (a line with an impossible date or time continues the message above)."""
    times: dict[str, tuple[int, int, int] | None] = {}
    pending: _Entry | None = None
    current: list[str] | None = None
    for index, line, m in _heads(lines, head.match):
        if m is None:
            if current is not None:
                current.append(line)
            continue
        stamp, date_str, _, time_str, _ampm, rest = m.groups()
        day = dates.get(date_str)
        clock = times.get(time_str)
        if clock is None and time_str not in times:
            if len(times) > 100_000:
                times.clear()
            clock = times[time_str] = _to_time(time_str)
        if day is None or clock is None:
            if pending is not None:
                current = pending[3]
                current.append(line)
            else:
                current = None  # nothing to continue yet: dropped, as before any message
            continue
        if pending is not None:
            yield pending
        current = [rest]
        pending = (index, stamp, datetime(day.year, day.month, day.day, *clock), current)
    if pending is not None:
        yield pending


def _detect_layout_of(lines: Iterable[str]) -> tuple[Literal["android", "ios"], re.Pattern[str]]:
    head: list[str] = []
    for line in lines:
        head.append(line[:400])  # a timestamp is at the start; a hostile long line stays small
        if len(head) >= 400:
            break
    if head and head[0].startswith(BOM):
        head[0] = head[0][1:]
    return _detect_layout(head)


def _split_sender(first: str, platform: str) -> tuple[str, str, str]:
    sender, sep, body = first.partition(": ")
    if not sep and first.endswith(":") and platform == "ios":
        sender, sep, body = first[:-1], ":", ""
    return sender, sep, body


def read_shape(lines: Lines) -> ExportShape:
    """Read the export three times (``lines()`` opens it afresh each time): the layout from its
    head, the date order from all its dates, then the senders and the group's title."""
    platform, head = _detect_layout_of(lines())
    seen: set[str] = set()
    any_ampm = False
    total = 0
    any_entry = False
    for index, _line, m in _heads(lines(), head.match):
        total = index + 1
        if m is not None:
            any_entry = True
            date_str, ampm = m.group("date"), m.group("ampm")
            seen.add(date_str)
            if ampm:
                any_ampm = True
    if not any_entry:
        raise ExportFormatError("no line starts with a WhatsApp timestamp")
    order = _decide_date_order(seen, any_ampm)
    dates = {d: _to_date(d, order) for d in seen}
    del seen

    known: set[str] = set()
    encryption_title: str | None = None
    titles: list[tuple[int, str | None, str]] = []  # (line, sender or None, title)
    count = 0
    members: dict[str, None] = {}
    ios_names: dict[str, str] = {}
    if platform == "android":
        candidates: dict[str, bool] = {}
        for index, _stamp, _at, texts in _valid_entries(lines(), head, dates):
            first = texts[0]
            sender, sep, _ = first.partition(": ")
            if not sep:
                if len(titles) < _MAX_TITLE_CANDIDATES and (
                        title := _group_title_from("\n".join(texts))) is not None:
                    titles.append((index, None, title))
                continue
            looks = candidates.get(sender)
            if looks is None:
                looks = candidates[sender] = bool(_SYSTEM_HINT.search(sender))
            if not looks or not _SYSTEM.fullmatch(first):
                known.add(sender)
            elif len(titles) < _MAX_TITLE_CANDIDATES and (
                    title := _group_title_from("\n".join(texts))) is not None:
                titles.append((index, sender, title))
        group_title = next((t for _, sender, t in titles if sender is None or sender not in known),
                           None)
    else:
        group_title = None
        for n, (_index, _stamp, _at, texts) in enumerate(_valid_entries(lines(), head, dates)):
            if n >= 5:
                break
            sender, sep, body = texts[0].partition(": ")
            if sep and ("versleuteld" in body or "encrypt" in body):
                encryption_title = sender.translate(_MARKS).strip()
                break
        group_title = encryption_title
    # The messages and members, counted the way the emit pass will see them. On iOS the title
    # named by a "created" line counts from there on, as the emit pass does.
    for _index, _stamp, _at, texts in _valid_entries(lines(), head, dates):
        sender, sep, body = _split_sender(texts[0], platform)
        if _is_system(platform, texts, sender, sep, body, known, group_title, ios_names):
            if group_title is None and platform == "ios":
                group_title = _group_title_from("\n".join([body if sep else texts[0],
                                                            *texts[1:]]))
            continue
        count += 1
        members.setdefault(sender, None)
    return ExportShape(platform, head, order, dates, known, encryption_title, group_title, total,
                       count, list(members))


def _is_system(platform: str, texts: list[str], sender: str, sep: str, body: str,
               known: set[str], title: str | None, ios_names: dict[str, str]) -> bool:
    if not sep:
        return True
    if platform == "android":
        return sender not in known and bool(_SYSTEM.fullmatch(texts[0])) and not _placeholder(body)
    name = ios_names.get(sender)
    if name is None:
        if len(ios_names) > 100_000:
            ios_names.clear()
        name = ios_names[sender] = sender.translate(_MARKS).strip()
    return _is_ios_system(name, body, title)


def iter_export(lines: Lines, shape: ExportShape) -> Iterator[ChatMessage | SystemLine]:
    """The export's messages and system lines in order, one at a time (``lines()`` is read once
    more): memory does not grow with the export."""
    platform = shape.platform
    ios_names: dict[str, str] = {}
    title = shape.encryption_title  # iOS: the title known so far decides system lines
    count = 0
    for index, stamp, at, texts in _valid_entries(lines(), shape.head, shape.dates):
        first = texts[0]
        sender, sep, body = _split_sender(first, platform)
        if _is_system(platform, texts, sender, sep, body, shape.known, title, ios_names):
            actor = sender if (sep and platform == "ios") else None
            line_text = "\n".join([body if actor is not None else first, *texts[1:]])
            if title is None and platform == "ios":
                title = _group_title_from(line_text)
            yield SystemLine(index, stamp, at, line_text, actor)
            continue
        raw = body if len(texts) == 1 else "\n".join([body, *texts[1:]])
        content = _content(raw)
        mentions = tuple(_MENTION.findall(raw)) if "@" in raw else ()
        yield ChatMessage(
            count, index, stamp, at, sender, content.text, content.kind,
            content.media_kind, content.media_file, content.edited, mentions,
        )
        count += 1


def parse_export(text: str) -> ChatExport:
    """Parse the text of a WhatsApp chat export held in memory (tests, small files). Raises
    ``ExportFormatError`` if it is none. ``schoolwacht scan`` streams instead (``read_shape`` and
    ``iter_export`` over the file's lines)."""
    lines = _split_lines(text)
    shape = read_shape(lambda: lines)
    messages: list[ChatMessage] = []
    system_lines: list[SystemLine] = []
    for item in iter_export(lambda: lines, shape):
        if isinstance(item, ChatMessage):
            messages.append(item)
        else:
            system_lines.append(item)
    return ChatExport(
        platform=shape.platform,
        date_order=shape.date_order,
        messages=messages,
        system_lines=system_lines,
        total_lines=shape.total_lines,
        group_title=shape.group_title,
        members=shape.members,
    )
