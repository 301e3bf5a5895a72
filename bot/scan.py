"""Scan a chat log with the real policies and build an incident report (A.11).

A mentor who receives an exported chat gets a report in a minute: the same checker as the bot (no
side effects: nothing stored, nothing sent), then a summary, the most serious moments, and a
timeline with each flagged message in its context. This module is platform-neutral: adapters
(WhatsApp exports) turn their messages into ``ChatRecord``s; ``bot.scan_render`` writes the report
as JSON, Markdown or HTML.
"""

from __future__ import annotations

import heapq
import re
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from core.events import GroupKind, MessageEvent, Role
from core.findings import Finding, Severity

DEFAULT_CONTEXT = 2  # messages shown before and after each flagged one
TOP_MOMENTS = 10
# Flagged messages the report lists with their context: the most serious ones (ties: the earliest).
# Every flagged message is counted in the summary; a chat with more is not read message by message
# anyway, and the cap bounds the scan's memory whatever the export (every message flagged: < 1 GB).
MAX_LISTED = 10_000


class RecordKind:
    TEXT = "text"
    MEDIA = "media"
    DELETED = "deleted"
    UNAVAILABLE = "unavailable"


@dataclass(slots=True)
class ChatRecord:
    """One message of a chat log: what the report shows, and the event the checker sees.

    ``timestamp`` and ``sender`` are exactly as written in the source. ``event`` is None when there
    is nothing to check (a media placeholder without the file, a deleted message). Read-only by
    convention (not frozen, which would cost microseconds per message on big chats).
    """

    index: int
    line_index: int
    timestamp: str
    sender: str
    text: str
    kind: str
    sent_at: datetime
    attachments: tuple[str, ...] = ()
    edited: bool = False
    event: MessageEvent | None = None

    @property
    def display_sender(self) -> str:
        return _strip_marks(self.sender)


class VerdictLike(Protocol):
    @property
    def flags(self) -> list[str]: ...

    @property
    def severity(self) -> Severity: ...

    @property
    def findings(self) -> Sequence[Finding]: ...


class CheckerLike(Protocol):
    """What the scan needs of ``bot.checker.Checker``."""

    async def evaluate(self, event: MessageEvent, kind: GroupKind) -> VerdictLike: ...


@dataclass(frozen=True, slots=True)
class FlaggedMessage:
    record: ChatRecord
    flags: tuple[str, ...]
    severity: Severity
    articles: tuple[str, ...]
    findings: tuple[Finding, ...]

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(sorted({f.category for f in self.findings if f.category}))


@dataclass(slots=True)
class ChatStats:
    """What the summary counts over every message, kept while the messages stream past."""

    total: int = 0
    text: int = 0
    media: int = 0
    deleted: int = 0
    first: ChatRecord | None = None
    last: ChatRecord | None = None
    # Messages per sender; its order is the order of first messages.
    per_sender: Counter[str] = field(default_factory=Counter)

    def add(self, record: ChatRecord) -> None:
        self.total += 1
        if self.first is None:
            self.first = record
        self.last = record
        self.per_sender[record.sender] += 1
        if record.kind == RecordKind.TEXT:
            self.text += 1
        elif record.kind == RecordKind.MEDIA:
            self.media += 1
        elif record.kind == RecordKind.DELETED:
            self.deleted += 1

    @classmethod
    def of(cls, records: Iterable[ChatRecord]) -> ChatStats:
        stats = cls()
        for record in records:
            stats.add(record)
        return stats


