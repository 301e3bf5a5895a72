"""Forwarded private messages (A.8) and media posted during lessons (A.6)."""

from __future__ import annotations

from datetime import UTC, datetime

from images_support import EMPTY, context

from core.events import (
    Attachment,
    AttachmentKind,
    ForwardOrigin,
    GroupKind,
    MessageEvent,
    Role,
    Sender,
)
from policies.forwarded import ForwardedPrivatePolicy
from policies.lesson_media import LessonMediaPolicy

TIMETABLE = [
    {"day": "mon", "start": "08:30", "end": "09:20"},
    {"day": "mon", "start": "09:20", "end": "10:10"},
    {"day": "wed", "start": "13:00", "end": "13:50"},
]


def _event(*, origin=None, kinds=(), sent_at=None, mime=None) -> MessageEvent:
    atts = tuple(Attachment(kind=k, file_id=f"a{i}", mime_type=mime) for i, k in enumerate(kinds))
    return MessageEvent(platform="telegram", group_id="-100", message_id="9",
                        sender=Sender("u", "Noa", Role.STUDENT), text="kijk dit",
                        attachments=atts, forward_origin=origin,
                        sent_at=sent_at or datetime.now(UTC))


async def test_forward_from_a_private_person_is_a_gentle_a8_reminder() -> None:
    policy = ForwardedPrivatePolicy()
    ctx = context(policy.settings_model())
    for origin in (ForwardOrigin.PRIVATE_USER, ForwardOrigin.HIDDEN_USER):
        findings = await policy.check(_event(origin=origin), EMPTY, ctx)
        assert [(f.flag, f.article, f.severity.label) for f in findings] == [
            ("forwarded_private", "A.8", "low")]
        assert "privégesprek" in findings[0].evidence
    assert [a.value for a in policy.settings_model().actions["low"]] == ["remind"]
    for origin in (ForwardOrigin.CHANNEL, ForwardOrigin.GROUP, None):
        assert await policy.check(_event(origin=origin), EMPTY, ctx) == []


async def test_video_during_a_lesson_notifies_the_teacher() -> None:
    policy = LessonMediaPolicy()
    ctx = context(policy.settings_model(), facts={"timetable": TIMETABLE})
    # Monday 2 February 2026, 07:45 UTC = 08:45 in Amsterdam (winter time): first lesson
    during = datetime(2026, 2, 2, 7, 45, tzinfo=UTC)
    for kind in (AttachmentKind.VIDEO, AttachmentKind.AUDIO, AttachmentKind.VOICE):
        findings = await policy.check(_event(kinds=(kind,), sent_at=during), EMPTY, ctx)
        assert [(f.flag, f.article) for f in findings] == [("lesson_recording", "A.6")]
        assert "08:30–09:20" in findings[0].evidence
    assert [a.value for a in policy.settings_model().actions["low"]] == ["notify"]
    doc_video = _event(kinds=(AttachmentKind.DOCUMENT,), sent_at=during, mime="video/mp4")
    assert len(await policy.check(doc_video, EMPTY, ctx)) == 1


async def test_outside_lessons_and_other_media_are_left_alone() -> None:
    policy = LessonMediaPolicy()
    ctx = context(policy.settings_model(), facts={"timetable": TIMETABLE})
    video = (AttachmentKind.VIDEO,)
    cases = [
        datetime(2026, 2, 2, 6, 45, tzinfo=UTC),  # 07:45 local, before school
        datetime(2026, 2, 2, 9, 10, tzinfo=UTC),  # 10:10 local, the break starts
        datetime(2026, 2, 7, 8, 0, tzinfo=UTC),  # Saturday
        datetime(2026, 2, 4, 11, 30, tzinfo=UTC),  # Wednesday 12:30 local
    ]
    for moment in cases:
        assert await policy.check(_event(kinds=video, sent_at=moment), EMPTY, ctx) == [], moment
    during = datetime(2026, 2, 2, 7, 45, tzinfo=UTC)
    assert await policy.check(_event(kinds=(AttachmentKind.IMAGE,), sent_at=during), EMPTY,
                              ctx) == []
    # summer time: Wednesday 1 July 2026 11:10 UTC = 13:10 local, in the Wednesday lesson
    summer = datetime(2026, 7, 1, 11, 10, tzinfo=UTC)
    assert len(await policy.check(_event(kinds=video, sent_at=summer), EMPTY, ctx)) == 1
    # parent groups and groups without a timetable: nothing to check
    parent = context(policy.settings_model(), kind=GroupKind.PARENT,
                     facts={"timetable": TIMETABLE})
    assert await policy.check(_event(kinds=video, sent_at=during), EMPTY, parent) == []
    bare = context(policy.settings_model())
    assert await policy.check(_event(kinds=video, sent_at=during), EMPTY, bare) == []
