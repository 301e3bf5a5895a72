"""The route of one message: group policy → policies → verdict → plan → ports, storage, alerts.

``Pipeline.handle`` is what every adapter calls for a message. It never learns which platform it
serves: it looks up the chat port by the event's platform name and talks only to that port, the
repositories, and the outbox. Listeners (escalation, digest, image memory) see every decision.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bot.alerts import AlertService, Router
from bot.delivery import DONE_MARK
from bot.directory import GroupDirectory
from bot.evaluator import Evaluator
from bot.groups import EffectiveGroup
from bot.i18n import t
from bot.minimise import evidence_text
from bot.outbox import Dispatcher
from bot.planner import ReminderLimiter, plan_actions
from core.clock import now_utc
from core.events import MessageEvent
from core.findings import ActionKind, Finding, Route, Severity
from core.ports import Button, ChatPort, OutgoingAlert
from core.verdict import ActionPlan, Verdict
from storage.decisions_repo import outbox_row
from storage.models import OutboxItem
from storage.repositories import Repositories

log = logging.getLogger(__name__)

IN_GROUP = frozenset({ActionKind.DELETE, ActionKind.WARN, ActionKind.REMIND, ActionKind.RESTRICT})


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
        dispatcher: Dispatcher | None = None,
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
        # Carries out the in-group actions stored with a decision (the bootstrap hands in the
        # outbox dispatcher); without one they wait in the outbox.
        self.dispatcher: Dispatcher | None = dispatcher

    # Alerts wait this long for the actions they report before the dispatcher looks at them; the
    # pipeline releases them as soon as the actions were carried out (normally milliseconds).
    ALERT_HOLD = timedelta(seconds=20)

    async def flush_actions(self) -> None:
        """Kept for callers of the former batched action log: the log is written with the
        decision now, so there is nothing to flush."""

    async def close(self) -> None:
        """Nothing pending: every decision is durable before its actions run."""

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
            await self._decide(decision)
        for listener in self.listeners:
            try:
                await listener.on_decision(decision)
            except Exception:
                log.exception("decision listener failed",
                              extra={"listener": type(listener).__name__})
        return decision

    @staticmethod
    def decision_key(event: MessageEvent) -> str:
        """Names one decision: a message, or one edit of it."""
        key = f"{event.group_key}:{event.message_id}"
        if event.edited and event.sent_at is not None:
            key += f":edit:{event.sent_at.timestamp():.0f}"
        return key

    async def _decide(self, decision: Decision) -> None:
        """Store the decision, its action log and the outbox items that carry it out, in one
        transaction; then carry out the in-group actions and release the alerts (docs/delivery.md).

        A crash before the commit leaves nothing (the update is handled again); after it, the
        outbox finishes the work. A redo of a stored decision writes and does nothing."""
        event, group, plan = decision.event, decision.group, decision.plan
        verdict = decision.verdict
        port = self.ports.get(event.platform)
        lang = group.language
        now = now_utc()
        findings: list[dict[str, Any]] = []
        # Informational findings alone (an off-topic score, severity "none") are not stored
        # unless a moderator is told about them: data minimisation, and chat is not evidence.
        if verdict.severity > Severity.NONE or plan.has(ActionKind.NOTIFY):
            # Only what the evidence needs: the text for flags that need the words, masked.
            kept = evidence_text(event.text, (f.flag for f in verdict.findings))
            findings = [
                {"group_key": group.key, "message_id": event.message_id,
                 "member_id": event.sender.platform_id, "policy": f.policy, "flag": f.flag,
                 "article": f.article, "severity": int(f.severity), "score": f.score,
                 "evidence": f.evidence, "category": f.category, "text": kept,
                 "created_at": now}
                for f in verdict.findings]
        member_key = (group.key, event.sender.platform_id, event.sender.role.value)
        member = None
        if findings and member_key not in self._members_seen:
            member = (*member_key, event.sender.display_name)
        key = self.decision_key(event)
        channel = f"{event.platform}:{event.group_id}"
        has_delete = plan.has(ActionKind.DELETE)
        log_rows: list[dict[str, Any]] = []
        actions: list[dict[str, Any]] = []  # outbox rows of in-group actions, in plan order
        known: dict[str, bool] = {}  # in-group actions not carried out (observe, no port)
        after: dict[str, str] = {}
        order: list[str] = []
        notify: Finding | None = None
        for action in plan.actions:
            kind = action.kind
            in_group = kind in IN_GROUP
            carried = in_group and not plan.observe and port is not None
            log_rows.append({"group_key": group.key, "message_id": event.message_id,
                             "member_id": event.sender.platform_id, "action": kind.value,
                             "article": action.finding.article,
                             "observe": plan.observe and in_group, "ok": not in_group,
                             "created_at": now})
            if kind is ActionKind.NOTIFY:
                notify = action.finding
            if not in_group:
                continue
            order.append(kind.value)
            if not carried:
                known[kind.value] = False
                continue
            row = self._action_row(decision, kind, action.finding, has_delete, key, channel)
            after[kind.value] = row["dedupe_key"]
            actions.append(row)
        alert_keys: list[str] = []

        def items(finding_ids: list[int]) -> list[dict[str, Any]]:
            decision.finding_ids = finding_ids
            rows = list(actions)
            if notify is not None:
                alert_rows = self._alert_rows(decision, notify, extra={
                    "after": after, "known": known, "order": order, "lang": lang,
                    "observe": plan.observe})
                hold = now + self.ALERT_HOLD if after and self.dispatcher is not None else now
                for alert_row in alert_rows:
                    alert_row["next_attempt_at"] = hold
                    alert_keys.append(alert_row["dedupe_key"])
                rows += alert_rows
            return rows

        stored = await self.repos.db.run(lambda: self.repos.decisions.commit(
            key=key, findings=findings, member=member, actions=log_rows, items=items))
        if stored is None:
            log.info("decision stored before: the outbox finishes it",
                     extra={"group": group.key})
            return
        if member is not None:
            if len(self._members_seen) > 100_000:
                self._members_seen.clear()
            self._members_seen.add(member_key)
        _ids, outbox_ids = stored
        if self.dispatcher is None:
            return
        claimed = [OutboxItem(id=outbox_ids[row["dedupe_key"]], **row) for row in actions
                   if row["dedupe_key"] in outbox_ids]
        await self.dispatcher.deliver_items(claimed)
        for item in claimed:
            if item.kind == "delete":
                decision.deleted = bool((item.ref or {}).get("ok"))
        release = [outbox_ids[k] for k in alert_keys if k in outbox_ids]
        if release:
            await self.repos.db.run(self.repos.outbox.release, release)
        self.alerts.outbox.wakeup.set()

    def _action_row(self, decision: Decision, kind: ActionKind, finding: Finding,
                    has_delete: bool, key: str, channel: str) -> dict[str, Any]:
        event, group, lang = decision.event, decision.group, decision.group.language
        article = article_text(finding.article, lang)
        payload: dict[str, Any] = {"message_id": event.message_id}
        if kind is ActionKind.DELETE:
            kind_name = "delete"
            payload["reason"] = t("action.delete_reason", lang, article=article)
        elif kind is ActionKind.RESTRICT:
            kind_name = "restrict"
            payload["member_id"] = event.sender.platform_id
            payload["until"] = (self.clock() + timedelta(hours=1)).isoformat()
        else:  # a warning or a reminder about the member's own message
            # To that member, privately; the group sees at most a neutral notice naming nobody:
            # after a removal always, otherwise only when the private message cannot be sent (a
            # reminder for everyone). See ``bot.delivery.chat_handler``.
            kind_name = "chat"
            payload["action"] = kind.value
            payload["private_to"] = event.sender.platform_id
            payload["private_text"] = policy_text(finding, kind.value, lang, group.kind.value,
                                                  name=event.sender.display_name,
                                                  article=article,
                                                  group=group.title or group.key)
            if has_delete:
                payload["text"] = neutral_removed(finding, lang, group.kind.value, article)
                payload["notice"] = "always"
            else:
                payload["text"] = t("action.remind_all", lang, article=article)
                payload["notice"] = "if_not_private"
            payload["reply_to"] = None
        return outbox_row(kind=kind_name, channel=channel, payload=payload,
                          dedupe_key=f"action:{key}:{kind.value}", group_key=group.key,
                          status="sending")

    def _alert_rows(self, decision: Decision, finding: Finding,
                    extra: dict[str, Any]) -> list[dict[str, Any]]:
        """The moderators' alert. "Gedaan" is filled in when the alert is delivered, from what
        really happened in the group: in observe mode, without rights, or while a flood limit
        holds the removal back, the alert must not say it was removed."""
        group, event, lang = decision.group, decision.event, decision.group.language
        text = t("alert.finding", lang, group=group.title or group.key,
                 flag=flag_text(finding.flag, lang), severity=t(f"severity.{finding.severity.label}",
                                                                lang),
                 member=event.sender.display_name, article=article_text(finding.article, lang),
                 evidence=finding.evidence, done=DONE_MARK)
        index = decision.verdict.findings.index(finding)
        finding_id = decision.finding_ids[index] if index < len(decision.finding_ids) else None
        buttons: tuple[Button, ...] = ()
        if finding_id is not None:
            buttons = (Button(t("alert.button_correct", lang), f"fb:correct:{finding_id}"),
                       Button(t("alert.button_wrong", lang), f"fb:wrong:{finding_id}"))
        channels = self.router.moderators(group)
        if finding.route is Route.CARE:
            # Care signals are the confidential adviser's alone (A.11); only a school without a
            # reachable adviser lets the group's moderators hear them.
            channels = self.router.confidential_adviser() or channels
        return self.alerts.rows(channels, OutgoingAlert(text=text, buttons=buttons),
                                key=f"finding:{group.key}:{event.message_id}",
                                group_key=group.key, extra=extra)