@dataclass(slots=True)
class FlagCounts:
    """The summary's counts over every flagged message, listed in the report or not."""

    total: int = 0
    per_article: Counter[str] = field(default_factory=Counter)
    per_flag: Counter[str] = field(default_factory=Counter)
    per_severity: Counter[str] = field(default_factory=Counter)
    member_flagged: Counter[str] = field(default_factory=Counter)
    member_flags: dict[str, Counter[str]] = field(default_factory=dict)
    member_articles: dict[str, Counter[str]] = field(default_factory=dict)
    member_max: dict[str, Severity] = field(default_factory=dict)

    def add(self, f: FlaggedMessage) -> None:
        sender = f.record.sender
        self.total += 1
        self.per_article.update(f.articles)
        self.per_flag.update(f.flags)
        self.per_severity[f.severity.label] += 1
        self.member_flagged[sender] += 1
        self.member_flags.setdefault(sender, Counter()).update(f.flags)
        self.member_articles.setdefault(sender, Counter()).update(f.articles)
        self.member_max[sender] = max(self.member_max.get(sender, Severity.NONE), f.severity)

    @classmethod
    def of(cls, flagged: Iterable[FlaggedMessage]) -> FlagCounts:
        counts = cls()
        for f in flagged:
            counts.add(f)
        return counts


@dataclass(slots=True)
class ScanResult:
    source_name: str
    group_kind: GroupKind
    # The records the report shows (each flagged message and ``context`` around it), by index;
    # the others were counted (``stats``) and let go. Not in the repr: Python 3.11's asyncio.run
    # formats the main task's result when it restores the SIGINT handler, and a full repr of a
    # big scan cost hundreds of MB at that moment.
    records: Mapping[int, ChatRecord] = field(repr=False)
    flagged: list[FlaggedMessage] = field(repr=False)  # in chat order
    stats: ChatStats = field(default_factory=ChatStats, repr=False)
    # Over every flagged message; empty means "count ``flagged``" (a result built by hand).
    counts: FlagCounts = field(default_factory=FlagCounts, repr=False)
    context: int = DEFAULT_CONTEXT  # how many records around a flagged one were kept
    system_lines: int = 0
    group_title: str | None = None
    platform: str = "whatsapp"
    layout: str | None = None  # "android" / "ios"
    staff: tuple[str, ...] = ()  # senders configured as staff (teacher, mentor)


@dataclass(slots=True)
class ScanOutcome:
    """What ``scan_records`` keeps of a stream of records: what the report needs, no more."""

    flagged: list[FlaggedMessage] = field(repr=False)  # the listed ones, in chat order
    kept: dict[int, ChatRecord] = field(repr=False)
    stats: ChatStats = field(repr=False)
    counts: FlagCounts = field(repr=False)
    context: int = DEFAULT_CONTEXT


class _Listed:
    """A flagged message the report may list, with the records around it."""

    __slots__ = ("after", "before", "flagged")

    def __init__(self, flagged: FlaggedMessage, before: tuple[ChatRecord, ...]) -> None:
        self.flagged = flagged
        self.before = before
        self.after: list[ChatRecord] = []


def _strip_marks(value: str) -> str:
    return value.translate(_MARK_TABLE).strip()


_MARK_TABLE = str.maketrans(
    "", "", "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
)


def default_role(kind: GroupKind) -> Role:
    """Everyone in an exported class group is a student, in a parent group a parent."""
    return {GroupKind.CLASS: Role.STUDENT, GroupKind.PARENT: Role.PARENT}.get(kind, Role.STAFF)


# Findings that alone do not make a message evidence for an incident report: an off-topic score
# (severity "none": a group chat of students is mostly not about school) and swearing aimed at
# nobody (principle 3). With another finding they are listed with it.
NOT_EVIDENCE_ALONE = frozenset({"off_topic", "profanity"})


# Information the mentor needs although no rule was broken: a picture the rules could not read
# (listed so nobody takes it for checked).
LISTED_ALWAYS = frozenset({"unreadable_image"})


def reportable(findings: Iterable[Finding]) -> bool:
    """Whether a message belongs in the incident report's findings."""
    return any((f.flag not in NOT_EVIDENCE_ALONE and f.severity > Severity.NONE)
               or f.flag in LISTED_ALWAYS for f in findings)


