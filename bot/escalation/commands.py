"""Chat commands for incidents, also what alert buttons send (``ack:12`` → ``/ack 12``).

``/ack 12``, ``/resolve 12 [onterecht] [notitie]``, ``/besluit 12 <lid-nr> <stap> [toelichting]``,
``/notitie 12 <tekst>`` and ``/incident 12`` are for staff; the router checks that once for every
platform. Answers about an incident go privately to the person who asked, never into a class group.
"""

from __future__ import annotations

from bot.commands import CommandResult, Reply, confirmed
from bot.escalation.incidents import IncidentService
from bot.escalation.ladder import parse_step
from bot.escalation.texts import name_list, severity_text, step_text, tier_text
from bot.i18n import t
from core.events import CommandEvent
from core.permissions import Resource
from storage.models import Incident

FALSE_ALARM_WORDS = {"onterecht", "vals", "vals-alarm", "valsalarm", "wrong", "false"}


def parse_id(raw: str) -> int | None:
    raw = raw.strip().lstrip("#")
    return int(raw) if raw.isdigit() else None


def actor_of(event: CommandEvent) -> str:
    return f"{event.platform}:{event.sender.platform_id}"


def private(text: str) -> CommandResult:
    return CommandResult([Reply(text, to="private")])


class IncidentCommands:
    def __init__(self, service: IncidentService) -> None:
        self.service = service

    async def resource(self, event: CommandEvent) -> Resource | None:
        """The incident a command names, for the permission check (None: no such incident)."""
        incident_id = parse_id(event.args[0]) if event.args else None
        if incident_id is None:
            return None
        incident = await self.service.db.run(self.service.incidents.get, incident_id)
        return await incident_resource(self.service, incident) if incident else None

    async def _incident(self, event: CommandEvent, lang: str,
                        command: str) -> tuple[Incident | None, CommandResult | None]:
        incident_id = parse_id(event.args[0]) if event.args else None
        if incident_id is None:
            return None, private(t("escalation.command.usage_id", lang, command=command))
        incident = await self.service.db.run(self.service.incidents.get, incident_id)
        if incident is None:
            return None, private(t("escalation.command.unknown_incident", lang, id=incident_id))
        return incident, None

    async def ack(self, event: CommandEvent, lang: str) -> CommandResult:
        incident, error = await self._incident(event, lang, "ack")
        if incident is None:
            return error or CommandResult()
        assert incident.id is not None
        name = event.sender.display_name
        state, row = await self.service.acknowledge(incident.id, actor=actor_of(event), name=name)
        if state == "already":
            return private(t("escalation.command.already_acked", lang, id=incident.id,
                             name=(row.assignee if row else None) or "?"))
        if state == "resolved":
            return private(t("escalation.command.already_resolved", lang, id=incident.id))
        return private(t("escalation.command.acked", lang, id=incident.id, name=name))

    async def resolve(self, event: CommandEvent, lang: str) -> CommandResult:
        incident, error = await self._incident(event, lang, "resolve")
        if incident is None:
            return error or CommandResult()
        assert incident.id is not None
        rest = list(event.args[1:])
        false_alarm = bool(rest) and rest[0].lower() in FALSE_ALARM_WORDS
        if false_alarm:
            rest = rest[1:]
            if not confirmed(tuple(rest)):
                # Destructive: the findings are marked wrong and the alerts say "false alarm".
                return private(t("escalation.command.false_alarm_confirm", lang,
                                 id=incident.id))
            rest = rest[:-1]
        state, _ = await self.service.resolve(
            incident.id, actor=actor_of(event), name=event.sender.display_name,
            note=" ".join(rest) or None, false_alarm=false_alarm)
        if state == "resolved":
            return private(t("escalation.command.already_resolved", lang, id=incident.id))
        key = "resolved_false_alarm" if false_alarm else "resolved"
        return private(t(f"escalation.command.{key}", lang, id=incident.id))

    async def note(self, event: CommandEvent, lang: str) -> CommandResult:
        incident, error = await self._incident(event, lang, "notitie")
        if incident is None:
            return error or CommandResult()
        assert incident.id is not None
        text = " ".join(event.args[1:]).strip()
        if not text:
            return private(t("escalation.command.usage_note", lang))
        await self.service.note(incident.id, actor=actor_of(event), text=text)
        return private(t("escalation.command.noted", lang, id=incident.id))

    async def decide(self, event: CommandEvent, lang: str) -> CommandResult:
        if len(event.args) < 3:
            return private(t("escalation.command.usage_decide", lang))
        incident, error = await self._incident(event, lang, "besluit")
        if incident is None:
            return error or CommandResult()
        assert incident.id is not None
        names = await self.service.names(incident)
        member = resolve_member(incident, names, event.args[1])
        if member is None:
            listing = ", ".join(f"{i}. {names.get(m, m)}" for i, m in
                                enumerate(incident.members, start=1))
            return private(t("escalation.command.unknown_member", lang, member=event.args[1],
                             id=incident.id, members=listing or "-"))
        step = parse_step(event.args[2])
        if step is None:
            return private(t("escalation.command.unknown_step", lang, step=event.args[2]))
        note = " ".join(event.args[3:]).strip() or None
        view = await self.service.decide(incident, member, step, actor=actor_of(event),
                                         name=event.sender.display_name, note=note)
        return private(t("escalation.command.decided", lang, step=step_text(step, lang),
                         member=names.get(member, member), id=incident.id,
                         suggested=step_text(view.suggested, lang)))

    async def show(self, event: CommandEvent, lang: str) -> CommandResult:
        incident, error = await self._incident(event, lang, "incident")
        if incident is None:
            return error or CommandResult()
        return private(await summary(self.service, incident, lang))


