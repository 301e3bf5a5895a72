"""Quiet reports (A.11): ``/meld`` as a reply to a message, or ``/meld <what is going on>``.

The report becomes a confidential incident that only the confidential adviser (or the mentor, as
configured per group) is alerted about. Nothing appears in the group: the command message is removed
and the only answer is a private one to the reporter. The reporter's name is shown only in the alert
to the person who handles the report; the incident keeps it in its context, from which the dossier
export and the chat summaries leave it out.
"""

from __future__ import annotations

import logging

from bot.commands import CommandResult, Reply
from bot.escalation.context import minimise
from bot.escalation.incidents import IncidentService
from bot.escalation.texts import snippet
from bot.i18n import t
from core.clock import now_utc
from core.events import CommandEvent
from core.findings import Severity
from storage.incidents_repo import incident_target
from storage.models import Incident

log = logging.getLogger(__name__)


class ReportDesk:
    def __init__(self, service: IncidentService) -> None:
        self.service = service

    async def handle(self, event: CommandEvent, lang: str) -> CommandResult:
        in_group = event.group_id is not None
        note = " ".join(event.args).strip()
        if not note and not event.reply_to_message_id:
            return CommandResult([Reply(t("escalation.report.usage", lang), to="private")],
                                 delete_command=in_group)
        service = self.service
        group_key = event.group_key or f"{event.platform}:private"
        group = await service.group(group_key) if event.group_key else None
        settings = service.settings(group)
        reported = (service.recent.get(group_key, event.reply_to_message_id)
                    if event.reply_to_message_id else None)
        reported_id = event.reply_to_sender_id or (reported.sender_id if reported else None)
        findings = []
        if event.reply_to_message_id and event.group_key:
            findings = await service.db.run(service.repos.findings.for_message, group_key,
                                            event.reply_to_message_id)
        reported_text = reported.text if reported else next(
            (f.text for f in findings if f.text), None)
        reported_name = reported.sender_name if reported else None
        if reported_id and not reported_name:
            member = await service.db.run(service.repos.members.get, group_key, reported_id)
            reported_name = member.display_name if member and member.display_name else reported_id

        context = []
        if reported is not None:
            context = service.recent.around(group_key, {reported.message_id},
                                            settings.context_before)
        elif event.reply_to_message_id:
            context = [{"message_id": event.reply_to_message_id, "sender_id": reported_id,
                        "sender_name": reported_name, "text": reported_text, "flagged": True,
                        "at": (findings[0].created_at if findings else now_utc()).isoformat()}]
        context = minimise(context, [reported_id or "", event.sender.platform_id])
        context.append({"kind": "report", "message_id": f"report:{event.message_id or ''}",
                        "reporter_id": event.sender.platform_id,
                        "reporter_name": event.sender.display_name, "text": note or None,
                        "at": event.at.isoformat(), "flagged": False})
        severity = max([Severity.MEDIUM, *(Severity(f.severity) for f in findings)])
        incident = Incident(
            group_key=group_key, status="open", severity=int(severity), reason="report",
            articles=sorted({"A.11", *(f.article for f in findings)}),
            members=[reported_id] if reported_id else [], context=context, tier=0,
            confidential=True)
        incident = await service.db.run(service.incidents.add, incident)
        assert incident.id is not None
        incident_id = incident.id
        finding_ids = [f.id for f in findings if f.id is not None and f.incident_id is None]
        await service.db.run(service.repos.findings.link_incident, finding_ids, incident_id)
        # The audit trail says a report was filed, never by whom.
        await service.db.run(lambda: service.incidents.audit(
            "reporter", "report.filed", group_key=group_key, target=incident_target(incident_id),
            detail={"reasons": ["report"], "what": {"reason": "report"},
                    "about_message": bool(event.reply_to_message_id), "note": bool(note)}))
        log.info("quiet report filed", extra={"incident": incident_id, "group": group_key})

        alert_lang = service.language(group)
        about = (t("escalation.report.about_message", alert_lang, name=reported_name or "?",
                   snippet=snippet(reported_text) or "…")
                 if event.reply_to_message_id else t("escalation.report.about_situation",
                                                     alert_lang))
        text = t("escalation.report.alert", alert_lang, id=incident_id,
                 group=service.title(group, group_key), reporter=event.sender.display_name,
                 about=about, text=note or t("escalation.report.no_text", alert_lang))
        channels = service.report_channels(group)
        await service.send_alert(incident, group, channels, text,
                            key=f"{incident_target(incident_id)}:t0")
        service.schedule_reminder(incident_id, 1, settings.remind_after_minutes)

        who = settings.reports_to if service.router.confidential_adviser() else "moderators"
        thanks = t("escalation.report.thanks", lang,
                   who=t(f"escalation.report.who_{who}", lang))
        return CommandResult([Reply(thanks, to="private")], delete_command=in_group)