async def scan_records(
    records: Iterable[ChatRecord],
    checker: CheckerLike,
    kind: GroupKind,
    *,
    progress: Callable[[int], None] | None = None,
    batch: int = 200,
    context: int = DEFAULT_CONTEXT,
    max_listed: int = MAX_LISTED,
) -> ScanOutcome:
    """Run every checkable record through the checker, as the records come (a generator is read
    once, ``batch`` at a time). Kept are the flagged messages (the ``max_listed`` most serious) and
    the ``context`` records before and after each, plus the summary's counts over every message and
    every flagged one: memory follows the report, not the chat.

    ``progress`` is called with the number of records handled since the last call. Uses
    ``checker.evaluate_many(events, kind)`` when the checker offers it.
    """
    listed: list[tuple[int, int, int, _Listed]] = []  # a min-heap: the least serious on top
    waiting: deque[_Listed] = deque()  # listed messages still collecting records after them
    counts = FlagCounts()
    stats = ChatStats()
    recent: deque[ChatRecord] = deque(maxlen=max(0, context))
    many = getattr(checker, "evaluate_many", None)

    async def handle(chunk: list[ChatRecord]) -> None:
        todo = [r for r in chunk if r.event is not None]
        if many is not None and todo:
            verdicts = list(await many([r.event for r in todo], kind))
        else:
            verdicts = [await checker.evaluate(r.event, kind) for r in todo]  # type: ignore[arg-type]
        found: dict[int, FlaggedMessage] = {}
        for record, verdict in zip(todo, verdicts, strict=True):
            if reportable(verdict.findings):
                found[record.index] = FlaggedMessage(
                    record=record,
                    flags=tuple(verdict.flags),
                    severity=verdict.severity,
                    articles=tuple(sorted({f.article for f in verdict.findings})),
                    findings=tuple(verdict.findings),
                )
        for record in chunk:
            while waiting and len(waiting[0].after) >= context:
                waiting.popleft()
            for entry in waiting:
                entry.after.append(record)
            hit = found.get(record.index)
            if hit is not None:
                counts.add(hit)
                entry = _Listed(hit, tuple(recent))
                key = (int(hit.severity), len(hit.flags), -record.index, entry)
                if len(listed) < max_listed:
                    heapq.heappush(listed, key)
                    waiting.append(entry)
                elif key[:3] > listed[0][:3]:
                    heapq.heapreplace(listed, key)
                    waiting.append(entry)
            if context:
                recent.append(record)
        if progress is not None:
            progress(len(chunk))

    chunk: list[ChatRecord] = []
    for record in records:
        stats.add(record)
        chunk.append(record)
        if len(chunk) >= batch:
            await handle(chunk)
            chunk = []
    if chunk:
        await handle(chunk)
    entries = sorted((item[3] for item in listed), key=lambda e: e.flagged.record.index)
    kept: dict[int, ChatRecord] = {}
    for entry in entries:
        for record in (*entry.before, entry.flagged.record, *entry.after):
            kept[record.index] = record
    return ScanOutcome([e.flagged for e in entries], kept, stats, counts, context)


# --- the report model -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MemberSummary:
    name: str  # as shown (pseudonym for bystanders on request)
    sender: str  # as written in the export
    messages: int
    flagged: int
    max_severity: Severity
    flags: Mapping[str, int]
    articles: Mapping[str, int]
    is_staff: bool = False


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    record: ChatRecord
    name: str
    text: str
    flagged: FlaggedMessage | None = None


@dataclass(frozen=True, slots=True)
class TimelineSegment:
    entries: tuple[TimelineEntry, ...]
    skipped_before: int  # messages left out between the previous segment and this one


@dataclass(frozen=True, slots=True)
class Moment:
    flagged: FlaggedMessage
    name: str
    text: str
    anchor: str


