"""Every policy answers for every message, including why it cleared it (``check --explain``)."""

from __future__ import annotations

import json
from typing import ClassVar

from bot.checker import Checker
from bot.evaluator import Evaluator
from core.events import (
    GroupKind,
    MessageEvent,
    Role,
    Sender,
)
from core.findings import Finding
from policies.base import PolicyContext, PolicySettings, TextPolicy
from policies.text import TextView


async def test_without_explain_the_output_is_the_same_contract() -> None:
    checker = Checker.from_config()
    try:
        out = await checker.check_line(json.dumps({"id": "x", "text": "hoi"}), 1)
        assert list(out) == ["id", "flags", "severity", "findings"]
    finally:
        await checker.aclose()


def _event(**kwargs: object) -> MessageEvent:
    return MessageEvent("console", "klas", "1", Sender("s", "Sam", Role.STUDENT), **kwargs)


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
