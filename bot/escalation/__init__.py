"""Escalation to leadership (B.5), moderator alerts and quiet reports (A.11), the sanction ladder
and the dossier export.

``install(app)`` wires the feature into the application built by ``bot.bootstrap``: the
conversation monitor as a decision listener, the chat commands (``/meld``, ``/ack``, ``/resolve``,
``/besluit``, ``/notitie``, ``/incident``) and the reminder job of the persistent scheduler.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.escalation.commands import IncidentCommands
from bot.escalation.context import RecentMessages
from bot.escalation.incidents import REMIND_JOB, IncidentService
from bot.escalation.monitor import ConversationMonitor
from bot.escalation.reports import ReportDesk
from bot.escalation.settings import validate_config
from core.permissions import Action

if TYPE_CHECKING:
    from bot.app import App

def install(app: App) -> None:
    validate_config(app.config)  # a typo in an escalation table stops start-up
    recent = RecentMessages()
    service = IncidentService(config=app.config, repos=app.repos, directory=app.directory,
                              alerts=app.alerts, router=app.router, scheduler=app.scheduler,
                              recent=recent)
    app.escalation = service
    app.pipeline.add_listener(ConversationMonitor(service, recent))

    desk = ReportDesk(service)
    commands = IncidentCommands(service)
    router = app.commands
    router.register("meld", desk.handle, action=Action.FILE_REPORT)
    handle, resource = Action.INCIDENT_HANDLE, commands.resource
    for name in ("ack", "bevestig", "oppakken"):
        router.register(name, commands.ack, action=handle, resource=resource)
    for name in ("resolve", "afsluiten", "afgehandeld"):
        router.register(name, commands.resolve, action=handle, resource=resource)
    for name in ("besluit", "decide", "sanctie"):
        router.register(name, commands.decide, action=handle, resource=resource)
    for name in ("notitie", "note"):
        router.register(name, commands.note, action=handle, resource=resource)
    router.register("incident", commands.show, action=Action.INCIDENT_VIEW, resource=resource)

    async def start(_app: App) -> None:
        from bot import jobs

        jobs.register(REMIND_JOB, service.remind)

    app.starters.append(start)