@dataclass(slots=True)
class Report:
    source_name: str
    group_title: str | None
    group_kind: GroupKind
    layout: str | None
    generated_at: datetime
    messages_total: int
    text_messages: int
    media_messages: int
    deleted_messages: int
    system_lines: int
    period_start: ChatRecord | None
    period_end: ChatRecord | None
    members: list[MemberSummary]
    findings: list[tuple[FlaggedMessage, str, str]]  # (flagged, shown name, shown text), chat order
    per_article: dict[str, int]
    per_flag: dict[str, int]
    per_severity: dict[str, int]
    moments: list[Moment]
    timeline: list[TimelineSegment]
    member_order: list[str] = field(default_factory=list)  # senders by first message
    # Why each flagged message was flagged (the findings' evidence, names hidden on request),
    # by message index.
    reasons: dict[int, list[str]] = field(default_factory=dict)
    context: int = DEFAULT_CONTEXT
    pseudonymised: bool = False
    pseudonyms: dict[str, str] = field(default_factory=dict)  # sender -> pseudonym
    flagged_total: int = 0  # every flagged message; ``findings`` lists at most MAX_LISTED

    @property
    def not_listed(self) -> int:
        return max(0, self.flagged_total - len(self.findings))


# Titles and particles that are not names on their own ("Dhr. Kramer" is replaced as "Kramer").
_NOT_A_NAME = frozenset(
    (
        "dhr", "mevr", "mw", "mr", "mrs", "ms", "miss", "sir", "juf", "meester", "meneer",
        "mevrouw", "de", "van", "der", "den", "het", "ter", "ten", "te", "la", "le", "da", "di",
        "du", "von", "vd", "mama", "papa", "moeder", "vader", "ouder", "ouders", "mentor", "docent",
    )
)
_NAME_TOKEN = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)


def _name_patterns(
    names: Mapping[str, str], protected: Iterable[str]
) -> list[tuple[re.Pattern[str], str]]:
    """Patterns that find a bystander's name (full, or a distinctive part) in message texts."""
    protected_tokens = {
        t.casefold() for name in protected for t in _NAME_TOKEN.findall(_strip_marks(name))
    }
    token_owner: dict[str, set[str]] = {}
    for sender in names:
        for token in _NAME_TOKEN.findall(_strip_marks(sender)):
            token_owner.setdefault(token.casefold(), set()).add(sender)
    pairs: list[tuple[str, str]] = []
    for sender, alias in names.items():
        full = _strip_marks(sender)
        if full:
            pairs.append((full, alias))
        for token in _NAME_TOKEN.findall(full):
            folded = token.casefold()
            if (
                len(token) >= 3
                and folded not in _NOT_A_NAME
                and folded not in protected_tokens
                and len(token_owner.get(folded, ())) == 1
                and token != full
            ):
                pairs.append((token, alias))
    pairs.sort(key=lambda pair: len(pair[0]), reverse=True)
    return [
        (re.compile(rf"(?<!\w){re.escape(text)}(?!\w)", re.IGNORECASE), alias)
        for text, alias in pairs
    ]


def _pseudonymiser(
    senders: Iterable[str], flagged_senders: set[str], staff: Iterable[str], label: str
) -> tuple[dict[str, str], Callable[[str], str]]:
    """Aliases for bystanders (members without findings) and a function that hides their names.

    Staff keep their names: they act in their role, and the report is for the school.
    """
    aliases: dict[str, str] = {}
    staff = set(staff)
    for sender in senders:
        if sender not in flagged_senders and sender not in staff and sender not in aliases:
            aliases[sender] = label.format(n=len(aliases) + 1)
    keep = (set(flagged_senders) | staff) - set(aliases)
    patterns = _name_patterns(aliases, keep)

    def hide(text: str) -> str:
        if not text:
            return text
        for pattern, alias in patterns:
            if pattern.search(text):
                text = pattern.sub(alias, text)
        return text

    return aliases, hide


