"""Incidents: one record per situation, routed to the right people, reminded until someone acts.

An incident opens when the monitor sees a trigger (or someone files a quiet report). It is stored
with the members involved, the articles, the severity and the minimal context, and alerted to its
tier: 0 the group's moderators (teacher or mentor), 1 also the team leaders, 2 also school
leadership (B.5).
Nobody acknowledging it in time moves it up a tier through a job in the persistent scheduler, so a
pending reminder survives a restart; every alert goes through the outbox with a dedupe key
(``incident:<id>:...@<channel>``), so it is delivered exactly once. Acknowledging or resolving edits
the alerts already sent. Every step is an audit entry.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.alerts import AlertService, Router
from bot.config import AppConfig
from bot.directory import GroupDirectory
from bot.escalation.context import RecentMessages, merge_context, minimise
from bot.escalation.ladder import NONE, LadderView, assess
from bot.escalation.settings import EscalationSettings, settings_from
from bot.escalation.texts import alert_body, names_from_context, pseudonym, subject
from bot.groups import EffectiveGroup
from bot.i18n import t
from bot.keys import derived, install_secret
from bot.scheduler import Scheduler
from core.clock import now_utc
from core.findings import Severity
from core.ports import Button, OutgoingAlert
from storage.incidents_repo import IncidentRepository, incident_target, member_target
from storage.models import Incident
from storage.repositories import Repositories

log = logging.getLogger(__name__)

REMIND_JOB = "escalation.remind"
# Most serious first: the first reason names the incident.
REASON_ORDER = ("critical", "pile_on", "burst", "policy", "ladder", "report", "manual")


@dataclass(slots=True)
class Trigger:
    """Why the monitor wants human attention now, with what it is about."""

    reason: str
    severity: Severity
    message_ids: set[str] = field(default_factory=set)
    finding_ids: set[int] = field(default_factory=set)
    offenders: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    articles: set[str] = field(default_factory=set)
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """What makes this trigger news for an open incident: a pile-on on another member or a
        member reaching another ladder step alerts again; the same trigger again does not."""
        if self.reason == "pile_on":
            return f"pile_on:{self.detail.get('target')}"
        if self.reason == "ladder":
            return f"ladder:{self.detail.get('member')}:{self.detail.get('step')}"
        return self.reason

    def as_detail(self) -> dict[str, Any]:
        return {"reason": self.reason, "offenders": list(self.offenders), **self.detail}


def job_id(incident_id: int, tier: int) -> str:
    return f"escalation:{incident_id}:t{tier}"


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))


class IncidentService:
    def __init__(self, *, config: AppConfig, repos: Repositories, directory: GroupDirectory,
                 alerts: AlertService, router: Router, scheduler: Scheduler | None,
                 recent: RecentMessages | None = None) -> None:
        self.config = config
        self.repos = repos
        self.db = repos.db
        self.incidents = IncidentRepository(repos.db)
        self.directory = directory
        self.alerts = alerts
        self.router = router
        self.scheduler = scheduler
        self.recent = recent or RecentMessages()
        self.tz = ZoneInfo(config.school.timezone)
        self._locks: dict[str, asyncio.Lock] = {}
        # Keyed with the per-install secret (never a constant), so pseudonyms cannot be reversed
        # by trying member ids.
        self._pseudo_key = derived(install_secret(config), "log pseudonyms")

    # --- helpers ------------------------------------------------------------------------------
    def lock(self, group_key: str) -> asyncio.Lock:
        return self._locks.setdefault(group_key, asyncio.Lock())

    def pseudo(self, ids: Iterable[str]) -> list[str]:
        return [pseudonym(i, self._pseudo_key) for i in ids]

    async def group(self, key: str) -> EffectiveGroup | None:
        return await self.directory.get(key)

    def settings(self, group: EffectiveGroup | None) -> EscalationSettings:
        if group is None:
            return settings_from(self.config.policies.class_.escalation)
        return settings_from(group.escalation)

    def language(self, group: EffectiveGroup | None) -> str:
        return group.language if group else self.config.school.language

    def title(self, group: EffectiveGroup | None, key: str) -> str:
        if group is not None:
            return group.title or group.key
        if key.endswith(":private"):
            return t("escalation.report.private_chat", self.config.school.language)
        return key

    def tier_channels(self, group: EffectiveGroup | None, tier: int) -> list[str]:
        """Tier n reaches everyone of tiers 0..n: a reminder reminds the lower tier as well."""
        channels = list(self.router.moderators(group)) if group else self.router.admins()
        if tier >= 1:
            channels += self.router.team_leaders()
        if tier >= 2:
            channels += self.router.leadership()
        return _unique(channels)

    def report_channels(self, group: EffectiveGroup | None) -> list[str]:
        """Where quiet reports go (A.11): the confidential adviser or the mentor, as configured;
        without an adviser configured, the group's moderators (so a report never goes nowhere)."""
        where = self.settings(group).reports_to
        adviser = self.router.confidential_adviser()
        mentors = list(self.router.moderators(group)) if group else self.router.admins()
        if where == "moderators" or not adviser:
            return mentors
        if where == "both":
            return _unique([*adviser, *mentors])
        return adviser

    def local_time(self, when: datetime | None = None) -> str:
        return (when or now_utc()).astimezone(self.tz).strftime("%H:%M")

    async def names(self, incident: Incident) -> dict[str, str]:
        names = names_from_context(incident.context)
        missing = [m for m in incident.members if m not in names]

        def lookup() -> dict[str, str]:
            out: dict[str, str] = {}
            for member_id in missing:
                row = self.repos.members.get(incident.group_key, member_id)
                if row is not None and row.display_name:
                    out[member_id] = row.display_name
            return out

        if missing:
            names.update(await self.db.run(lookup))
        for member_id in missing:
            if member_id not in names:
                known = self.recent.name_of(incident.group_key, member_id)
                if known:
                    names[member_id] = known
        return names

    async def opening_detail(self, incident: Incident) -> dict[str, Any]:
        """The trigger detail the incident was opened with (for re-rendering its alert)."""
        assert incident.id is not None

        def work() -> dict[str, Any]:
            for entry in self.incidents.trail(incident.id):  # type: ignore[arg-type]
                if entry.action == "incident.open":
                    return dict(entry.detail.get("what", {}))
            return {"reason": incident.reason}

        return await self.db.run(work)

    def _buttons(self, incident_id: int, lang: str, *, ack: bool = True) -> tuple[Button, ...]:
        resolve = Button(t("escalation.alert.button_resolve", lang), f"resolve:{incident_id}")
        if not ack:
            return (resolve,)
        return (Button(t("escalation.alert.button_ack", lang), f"ack:{incident_id}"), resolve)

    async def send_alert(self, incident: Incident, group: EffectiveGroup | None,
                         channels: list[str], text: str, key: str) -> int:
        assert incident.id is not None
        lang = self.language(group)
        title = self.title(group, incident.group_key)
        mail_text = text + t("escalation.alert.mail_howto", lang, id=incident.id)
        chat = [c for c in channels if not c.startswith("mail:")]
        mail = [c for c in channels if c.startswith("mail:")]
        queued = 0
        if chat:
            queued += await self.alerts.send(
                chat, OutgoingAlert(text=text, buttons=self._buttons(incident.id, lang),
                                    ref=incident_target(incident.id)),
                key=key, group_key=incident.group_key)
        if mail:
            queued += await self.alerts.send(
                mail, OutgoingAlert(text=mail_text), key=key, group_key=incident.group_key,
                subject=subject(incident, group_title=title, lang=lang))
        return queued

    def schedule_reminder(self, incident_id: int, tier: int, minutes: float) -> None:
        if self.scheduler is None:
            return
        when = now_utc() + timedelta(minutes=minutes)
        self.scheduler.at(job_id(incident_id, tier), when, REMIND_JOB, incident_id, tier)

    def _cancel_reminders(self, incident_id: int) -> None:
        if self.scheduler is None:
            return
        for tier in range(0, 4):
            self.scheduler.cancel(job_id(incident_id, tier))

    # --- opening and growing an incident ------------------------------------------------------
    async def escalate(self, group: EffectiveGroup, triggers: list[Trigger]) -> Incident:
        """Open an incident for the triggers, or join the group's open one (one per situation)."""
        settings = self.settings(group)
        triggers = sorted(triggers, key=lambda tr: REASON_ORDER.index(tr.reason))
        reasons = _unique(tr.reason for tr in triggers)
        keys = _unique(tr.key for tr in triggers)
        severity = max(tr.severity for tr in triggers)
        flagged = set().union(*(tr.message_ids for tr in triggers))
        finding_ids = set().union(*(tr.finding_ids for tr in triggers))
        members = _unique([m for tr in triggers for m in tr.offenders]
                          + [m for tr in triggers for m in tr.targets])
        articles = sorted(set().union(*(tr.articles for tr in triggers)))
        context = self.recent.around(group.key, flagged, settings.context_before)
        critical = any(tr.reason == "critical" for tr in triggers)
        since = now_utc() - timedelta(minutes=settings.incident_window_minutes)
        async with self.lock(group.key):
            existing = await self.db.run(self.incidents.active_for_group, group.key, since)
            if existing is not None:
                return await self._grow(existing, group, settings, triggers, keys, severity,
                                        members, articles, context, finding_ids, critical)
            tier = settings.critical_tier if critical else 0
            incident = Incident(group_key=group.key, status="open", severity=int(severity),
                                reason=reasons[0], articles=articles, members=members,
                                context=merge_context([], minimise(context, members)),
                                tier=tier)
            incident = await self.db.run(self.incidents.add, incident)
            assert incident.id is not None
            incident_id = incident.id
            await self.db.run(self.repos.findings.link_incident, finding_ids, incident_id)
            what = triggers[0].as_detail()
            await self.db.run(lambda: self.incidents.audit(
                "system", "incident.open", group_key=group.key, target=incident_target(incident_id),
                detail={"reasons": keys, "severity": Severity(severity).label, "tier": tier,
                        "what": what, "triggers": [tr.as_detail() for tr in triggers[1:]],
                        "findings": sorted(finding_ids)}))
        log.info("incident opened", extra={"incident": incident_id, "group": group.key,
                                           "reasons": ",".join(reasons), "tier": tier,
                                           "members": ",".join(self.pseudo(members))})
        names = await self.names(incident)
        text = alert_body(incident, group_title=self.title(group, group.key), detail=what,
                          names=names, lang=group.language)
        await self.send_alert(incident, group, self.tier_channels(group, tier), text,
                         key=f"{incident_target(incident_id)}:t{tier}")
        if tier < settings.max_tier:
            self.schedule_reminder(incident_id, tier + 1, settings.remind_after_minutes)
        return incident

    async def _grow(self, incident: Incident, group: EffectiveGroup,
                    settings: EscalationSettings, triggers: list[Trigger], keys: list[str],
                    severity: Severity, members: list[str], articles: list[str],
                    context: list[dict[str, Any]], finding_ids: set[int],
                    critical: bool) -> Incident:
        assert incident.id is not None
        incident_id = incident.id
        known = await self.db.run(self.incidents.reasons, incident_id)
        new_keys = [k for k in keys if k not in known]
        raised = int(severity) > incident.severity
        tier = incident.tier
        if critical:
            tier = max(tier, settings.critical_tier)

        def change(row: Incident) -> None:
            row.severity = max(row.severity, int(severity))
            row.members = _unique([*row.members, *members])
            row.articles = sorted({*row.articles, *articles})
            row.context = merge_context(list(row.context), minimise(context, row.members))
            row.tier = tier

        updated = await self.db.run(self.incidents.change, incident_id, change)
        assert updated is not None
        await self.db.run(self.repos.findings.link_incident, finding_ids, incident_id)
        await self.db.run(lambda: self.incidents.audit(
            "system", "incident.update", group_key=group.key, target=incident_target(incident_id),
            detail={"reasons": keys, "new_reasons": new_keys,
                    "severity": Severity(updated.severity).label, "tier": tier,
                    "findings": sorted(finding_ids)}))
        if not (new_keys or raised) or updated.status == "resolved":
            return updated
        trigger = next((tr for tr in triggers if tr.key in new_keys), triggers[0])
        lang = group.language
        names = await self.names(updated)
        text = t("escalation.alert.update", lang) + alert_body(
            updated, group_title=self.title(group, group.key), detail=trigger.as_detail(),
            names=names, lang=lang)
        # One update alert per triggering message: a replayed message does not alert twice.
        marker = max(trigger.message_ids) if trigger.message_ids else str(len(known))
        key = f"{incident_target(incident_id)}:u{marker}"
        await self.send_alert(updated, group, self.tier_channels(group, tier), text, key=key)
        if tier > incident.tier and updated.status == "open" and tier < settings.max_tier:
            self.schedule_reminder(incident_id, tier + 1, settings.remind_after_minutes)
        return updated

    async def keep_message(self, incident_id: int, message_id: str) -> bool:
        """A moderator asks to keep a bystander's message in full (data minimisation keeps only a
        count otherwise). Possible while the message is in the in-memory buffer; False when it is
        no longer there or the incident is unknown."""
        incident = await self.db.run(self.incidents.get, incident_id)
        if incident is None:
            return False
        recent = self.recent.get(incident.group_key, message_id)
        if recent is None:
            return False
        entry = {**recent.as_context(flagged=False), "keep": True}

        def change(row: Incident) -> None:
            row.context = merge_context([e for e in row.context
                                         if e.get("message_id") != message_id], [entry])

        await self.db.run(self.incidents.change, incident_id, change)
        return True

    async def attach(self, incident: Incident, group: EffectiveGroup, message_ids: set[str],
                     finding_ids: set[int], members: list[str], articles: set[str],
                     severity: Severity) -> None:
        """A further flagged message in an ongoing situation joins its incident without a new
        alert (moderators already know); a new kind of trigger goes through ``escalate``."""
        assert incident.id is not None
        settings = self.settings(group)
        context = self.recent.around(group.key, message_ids, settings.context_before)

        def change(row: Incident) -> None:
            row.members = _unique([*row.members, *members])
            row.articles = sorted({*row.articles, *articles})
            row.context = merge_context(list(row.context), minimise(context, row.members))
            row.severity = max(row.severity, int(severity))

        async with self.lock(group.key):
            await self.db.run(self.incidents.change, incident.id, change)
            await self.db.run(self.repos.findings.link_incident, finding_ids, incident.id)

    # --- reminders (persistent jobs) ----------------------------------------------------------
    async def remind(self, incident_id: int, tier: int) -> None:
        """Job: the incident is still not acknowledged; remind and move up to ``tier``."""
        incident = await self.db.run(self.incidents.get, incident_id)
        if incident is None or incident.status != "open":
            return
        group = await self.group(incident.group_key)
        settings = self.settings(group)
        lang = self.language(group)
        minutes = f"{settings.remind_after_minutes:g}"
        names = await self.names(incident)
        title = self.title(group, incident.group_key)
        if incident.confidential:
            original = await self.db.run(self.incidents.alert_items, incident_id)
            base = original[0].payload.get("text", "") if original else ""
            text = t("escalation.alert.report_reminder", lang, minutes=minutes) + base
            await self.send_alert(incident, group, self.report_channels(group), text,
                             key=f"{incident_target(incident_id)}:r1")
            await self.db.run(lambda: self.incidents.audit(
                "system", "incident.remind", group_key=incident.group_key,
                target=incident_target(incident_id), detail={"tier": incident.tier}))
            return
        if incident.tier >= tier:
            return
        updated = await self.db.run(self.incidents.change, incident_id,
                                    lambda row: setattr(row, "tier", tier))
        assert updated is not None
        await self.db.run(lambda: self.incidents.audit(
            "system", "incident.escalate", group_key=incident.group_key,
            target=incident_target(incident_id), detail={"tier": tier, "by": "reminder"}))
        log.info("incident moved up", extra={"incident": incident_id, "tier": tier})
        text = t("escalation.alert.reminder", lang, id=incident_id, minutes=minutes,
                 tier=t(f"escalation.tier.{tier}", lang)) + alert_body(
            updated, group_title=title, detail=await self.opening_detail(updated), names=names,
            lang=lang)
        await self.send_alert(updated, group, self.tier_channels(group, tier), text,
                         key=f"{incident_target(incident_id)}:t{tier}")
        if tier < settings.max_tier:
            self.schedule_reminder(incident_id, tier + 1, settings.remind_after_minutes)

    # --- people acting on it ------------------------------------------------------------------
    async def acknowledge(self, incident_id: int, *, actor: str,
                          name: str) -> tuple[str, Incident | None]:
        """Returns ("ok" | "unknown" | "already" | "resolved", incident)."""
        incident = await self.db.run(self.incidents.get, incident_id)
        if incident is None:
            return "unknown", None
        if incident.status == "resolved":
            return "resolved", incident
        if incident.status == "acknowledged":
            return "already", incident

        def change(row: Incident) -> None:
            row.status = "acknowledged"
            row.acknowledged_at = now_utc()
            row.assignee = name

        updated = await self.db.run(self.incidents.change, incident_id, change)
        assert updated is not None
        await self.db.run(lambda: self.incidents.audit(
            actor, "incident.ack", group_key=updated.group_key,
            target=incident_target(incident_id), detail={"assignee": name}))
        self._cancel_reminders(incident_id)
        await self._mark_alerts(updated, "ack", name)
        return "ok", updated

    async def resolve(self, incident_id: int, *, actor: str, name: str, note: str | None = None,
                      false_alarm: bool = False) -> tuple[str, Incident | None]:
        incident = await self.db.run(self.incidents.get, incident_id)
        if incident is None:
            return "unknown", None
        if incident.status == "resolved":
            return "resolved", incident

        def change(row: Incident) -> None:
            row.status = "resolved"
            row.resolved_at = now_utc()
            row.assignee = row.assignee or name

        updated = await self.db.run(self.incidents.change, incident_id, change)
        assert updated is not None
        marked = 0
        if false_alarm:
            marked = await self.db.run(self.incidents.mark_findings_wrong, incident_id)
        await self.db.run(lambda: self.incidents.audit(
            actor, "incident.resolve", group_key=updated.group_key,
            target=incident_target(incident_id),
            detail={"outcome": "false_alarm" if false_alarm else "resolved", "note": note,
                    "by": name, "findings_marked_wrong": marked}))
        self._cancel_reminders(incident_id)
        await self._mark_alerts(updated, "false_alarm" if false_alarm else "resolved", name)
        return "ok", updated

    async def note(self, incident_id: int, *, actor: str, text: str) -> Incident | None:
        incident = await self.db.run(self.incidents.get, incident_id)
        if incident is None:
            return None
        await self.db.run(lambda: self.incidents.audit(
            actor, "incident.note", group_key=incident.group_key,
            target=incident_target(incident_id), detail={"note": text}))
        await self.db.run(self.incidents.change, incident_id, lambda row: None)
        return incident

    async def _mark_alerts(self, incident: Incident, state: str, name: str) -> None:
        """Edit every chat alert already sent for the incident; tell mail recipients briefly."""
        assert incident.id is not None
        group = await self.group(incident.group_key)
        lang = self.language(group)
        line = t(f"escalation.alert.{'acked' if state == 'ack' else state}", lang, name=name,
                 time=self.local_time())
        items = await self.db.run(self.incidents.alert_items, incident.id)
        mail_channels: list[str] = []
        for item in items:
            if item.kind == "mail":
                mail_channels.append(item.channel)
                continue
            key = item.dedupe_key[: -len(f"@{item.channel}")]
            text = f"{line}\n{item.payload.get('text', '')}"
            buttons = self._buttons(incident.id, lang, ack=False) if state == "ack" else ()
            await self.alerts.edit([item.channel], OutgoingAlert(text=text, buttons=buttons,
                                                                 ref=incident_target(incident.id)),
                                   key=key, version=state)
        if mail_channels:
            title = self.title(group, incident.group_key)
            body_key = "escalation.alert.mail_acked" if state == "ack" else \
                "escalation.alert.mail_resolved"
            body = t(body_key, lang, id=incident.id, group=title, name=name,
                     time=self.local_time())
            await self.alerts.send(_unique(mail_channels), OutgoingAlert(text=body),
                                   key=f"{incident_target(incident.id)}:{state}",
                                   group_key=incident.group_key, subject=body)

    # --- sanction ladder ----------------------------------------------------------------------
    async def ladder(self, member_id: str, settings: EscalationSettings) -> LadderView:
        since = now_utc() - timedelta(days=settings.ladder_days)
        return await self.db.run(self._ladder_view, member_id, since, settings)

    def _ladder_view(self, member_id: str, since: datetime,
                     settings: EscalationSettings) -> LadderView:
        """On the database thread: the member's offences since ``since`` and decisions, assessed."""
        offences = self.incidents.offences(member_id, since,
                                           int(Severity.parse(settings.ladder_severity)))
        return assess(member_id, offences, self.incidents.decisions(member_id), settings)

    async def standing(self, group_key: str, member_id: str, settings: EscalationSettings, *,
                       ladder: bool) -> tuple[LadderView | None, Incident | None]:
        """The member's ladder view (if ``ladder``) and the group's open incident, in one trip to
        the database thread: the monitor needs both for most flagged messages, and each trip
        costs a thread hand-over on top of the queries."""
        now = now_utc()
        ladder_since = now - timedelta(days=settings.ladder_days)
        open_since = now - timedelta(minutes=settings.incident_window_minutes)

        def work() -> tuple[LadderView | None, Incident | None]:
            view = self._ladder_view(member_id, ladder_since, settings) if ladder else None
            return view, self.incidents.active_for_group(group_key, open_since)

        return await self.db.run(work)

    async def decide(self, incident: Incident, member_id: str, step: str, *, actor: str,
                     name: str, note: str | None = None) -> LadderView:
        """Record a person's decision on a measure (the bot only suggested it)."""
        assert incident.id is not None
        group = await self.group(incident.group_key)
        view = await self.ladder(member_id, self.settings(group))
        incident_id = incident.id
        await self.db.run(lambda: self.incidents.audit(
            actor, "sanction.decision", group_key=incident.group_key,
            target=member_target(member_id),
            detail={"incident": incident_id, "step": step, "suggested": view.suggested or NONE,
                    "note": note, "by": name}))
        await self.db.run(self.incidents.change, incident_id, lambda row: None)
        log.info("sanction decision recorded", extra={"incident": incident_id, "step": step,
                                                      "member": self.pseudo([member_id])[0]})
        return view