async def incident_resource(service: IncidentService, incident: Incident) -> Resource:
    """An incident as a permission resource: its group, and whether it is a confidential report
    (A.11) that the school shares with the group's moderators (``reports_to``, or no adviser)."""
    shared = False
    if incident.confidential:
        group = None if incident.group_key.endswith(":private") else \
            await service.group(incident.group_key)
        shared = (service.settings(group).reports_to in ("moderators", "both")
                  or not service.router.confidential_adviser())
    return Resource(incident.group_key, confidential=incident.confidential,
                    shared_with_moderators=shared)


def resolve_member(incident: Incident, names: dict[str, str], ref: str) -> str | None:
    """A member of the incident by number (1-based, as listed), id, or (unique) name."""
    if ref.isdigit() and 1 <= int(ref) <= len(incident.members):
        return incident.members[int(ref) - 1]
    if ref in incident.members:
        return ref
    matches = [m for m in incident.members if names.get(m, "").lower() == ref.lower()]
    return matches[0] if len(matches) == 1 else None


async def summary(service: IncidentService, incident: Incident, lang: str) -> str:
    """The incident and, per member, the sanction ladder's suggestion (never the reporter)."""
    assert incident.id is not None
    group = await service.group(incident.group_key)
    settings = service.settings(group)
    names = await service.names(incident)
    offenders = {e.get("sender_id") for e in incident.context if e.get("flagged")}
    lines = []
    for nr, member in enumerate(incident.members, start=1):
        role = "reported" if incident.confidential else (
            "offender" if member in offenders else "target")
        view = await service.ladder(member, settings)
        ladder = (t("escalation.command.ladder_line", lang, count=view.offences, days=view.days,
                    decided=step_text(view.decided, lang), step=step_text(view.suggested, lang))
                  if view.offences or view.decided else t("escalation.command.ladder_none", lang))
        lines.append(t("escalation.command.member_line", lang, nr=nr,
                       name=names.get(member, member), role=t(f"escalation.role.{role}", lang),
                       ladder=ladder))
    assignee = t("escalation.command.assignee", lang, name=incident.assignee) \
        if incident.assignee else ""
    return t("escalation.command.show", lang, id=incident.id,
             group=service.title(group, incident.group_key),
             status=t(f"escalation.status.{incident.status}", lang), assignee=assignee,
             reason=t(f"escalation.reason.{incident.reason or 'manual'}", lang),
             severity=severity_text(incident.severity, lang), tier=tier_text(incident.tier, lang),
             articles=", ".join(incident.articles) or "-",
             members="\n".join(lines) or name_list([], names, lang))
