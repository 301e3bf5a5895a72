"""The route of one message: group policy → policies → verdict → plan → ports, storage, alerts.

``Pipeline.handle`` is what every adapter calls for a message. It never learns which platform it
serves: it looks up the chat port by the event's platform name and talks only to that port, the
repositories, and the outbox. Listeners (escalation, digest, image memory) see every decision.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bot.alerts import AlertService, Router
from bot.directory import GroupDirectory
from bot.evaluator import Evaluator
from bot.groups import EffectiveGroup
from bot.i18n import t
from bot.planner import ReminderLimiter, plan_actions
from core.clock import now_utc
from core.delivery import TemporaryDeliveryError
from core.events import MessageEvent
from core.findings import ActionKind, Finding, Severity
from core.ports import Button, ChatPort, OutgoingAlert
from core.verdict import ActionPlan, Verdict
from storage.repositories import Repositories

log = logging.getLogger(__name__)

# Findings about a member's own wellbeing go to the confidential adviser alone (A.11), never into
# incidents, lists or dossiers that others see.
CONFIDENTIAL_FLAGS = frozenset({"wellbeing"})


@dataclass(slots=True)
class Decision:
    """What the pipeline decided and did for one message."""

    event: MessageEvent
    group: EffectiveGroup
    verdict: Verdict
    plan: ActionPlan
    finding_ids: list[int] = field(default_factory=list)  # aligned with verdict.findings
    deleted: bool = False


class DecisionListener(Protocol):
    """Gets every decision (clean messages too): escalation monitor, digest queue, image memory."""

    async def on_decision(self, decision: Decision) -> None: ...


def article_text(article: str, lang: str) -> str:
    try:
        return t(f"article.{article}", lang)
    except KeyError:
        return article


def flag_text(flag: str, lang: str) -> str:
    try:
        return t(f"flag.{flag}", lang)
    except KeyError:
        return flag


def _label(keys: tuple[str, ...], lang: str, fallback: str) -> str:
    for key in keys:
        try:
            return t(key, lang)
        except KeyError:
            continue
    return fallback


def neutral_removed(finding: Finding, lang: str, kind: str, article: str) -> str:
    """What the group reads when a message was removed: the policy's own removal notice, else the
    core's; these texts never name the sender."""
    category = finding.category or ""
    label = _label((f"{finding.policy}.category.{category}", f"{finding.policy}.kind.{category}",
                    f"flag.{finding.flag}"), lang, category)
    values = {"article": article, "category": label,
              "kind": _label((f"{finding.policy}.kind.{category}",), lang, label),
              "group": "", "severity": t(f"severity.{finding.severity.label}", lang)}
    for key in (f"{finding.policy}.removed.{kind}", f"{finding.policy}.removed",
                f"{finding.flag}.removed"):
        try:
            return t(key, lang, **values)
        except KeyError:
            continue
    return t("action.removed", lang, article=article)


def policy_text(finding: Finding, action: str, lang: str, kind: str, **values: str) -> str:
    """The most specific text for an action: the policy's own for this kind of group or category
    (``topic.remind.parent``, ``harassment.profanity``), then the flag's, then the core's.

    Texts may use {name}, {article}, {group}, {severity}, {category} and {kind} (the finding's
    category in words, from ``<policy>.category.*`` or ``<policy>.kind.*``)."""
    category = finding.category or ""
    label = _label((f"{finding.policy}.category.{category}", f"{finding.policy}.kind.{category}",
                    f"flag.{finding.flag}"), lang, category)
    values = {"category": label, "kind": _label((f"{finding.policy}.kind.{category}",), lang,
                                                label),
              "severity": t(f"severity.{finding.severity.label}", lang), "group": "", **values}
    keys: list[str] = []
    for prefix in dict.fromkeys((finding.policy, finding.flag)):
        keys += [f"{prefix}.{action}.{kind}", f"{prefix}.{action}.{category}"]
        if finding.flag != prefix:
            keys.append(f"{prefix}.{finding.flag}")
        keys.append(f"{prefix}.{action}")
        if action == "warn":
            keys.append(f"{prefix}.removed")  # a warning goes with the removal of the message
    for key in (*keys, f"action.{action}"):
        try:
            return t(key, lang, **values)
        except KeyError:
            continue
    return t(f"action.{action}", lang, **values)


