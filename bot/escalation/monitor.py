"""The conversation monitor (B.5): a sliding window over each group's findings.

It listens to every pipeline decision. Clean messages only feed the in-memory context buffer;
flagged ones enter the group's window, and the monitor escalates when
- one finding is critical (at the configured severity, or a critical category: threat of violence,
  sextortion, encouragement of self-harm), or a rule's action table asks for escalation;
- several flagged messages of at least medium severity arrive within minutes (a heated thread);
- several members aim flagged messages at one member within minutes (a pile-on);
- a member reaches a new step of the sanction ladder.
A further flagged message in a situation that is already an open incident joins that incident.
Windows use the messages' own times, so an imported or replayed conversation is judged as it
happened.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.escalation.context import RecentMessages
from bot.escalation.incidents import IncidentService, Trigger
from bot.escalation.ladder import LadderView, crossed_step
from bot.escalation.settings import LADDER_STEPS, EscalationSettings
from bot.pipeline import Decision
from core.findings import ActionKind, Finding, Route, Severity
from storage.models import Incident

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Entry:
    """One finding in the window (no text: that stays in the context buffer)."""

    at: datetime
    message_id: str
    sender_id: str
    severity: Severity
    targets: tuple[str, ...]
    finding_id: int | None
    article: str
    flag: str
    category: str | None


def targets_of(finding: Finding, decision: Decision) -> tuple[str, ...]:
    """Whom a finding is aimed at: the policy's own targets, else the replied-to member, else the
    mentioned members; never the sender."""
    event = decision.event
    sender = event.sender.platform_id
    candidates = finding.targets or ((event.reply_to_sender_id,) if event.reply_to_sender_id
                                     else event.mentions)
    return tuple(dict.fromkeys(c for c in candidates if c and c != sender))


class ConversationMonitor:
    def __init__(self, service: IncidentService, recent: RecentMessages) -> None:
        self.service = service
        self.recent = recent
        self.windows: dict[str, deque[Entry]] = {}

    async def on_decision(self, decision: Decision) -> None:
        group = decision.group
        settings = self.service.settings(group)
        self.recent.add(decision.event, settings.context_buffer)
        if decision.verdict.clean or not settings.enabled:
            return
        entries = self._enter(decision, settings)
        if not entries:  # only informational findings (an off-topic score): nothing to escalate
            return
        triggers = self._triggers(decision, entries, settings)
        minimum = Severity.parse(settings.ladder_severity)
        counted = [e for e in entries if e.severity >= minimum]
        member = decision.event.sender.platform_id
        incident: Incident | None = None
        if triggers:  # escalating anyway: the ladder may add its step, no open incident needed
            view = await self.service.ladder(member, settings) if counted else None
        else:  # both in one trip to the database
            view, incident = await self.service.standing(group.key, member, settings,
                                                         ladder=bool(counted))
        ladder = self._ladder(member, counted, view, settings)
        if ladder is not None:
            triggers.append(ladder)
        if triggers:
            await self.service.escalate(group, triggers)
            return
        if incident is not None:
            await self._join_open(decision, entries, settings, incident)

    # --- the window ---------------------------------------------------------------------------
    def _enter(self, decision: Decision, settings: EscalationSettings) -> list[Entry]:
        event = decision.event
        at = event.sent_at
        window = self.windows.setdefault(decision.group.key, deque())
        ids = decision.finding_ids
        entries = [
            Entry(at=at, message_id=event.message_id, sender_id=event.sender.platform_id,
                  severity=f.severity, targets=targets_of(f, decision),
                  finding_id=ids[i] if i < len(ids) else None, article=f.article, flag=f.flag,
                  category=f.category)
            for i, f in enumerate(decision.verdict.findings)
            if f.severity > Severity.NONE and f.route is not Route.CARE  # the adviser's
        ]
        window.extend(entries)
        horizon = at - timedelta(minutes=settings.window_minutes)
        while window and window[0].at < horizon:
            window.popleft()
        return entries

    def _recent(self, group_key: str, since: datetime, minimum: Severity) -> list[Entry]:
        return [e for e in self.windows.get(group_key, ()) if e.at >= since
                and e.severity >= minimum]

    def _triggers(self, decision: Decision, entries: list[Entry],
                  settings: EscalationSettings) -> list[Trigger]:
        key, now = decision.group.key, decision.event.sent_at
        sender = decision.event.sender.platform_id
        triggers: list[Trigger] = []
        critical_at = Severity.parse(settings.critical_severity)
        critical = [e for e in entries if e.severity >= critical_at
                    or (e.category or "") in settings.critical_categories
                    or e.flag in settings.critical_categories]
        if critical:
            first = max(critical, key=lambda e: e.severity)
            triggers.append(_trigger("critical", Severity.CRITICAL, critical, detail={
                "category": first.category if first.category in settings.critical_categories
                else (first.flag if first.flag in settings.critical_categories else None),
                "flag": first.flag}))
        elif decision.plan.has(ActionKind.ESCALATE):
            planned = decision.plan.get(ActionKind.ESCALATE)
            assert planned is not None
            chosen = [e for e in entries if e.flag == planned.finding.flag] or entries
            triggers.append(_trigger("policy", max(e.severity for e in chosen), chosen,
                                     detail={"flag": planned.finding.flag}))
        burst_min = Severity.parse(settings.burst_severity)
        if any(e.severity >= burst_min for e in entries):
            recent = self._recent(key, now - timedelta(minutes=settings.burst_minutes), burst_min)
            messages = {e.message_id for e in recent}
            if len(messages) >= settings.burst_count:
                triggers.append(_trigger("burst", max(e.severity for e in recent), recent,
                                         detail={"count": len(messages),
                                                 "minutes": settings.burst_minutes}))
        pile_min = Severity.parse(settings.pile_on_severity)
        aimed = {target for e in entries if e.severity >= pile_min for target in e.targets}
        recent = self._recent(key, now - timedelta(minutes=settings.pile_on_minutes), pile_min)
        for target in sorted(aimed):
            on_target = [e for e in recent if target in e.targets and e.sender_id != target]
            senders = {e.sender_id for e in on_target}
            if len(senders) >= settings.pile_on_senders and sender in senders:
                triggers.append(_trigger("pile_on", max(e.severity for e in on_target),
                                         on_target, detail={"count": len(senders),
                                                            "target": target},
                                         targets=[target]))
                break
        return triggers

    def _ladder(self, member: str, counted: list[Entry], view: LadderView | None,
                settings: EscalationSettings) -> Trigger | None:
        """A trigger when this message brings its sender to a new step of the sanction ladder
        (``counted``: its entries at the ladder's severity; ``view``: the sender's ladder)."""
        if not counted or view is None:
            return None
        step = crossed_step(view.offences, settings.ladder_thresholds)
        if step is None:
            return None
        return _trigger("ladder", max(e.severity for e in counted), counted, detail={
            "member": member, "count": view.offences, "days": settings.ladder_days,
            "step": view.suggested or LADDER_STEPS[step]})

    async def _join_open(self, decision: Decision, entries: list[Entry],
                         settings: EscalationSettings, incident: Incident) -> None:
        """Add the message to the group's open incident when it concerns the same people or is
        serious in itself."""
        group = decision.group
        sender = decision.event.sender.platform_id
        targets = [t for e in entries for t in e.targets]
        related = sender in incident.members or any(t in incident.members for t in targets)
        serious = any(e.severity >= Severity.parse(settings.burst_severity) for e in entries)
        if not (related or serious):
            return
        await self.service.attach(
            incident, group, {e.message_id for e in entries},
            {e.finding_id for e in entries if e.finding_id is not None},
            [sender, *targets], {e.article for e in entries}, max(e.severity for e in entries))


def _trigger(reason: str, severity: Severity, entries: list[Entry], *,
             detail: dict[str, object], targets: list[str] | None = None) -> Trigger:
    offenders = list(dict.fromkeys(e.sender_id for e in entries))
    aimed = targets if targets is not None else list(dict.fromkeys(
        t for e in entries for t in e.targets if t not in offenders))
    return Trigger(reason=reason, severity=severity,
                   message_ids={e.message_id for e in entries},
                   finding_ids={e.finding_id for e in entries if e.finding_id is not None},
                   offenders=offenders, targets=aimed,
                   articles={e.article for e in entries}, detail=dict(detail))
