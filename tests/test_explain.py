"""Every policy answers for every message, including why it cleared it (``check --explain``)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import ClassVar

from PIL import Image

from bot.checker import Checker
from bot.evaluator import Evaluator
from core.events import (
    Attachment,
    AttachmentKind,
    ForwardOrigin,
    GroupKind,
    MessageEvent,
    Role,
    Sender,
)
from core.findings import Finding, Outcome
from policies.base import PolicyContext, PolicySettings, TextPolicy
from policies.forwarded import ForwardedPrivatePolicy
from policies.lesson_media import LessonMediaPolicy
from policies.registry import policy_types
from policies.text import TextView


async def explain(checker: Checker, **line: object) -> dict[str, dict[str, str]]:
    out = await checker.check_line(json.dumps({"id": "x", **line}), 1)
    assert "error" not in out, out
    answers = {e["policy"]: e for e in out["explain"]}
    assert [e["policy"] for e in out["explain"]] == list(answers)  # one answer per policy
    assert set(answers) == set(policy_types())
    assert all(e["result"] in ("finding", "clear", "skipped") and e["reason"]
               for e in out["explain"])
    return answers


async def test_every_policy_answers_and_topic_says_why_it_cleared() -> None:
    checker = Checker.from_config(explain=True)
    try:
        homework = await explain(checker, text="Wat is het huiswerk voor morgen?")
        assert homework["topic"]["result"] == "clear"
        assert homework["topic"]["reason"].startswith("school subject (homework)")
        assert "doubt threshold" in homework["topic"]["reason"]
        assert homework["personal_data"] == {"policy": "personal_data", "result": "clear",
                                             "reason": "no match"}
        assert homework["screenshot"]["reason"] == "not applicable: text only"
        assert homework["forwarded"]["reason"] == "not applicable: not forwarded"
        assert homework["toxicity_model"]["reason"] == "not applicable: no model ([models] off)"
        assert (await explain(checker, text="oké top"))["topic"]["reason"] == \
            "greeting or acknowledgement"
        party = await explain(checker, text="wie gaat er zaterdag mee naar het feest bij tim?")
        assert party["topic"]["result"] == "finding" and "feest" in party["topic"]["reason"]
        staff = await explain(checker, text="vergadering om drie uur", group_kind="staff",
                              sender_role="staff")
        assert staff["topic"] == {"policy": "topic", "result": "skipped", "reason": "staff group"}
        assert staff["screenshot"]["reason"] == "staff group"
    finally:
        await checker.aclose()


async def test_without_explain_the_output_is_the_same_contract() -> None:
    checker = Checker.from_config()
    try:
        out = await checker.check_line(json.dumps({"id": "x", "text": "hoi"}), 1)
        assert list(out) == ["id", "flags", "severity", "findings"]
    finally:
        await checker.aclose()


async def test_media_rules_say_why_an_image_is_clear(tmp_path: Path) -> None:
    photo = tmp_path / "lucht.png"
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 140, 220)).save(buffer, "PNG")
    photo.write_bytes(buffer.getvalue())
    checker = Checker.from_config(explain=True)
    try:
        answers = await explain(checker, image=str(photo))
    finally:
        await checker.aclose()
    assert answers["reshare"] == {"policy": "reshare", "result": "clear",
                                  "reason": "not a known flagged image"}
    assert answers["screenshot"]["result"] == "clear"
    assert answers["screenshot"]["reason"].startswith("not a chat screenshot (score")
    assert answers["topic"]["reason"] == "not applicable: no text"
    assert answers["lesson_media"]["reason"] == "not applicable: no video or audio"


def _event(**kwargs: object) -> MessageEvent:
    return MessageEvent("console", "klas", "1", Sender("s", "Sam", Role.STUDENT), **kwargs)


async def test_forwarded_and_lesson_media_reasons() -> None:
    evaluator = Evaluator([ForwardedPrivatePolicy(), LessonMediaPolicy()])
    video = Attachment(kind=AttachmentKind.VIDEO, file_id="v")
    public = _event(text="kijk", forward_origin=ForwardOrigin.CHANNEL, attachments=(video,))
    verdict = await evaluator.evaluate(public, kind=GroupKind.CLASS, settings={}, explain=True)
    assert [(r.policy, r.result, r.reason) for r in verdict.results] == [
        ("forwarded", Outcome.SKIPPED, "not applicable: forwarded from a channel, not a private chat"),
        ("lesson_media", Outcome.CLEAR, "no timetable for this group"),
    ]
    parent = await evaluator.evaluate(public, kind=GroupKind.PARENT, settings={
        "lesson_media": LessonMediaPolicy.settings_model(enabled=False)}, explain=True)
    assert parent.results[1].reason == "parent group"


class Broken(TextPolicy):
    name: ClassVar[str] = "broken"
    flag: ClassVar[str] = "broken"
    article: ClassVar[str] = "A.1"

    def check_text(self, text: TextView, ctx: PolicyContext, event: MessageEvent) -> list[Finding]:
        raise RuntimeError("kapot")


class Quiet(TextPolicy):
    name: ClassVar[str] = "quiet"
    flag: ClassVar[str] = "quiet"
    article: ClassVar[str] = "A.1"

    def check_text(self, text: TextView, ctx: PolicyContext, event: MessageEvent) -> list[Finding]:
        ctx.clear("first look")
        ctx.clear("a reason of its own")
        return []


async def test_a_failing_or_disabled_policy_still_answers() -> None:
    evaluator = Evaluator([Broken(), Quiet()])
    verdict = await evaluator.evaluate(_event(text="hallo"), kind=GroupKind.CLASS, settings={}, explain=True)
    assert verdict.clean
    assert [r.as_json() for r in verdict.results] == [
        {"policy": "broken", "result": "skipped", "reason": "failed (RuntimeError)"},
        {"policy": "quiet", "result": "clear", "reason": "a reason of its own"},
    ]
    off = await evaluator.evaluate(_event(text="hallo"), kind=GroupKind.CLASS,
                                   settings={"quiet": PolicySettings(enabled=False)}, explain=True)
    assert off.results[1].reason == "disabled in this group"
    # The pipeline does not ask: no answers are collected.
    assert (await evaluator.evaluate(_event(text="hallo"), kind=GroupKind.CLASS,
                                     settings={})).results == ()