def build_report(
    result: ScanResult,
    *,
    pseudonymise: bool = False,
    context: int = DEFAULT_CONTEXT,
    pseudonym_label: str = "Deelnemer {n}",
    now: datetime | None = None,
) -> Report:
    """Everything the renderers show, computed once. ``context`` cannot exceed what the scan
    kept (``result.context``)."""
    records = result.records
    stats = result.stats
    context = min(context, result.context)
    flagged_by_index = {f.record.index: f for f in result.flagged}
    flagged_senders = {f.record.sender for f in result.flagged}
    flagged_senders.update(result.counts.member_flagged)

    aliases: dict[str, str] = {}
    hide: Callable[[str], str] = lambda text: text  # noqa: E731
    if pseudonymise:
        aliases, hide = _pseudonymiser(stats.per_sender, flagged_senders, result.staff,
                                       pseudonym_label)

    def name_of(sender: str) -> str:
        return aliases.get(sender) or _strip_marks(sender)

    # Members in order of first message; their flags over every flagged message, listed or not.
    counts = stats.per_sender
    flag_counts = result.counts if result.counts.total else FlagCounts.of(result.flagged)
    member_flags = flag_counts.member_flags
    member_articles = flag_counts.member_articles
    member_flagged = flag_counts.member_flagged
    member_max = flag_counts.member_max
    member_order = list(stats.per_sender)
    members = [
        MemberSummary(
            name=name_of(sender),
            sender=sender,
            messages=counts[sender],
            flagged=member_flagged[sender],
            max_severity=member_max.get(sender, Severity.NONE),
            flags=dict(member_flags.get(sender, {})),
            articles=dict(member_articles.get(sender, {})),
            is_staff=sender in result.staff,
        )
        for sender in member_order
    ]
    members.sort(key=lambda m: (-m.max_severity, -m.flagged, 0))

    per_article = flag_counts.per_article
    per_flag = flag_counts.per_flag
    per_severity = flag_counts.per_severity

    def anchor(record: ChatRecord) -> str:
        return f"m{record.index}"

    findings = [(f, name_of(f.record.sender), hide(f.record.text)) for f in result.flagged]
    ranked = sorted(result.flagged, key=lambda f: (-f.severity, -len(f.flags), f.record.index))
    moments = [
        Moment(f, name_of(f.record.sender), hide(f.record.text), anchor(f.record))
        for f in ranked[:TOP_MOMENTS]
    ]

    timeline: list[TimelineSegment] = []
    windows: list[list[int]] = []
    for f in result.flagged:
        lo, hi = max(0, f.record.index - context), min(stats.total - 1, f.record.index + context)
        if windows and lo <= windows[-1][1] + 1:
            windows[-1][1] = max(windows[-1][1], hi)
        else:
            windows.append([lo, hi])
    previous_end = -1
    for lo, hi in windows:
        entries = tuple(
            TimelineEntry(
                record=records[i],
                name=name_of(records[i].sender),
                text=hide(records[i].text),
                flagged=flagged_by_index.get(i),
            )
            for i in range(lo, hi + 1)
        )
        timeline.append(TimelineSegment(entries, skipped_before=lo - previous_end - 1))
        previous_end = hi

    return Report(
        source_name=result.source_name,
        group_title=hide(result.group_title) if result.group_title else None,
        group_kind=result.group_kind,
        layout=result.layout,
        generated_at=now or datetime.now().astimezone(),
        messages_total=stats.total,
        text_messages=stats.text,
        media_messages=stats.media,
        deleted_messages=stats.deleted,
        system_lines=result.system_lines,
        period_start=stats.first,
        period_end=stats.last,
        members=members,
        findings=findings,
        per_article=dict(sorted(per_article.items(), key=lambda kv: (-kv[1], kv[0]))),
        per_flag=dict(sorted(per_flag.items(), key=lambda kv: (-kv[1], kv[0]))),
        per_severity={
            s.label: per_severity[s.label]
            for s in sorted(Severity, reverse=True)
            if per_severity[s.label]
        },
        moments=moments,
        timeline=timeline,
        member_order=member_order,
        reasons={
            f.record.index: list(dict.fromkeys(hide(x.evidence) for x in f.findings if x.evidence))
            for f in result.flagged
        },
        context=context,
        pseudonymised=pseudonymise,
        pseudonyms=aliases,
        flagged_total=max(flag_counts.total, len(result.flagged)),
    )