class Pipeline:
    def __init__(
        self,
        *,
        directory: GroupDirectory,
        evaluator: Evaluator,
        repos: Repositories,
        alerts: AlertService,
        router: Router,
        timezone: str = "Europe/Amsterdam",
        ports: dict[str, ChatPort] | None = None,
        listeners: Sequence[DecisionListener] = (),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.directory = directory
        self.evaluator = evaluator
        self.repos = repos
        self.alerts = alerts
        self.router = router
        self.tz = ZoneInfo(timezone)
        self.ports: dict[str, ChatPort] = dict(ports or {})
        self.listeners: list[DecisionListener] = list(listeners)
        self.reminders = ReminderLimiter()
        self.clock = clock
        self._members_seen: set[tuple[str, str, str]] = set()
        # The log of actions taken is written in small batches (one transaction per batch instead
        # of one per message); ``flush_actions`` runs at the latest a second later and on stop.
        self._actions: list[dict[str, Any]] = []
        self._action_timer: asyncio.Task[None] | None = None

    ACTION_BATCH = 256
    ACTION_DELAY_SECONDS = 1.0

    async def flush_actions(self) -> None:
        batch, self._actions = self._actions, []
        if batch:
            await self.repos.db.run(self.repos.actions.add_many, batch)

    async def _flush_soon(self) -> None:
        await asyncio.sleep(self.ACTION_DELAY_SECONDS)
        await self.flush_actions()

    async def close(self) -> None:
        """Write what is pending (called when the app stops)."""
        if self._action_timer is not None and not self._action_timer.done():
            self._action_timer.cancel()
        await self.flush_actions()

    def add_port(self, port: ChatPort) -> None:
        self.ports[port.platform] = port

    def add_listener(self, listener: DecisionListener) -> None:
        self.listeners.append(listener)

    async def evaluate(self, event: MessageEvent, group: EffectiveGroup) -> Verdict:
        return await self.evaluator.evaluate(
            event, kind=group.kind, settings=group.settings, language=group.language,
            timezone=str(self.tz), facts=group.facts, now=self.clock())

    async def handle(self, event: MessageEvent) -> Decision | None:
        """Moderate one message. Returns None for groups the bot does not work in (yet)."""
        group = await self.directory.get(event.group_key)
        if group is None or not group.approved:
            log.debug("message in unapproved group ignored", extra={"group": event.group_key})
            return None
        verdict = await self.evaluate(event, group)
        plan = plan_actions(
            verdict, group.settings, sender_role=event.sender.role, observe=group.observe,
            group_key=group.key, member_id=event.sender.platform_id,
            today=self.clock().astimezone(self.tz).date(), reminders=self.reminders)
        decision = Decision(event=event, group=group, verdict=verdict, plan=plan)
        if not verdict.clean:
            # Informational findings alone (an off-topic score, severity "none") are not stored
            # unless a moderator is told about them: data minimisation, and chat is not evidence.
            if verdict.severity > Severity.NONE or plan.has(ActionKind.NOTIFY):
                decision.finding_ids = await self._record_findings(decision)
            await self._carry_out(decision)
        for listener in self.listeners:
            try:
                await listener.on_decision(decision)
            except Exception:
                log.exception("decision listener failed",
                              extra={"listener": type(listener).__name__})
        return decision

    async def _record_findings(self, decision: Decision) -> list[int]:
        event = decision.event
        now = now_utc()
        # Plain rows, not model objects: constructing a SQLModel object costs more than storing it.
        records = [
            {
                "group_key": decision.group.key, "message_id": event.message_id,
                "member_id": event.sender.platform_id, "policy": f.policy, "flag": f.flag,
                "article": f.article, "severity": int(f.severity), "score": f.score,
                "evidence": f.evidence, "category": f.category, "text": event.text or None,
                "created_at": now,
            }
            for f in decision.verdict.findings
        ]
        member = (decision.group.key, event.sender.platform_id, event.sender.role.value)
        if member in self._members_seen:  # stored already by this process: findings only
            return await self.repos.db.run(self.repos.findings.add_many, records)
        ids = await self.repos.db.run(lambda: self.repos.findings.record(
            records, role=event.sender.role.value, display_name=event.sender.display_name))
        if len(self._members_seen) > 100_000:
            self._members_seen.clear()
        self._members_seen.add(member)
        return ids

    async def _carry_out(self, decision: Decision) -> None:
        event, group, plan = decision.event, decision.group, decision.plan
        port = self.ports.get(event.platform)
        lang = group.language
        done: list[dict[str, Any]] = []  # action log rows (see ``_record_findings``)
        results: dict[ActionKind, bool] = {}  # what really happened in the group, for the alert
        for action in plan.actions:
            kind = action.kind
            article = article_text(action.finding.article, lang)
            in_group = kind in (ActionKind.DELETE, ActionKind.WARN, ActionKind.REMIND,
                                ActionKind.RESTRICT)
            ok = True
            if in_group and (plan.observe or port is None):
                ok = False
            elif in_group and port is not None:
                ok = await self._in_group(port, decision, kind, article, lang)
            elif kind is ActionKind.NOTIFY:
                await self._notify(decision, action.finding, results)
            if in_group:
                results[kind] = ok
            done.append({"group_key": group.key, "message_id": event.message_id,
                         "member_id": event.sender.platform_id, "action": kind.value,
                         "article": action.finding.article,
                         "observe": plan.observe and in_group, "ok": ok, "created_at": now_utc()})
        if done:
            self._actions.extend(done)
            if len(self._actions) >= self.ACTION_BATCH:
                await self.flush_actions()
            elif self._action_timer is None or self._action_timer.done():
                self._action_timer = asyncio.create_task(self._flush_soon())

    async def _in_group(self, port: ChatPort, decision: Decision, kind: ActionKind,
                        article: str, lang: str) -> bool:
        event = decision.event
        name = event.sender.display_name
        finding = decision.plan.get(kind).finding  # type: ignore[union-attr]
        try:
            if kind is ActionKind.DELETE:
                decision.deleted = await port.delete_message(
                    event.group_id, event.message_id,
                    reason=t("action.delete_reason", lang, article=article))
                return decision.deleted
            if kind in (ActionKind.WARN, ActionKind.REMIND):
                # About a member's own message: to that member, privately. The group sees at
                # most a neutral notice that names nobody (issue 15).
                text = policy_text(finding, kind.value, lang, decision.group.kind.value,
                                   name=name, article=article,
                                   group=decision.group.title or decision.group.key)
                private = await port.send_private(event.sender.platform_id, text)
                if decision.deleted:
                    notice = neutral_removed(finding, lang, decision.group.kind.value, article)
                elif private is None:  # no private chat: a reminder for everyone, unaddressed
                    notice = t("action.remind_all", lang, article=article)
                else:
                    return True
                sent = await port.send_message(event.group_id, notice) is not None
                return private is not None or sent
            if kind is ActionKind.RESTRICT:
                from datetime import timedelta

                until = self.clock() + timedelta(hours=1)
                return await port.restrict_member(event.group_id, event.sender.platform_id,
                                                  until=until)
        except TemporaryDeliveryError as exc:
            log.warning("in-group action failed", extra={"action": kind.value,
                                                         "group": decision.group.key,
                                                         "error": str(exc)[:200]})
        return False

    async def _notify(self, decision: Decision, finding: Finding,
                      results: dict[ActionKind, bool]) -> None:
        """Alert the moderators. "Gedaan" says what really happened in the group: in observe mode
        or without rights nothing was removed, and the alert must not say otherwise."""
        group, event, lang = decision.group, decision.event, decision.group.language
        done = [t(f"done.{kind.value}", lang) for kind, ok in results.items() if ok]
        failed = [t(f"failed.{kind.value}", lang) for kind, ok in results.items() if not ok]
        done_text = ", ".join(done) if done else t("alert.done_none", lang)
        if decision.plan.observe:
            done_text = f"{done_text} {t('alert.observe', lang)}"
        elif failed:
            done_text = "; ".join([done_text, *failed])
        text = t("alert.finding", lang, group=group.title or group.key,
                 flag=flag_text(finding.flag, lang), severity=t(f"severity.{finding.severity.label}",
                                                                lang),
                 member=event.sender.display_name, article=article_text(finding.article, lang),
                 evidence=finding.evidence, done=done_text)
        index = decision.verdict.findings.index(finding)
        finding_id = decision.finding_ids[index] if index < len(decision.finding_ids) else None
        buttons: tuple[Button, ...] = ()
        if finding_id is not None:
            buttons = (Button(t("alert.button_correct", lang), f"fb:correct:{finding_id}"),
                       Button(t("alert.button_wrong", lang), f"fb:wrong:{finding_id}"))
        channels = self.router.moderators(group)
        if finding.flag in CONFIDENTIAL_FLAGS:
            # Care signals are the confidential adviser's alone (A.11); only a school without a
            # reachable adviser lets the group's moderators hear them.
            channels = self.router.confidential_adviser() or channels
        await self.alerts.send(channels, OutgoingAlert(text=text, buttons=buttons),
                               key=f"finding:{group.key}:{event.message_id}",
                               group_key=group.key)
