"""A policy declares how its findings are handled (core.findings.Route); the core never names one.

A rule of our own that declares the care route gets the wellbeing behaviour (nothing in the group,
the confidential adviser alerted) and one that declares the informational route acts only alone,
without any change to the planner or the pipeline.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import ClassVar

from pydantic import Field

from bot.planner import ReminderLimiter, plan_actions
from core.events import MessageEvent, Role, Sender
from core.findings import ActionKind, Finding, Route, Severity
from core.verdict import Verdict
from policies.base import PolicyContext, PolicySettings, TextPolicy
from policies.text import TextView
from tests.core_support import WordRule, config, core_app


class WorrySettings(PolicySettings):
    actions: dict[str, list[ActionKind]] = Field(default_factory=lambda: {
        "high": [ActionKind.REMIND, ActionKind.NOTIFY]})


class WorryRule(TextPolicy):
    """A test-only care rule: 'zorgwoord' is a worry about the writer."""

    name: ClassVar[str] = "worry"
    flag: ClassVar[str] = "worry"
    article: ClassVar[str] = "A.11"
    route: ClassVar[Route] = Route.CARE
    settings_model = WorrySettings

    def check_text(self, text: TextView, ctx: PolicyContext, event: MessageEvent) -> list[Finding]:
        if "zorgwoord" not in text.normalized:
            return []
        return [Finding(self.name, self.flag, self.article, 0.9, Severity.HIGH, "zorgwoord")]


async def test_a_new_care_policy_is_quiet_and_reaches_the_adviser(tmp_path: Path) -> None:
    cfg = config(tmp_path, school={
        "admins": [{"name": "Beheer", "channels": ["console:admins"]}],
        "confidential_adviser": {"name": "Vertrouwenspersoon",
                                 "channels": ["console:vertrouwenspersoon"]}})
    app = await core_app(tmp_path, cfg, policies=[WorryRule(), WordRule()])
    try:
        event = MessageEvent("console", "klas", "5", Sender("s1", "Sanne", Role.STUDENT),
                             text="zorgwoord en rotzak")
        decision = await app.on_message(event)
        assert decision.verdict.flags == ["harassment", "worry"]
        assert {f.policy: f.route for f in decision.verdict.findings} == {
            "worry": Route.CARE, "word": Route.NORMAL}
        # The insult would be removed and warned about; the care route silences the group.
        assert not any(decision.plan.has(k) for k in (ActionKind.DELETE, ActionKind.WARN,
                                                      ActionKind.REMIND))
        await app.dispatcher.deliver_due()
        assert app.port.of("delete") == [] and app.port.of("send") == []
        # A care signal is the confidential adviser's alone (A.11), the insult beside it included.
        assert sorted(a.chat_id for a in app.port.of("alert")) == ["vertrouwenspersoon"]
    finally:
        await app.stop()


def _plan(*findings: Finding, settings: dict[str, PolicySettings]) -> list[str]:
    return plan_actions(Verdict.of(findings), settings, sender_role=Role.STUDENT, observe=False,
                        group_key="g", member_id="m", today=date(2026, 1, 5),
                        reminders=ReminderLimiter()).kinds


def test_an_informational_route_acts_only_alone() -> None:
    remind = PolicySettings(actions={"low": [ActionKind.REMIND]})
    tell = PolicySettings(actions={"medium": [ActionKind.NOTIFY]})
    note = Finding("note", "note", "B.2", 0.9, Severity.LOW, "info", route=Route.INFORMATIONAL)
    harm = Finding("harm", "harm", "A.10", 0.9, Severity.MEDIUM, "harm")
    settings = {"note": remind, "harm": tell}
    assert _plan(note, settings=settings) == ["remind"]
    assert _plan(note, harm, settings=settings) == ["notify"]
    # Without the declaration the same low finding is a real one and speaks too.
    plain = Finding("note", "note", "B.2", 0.9, Severity.LOW, "info")
    assert _plan(plain, harm, settings=settings) == ["remind", "notify"]


def test_the_reminder_limit_is_a_typed_setting_of_every_policy() -> None:
    settings = {"note": PolicySettings(actions={"low": [ActionKind.REMIND]},
                                       report_repeats_after=3)}
    note = Finding("note", "note", "B.2", 0.9, Severity.LOW, "info")
    limiter = ReminderLimiter()
    kinds = [plan_actions(Verdict.of([note]), settings, sender_role=Role.STUDENT, observe=False,
                          group_key="g", member_id="m", today=date(2026, 1, 5),
                          reminders=limiter).kinds for _ in range(4)]
    assert kinds == [["remind"], [], ["notify"], []]
