"""A.6: video or audio posted in a class group during lesson time is flagged for the teacher.

A recording made in a lesson and shared in the group is what A.6 forbids; the bot cannot see what
a video shows, so it only tells the group's moderators (no reminder in the group, no deletion) when
video, audio or a voice message arrives while the group's timetable says a lesson is on. The
timetable comes from the group's config (``timetable``, in the school's time zone).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, time
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from pydantic import Field

from core.events import Attachment, AttachmentKind, GroupKind, MessageEvent
from core.findings import ActionKind, Finding, Severity
from policies import articles
from policies.base import BasePolicy, PolicyContext, PolicySettings
from policies.registry import register
from policies.text import TextView

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAYS_NL = ("ma", "di", "wo", "do", "vr", "za", "zo")
MEDIA_KINDS = {AttachmentKind.VIDEO: "video", AttachmentKind.AUDIO: "audio",
               AttachmentKind.VOICE: "spraakbericht"}


class LessonMediaSettings(PolicySettings):
    actions: dict[str, list[ActionKind]] = Field(
        default_factory=lambda: {"low": [ActionKind.NOTIFY]}
    )


def _media_word(att: Attachment) -> str | None:
    if att.kind in MEDIA_KINDS:
        return MEDIA_KINDS[att.kind]
    mime = att.mime_type or ""
    if mime.startswith("video/"):
        return "video"
    if mime.startswith("audio/"):
        return "audio"
    return None


def _hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def _slot(raw: Any) -> tuple[str, str, str] | None:
    get = raw.get if isinstance(raw, Mapping) else lambda k: getattr(raw, k, None)
    day, start, end = get("day"), get("start"), get("end")
    if not (isinstance(day, str) and isinstance(start, str) and isinstance(end, str)):
        return None
    return day.lower()[:3], start, end


def lesson_at(moment: datetime, timetable: Iterable[Any], tz: str) -> tuple[str, str, str] | None:
    """The lesson slot (day, start, end) running at ``moment`` (aware), if any."""
    local = moment.astimezone(ZoneInfo(tz))
    day = DAYS[local.weekday()]
    now = local.time()
    for raw in timetable:
        slot = _slot(raw)
        if slot is None or slot[0] != day:
            continue
        try:
            if _hhmm(slot[1]) <= now < _hhmm(slot[2]):
                return slot
        except ValueError:
            continue
    return None


@register
class LessonMediaPolicy(BasePolicy):
    name: ClassVar[str] = "lesson_media"
    flag: ClassVar[str] = "lesson_recording"
    article: ClassVar[str] = articles.A6
    order: ClassVar[int] = 16
    synchronous: ClassVar[bool] = False
    settings_model: ClassVar[type[PolicySettings]] = LessonMediaSettings
    kind_defaults: ClassVar = {GroupKind.PARENT: {"enabled": False},
                               GroupKind.STAFF: {"enabled": False}}

    def wants(self, event: MessageEvent) -> bool:
        return any(_media_word(a) is not None for a in event.attachments)

    def not_applicable(self, event: MessageEvent) -> str:
        return super().not_applicable(event) if not event.attachments else "not applicable: no video or audio"

    async def check(self, event: MessageEvent, text: TextView, ctx: PolicyContext) -> list[Finding]:
        if ctx.group_kind is not GroupKind.CLASS:
            ctx.clear(f"not applicable: {ctx.group_kind.value} group (class groups only)")
            return []
        kinds = [w for a in event.attachments if (w := _media_word(a)) is not None]
        timetable = ctx.group_facts.get("timetable") or ()
        if not kinds or not timetable:
            ctx.clear("no timetable for this group" if kinds else "not applicable: no video or audio")
            return []
        slot = lesson_at(event.sent_at, timetable, ctx.timezone)
        if slot is None:
            ctx.clear("outside lesson time")
            return []
        day_nl = DAYS_NL[DAYS.index(slot[0])]
        what = " en ".join(dict.fromkeys(kinds))
        return [Finding(
            policy=self.name, flag=self.flag, article=self.article, score=0.5,
            severity=Severity.LOW,
            evidence=f"{what} gedeeld tijdens de les ({day_nl} {slot[1]}–{slot[2]})",
            category=kinds[0],
            data={"lesson": {"day": slot[0], "start": slot[1], "end": slot[2]}},
        )]
