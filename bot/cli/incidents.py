"""``schoolwacht incidents``: list, acknowledge, resolve and export incidents; record decisions.

These work on the database directly while the bot may be running: status changes and their alert
edits go through the same service and the persistent outbox, so the running bot delivers the edits
(and a pending reminder finds the incident no longer open and stays quiet).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from core.files import make_private, private_folder, write_private

app = typer.Typer(no_args_is_help=True)
T = TypeVar("T")

ConfigOption = Annotated[Path | None, typer.Option("--config", "-c", help="Config file (TOML).")]
ByOption = Annotated[str, typer.Option("--by", help="Your name, as it appears in the audit log.")]
AdviserOption = Annotated[bool, typer.Option(
    "--adviser", help="Act as the confidential adviser: quiet reports (A.11) only, audited as "
    "cli:adviser.")]


class Format(StrEnum):
    html = "html"
    pdf = "pdf"
    json = "json"


def _run(config: Path | None, work: Callable[[Any], Awaitable[T]]) -> T:
    """Build the incident service on the configured database and run one piece of work."""
    from bot.alerts import AlertService, Router
    from bot.cli import config_from
    from bot.directory import GroupDirectory
    from bot.escalation.incidents import IncidentService
    from bot.escalation.settings import validate_config
    from bot.groups import PolicyResolver
    from bot.keys import open_database
    from bot.outbox import Outbox
    from policies.registry import policy_types
    from storage.repositories import Repositories

    cfg = config_from(config)
    validate_config(cfg)
    db = open_database(cfg)
    repos = Repositories(db)
    router = Router(cfg)
    service = IncidentService(
        config=cfg, repos=repos, router=router, scheduler=None,
        directory=GroupDirectory(cfg, PolicyResolver(cfg, policy_types()), repos),
        alerts=AlertService(cfg, Outbox(repos.outbox), router))
    try:
        return asyncio.run(work(service))
    finally:
        db.close()


def _fail(message: str) -> typer.Exit:
    typer.echo(f"schoolwacht: {message}", err=True)
    return typer.Exit(1)


def _cli_actor(adviser: bool = False) -> Any:
    """Whoever runs the CLI on the server acts as school staff (``core.permissions``): every
    incident but the quiet reports (A.11), which are the confidential adviser's alone; with
    ``--adviser`` as the confidential adviser: the quiet reports only."""
    from core.permissions import Actor, SchoolRole

    if adviser:
        return Actor("cli:adviser", frozenset({SchoolRole.CONFIDENTIAL_ADVISER}))
    return Actor("cli", frozenset({SchoolRole.STAFF}))


async def _check(service: Any, incident_id: int, action: Any, adviser: bool = False) -> None:
    """Refuse (audited, nothing changed) what the CLI may not do to this incident."""
    from bot.escalation.commands import incident_resource
    from core.permissions import may

    row = await service.db.run(service.incidents.get, incident_id)
    if row is None:
        return  # the command itself says the incident does not exist
    resource = await incident_resource(service, row)
    actor = _cli_actor(adviser)
    decision = may(actor, action, resource)
    if not decision:
        await service.db.run(lambda: service.repos.audit.add(
            actor.identity, "permission.refused", group_key=resource.group,
            target=f"incident:{incident_id}",
            detail={"action": action.value, "reason": decision.reason}))
        if resource.confidential:
            raise _fail(f"incident {incident_id} is a quiet report (A.11): only the confidential "
                        "adviser sees and handles it (--adviser). Nothing was changed.")
        raise _fail(f"incident {incident_id} is not a quiet report: the confidential adviser "
                    "does not handle it. Nothing was changed.")


@app.command("list")
def list_incidents(
    config: ConfigOption = None,
    status: Annotated[str | None, typer.Option(help="open, acknowledged or resolved")] = None,
    group: Annotated[str | None, typer.Option(help="Group key, e.g. telegram:-100123")] = None,
    limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 50,
    adviser: AdviserOption = False,
) -> None:
    """List incidents, newest first. Quiet reports (A.11) are left out: they are the
    confidential adviser's alone; only their number is shown."""
    from bot.escalation.commands import incident_resource
    from bot.escalation.texts import severity_text
    from core.permissions import Action, may

    async def work(service: Any) -> tuple[list[Any], int]:
        rows = await service.db.run(lambda: service.incidents.list(
            status=status, group_key=group, limit=limit))
        actor = _cli_actor(adviser)
        shown = [row for row in rows if may(actor, Action.INCIDENT_VIEW,
                                            await incident_resource(service, row))]
        return shown, len(rows) - len(shown)

    rows, hidden = _run(config, work)
    for row in rows:
        typer.echo(f"#{row.id}\t{row.status}\t{severity_text(row.severity, 'nl')}\t"
                   f"{row.reason}\t{row.group_key}\t{row.created_at:%Y-%m-%d %H:%M}\t"
                   f"{len(row.members)} betrokken\t{row.assignee or ''}")
    if not rows:
        typer.echo("Geen incidenten.")
    if hidden:
        typer.echo(f"({hidden} incident(en) niet getoond: stille meldingen zijn alleen voor de "
                   "vertrouwenspersoon (--adviser), de rest niet.)" if adviser else
                   f"({hidden} stille melding(en) niet getoond: alleen voor de "
                   "vertrouwenspersoon, met --adviser.)")


@app.command()
def ack(incident: Annotated[int, typer.Argument(help="Incident number")],
        by: ByOption = "cli", config: ConfigOption = None, adviser: AdviserOption = False) -> None:
    """Acknowledge an incident: reminders stop and the alerts already sent are updated."""

    from core.permissions import Action

    async def work(service: Any) -> tuple[str, Any]:
        await _check(service, incident, Action.INCIDENT_HANDLE, adviser)
        return await service.acknowledge(incident, actor="cli", name=by)

    state, row = _run(config, work)
    if state == "unknown":
        raise _fail(f"incident {incident} does not exist")
    if state != "ok":
        raise _fail(f"incident {incident} is already {row.status}")
    typer.echo(f"Incident #{incident} opgepakt door {by}.")


@app.command()
def resolve(incident: Annotated[int, typer.Argument(help="Incident number")],
            false_alarm: Annotated[bool, typer.Option(
                "--false-alarm", help="The bot was wrong: its findings stop counting.")] = False,
            note: Annotated[str | None, typer.Option(help="What was done (audit log).")] = None,
            by: ByOption = "cli", config: ConfigOption = None, adviser: AdviserOption = False,
            yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation "
                                                                  "(--false-alarm).")] = False,
            ) -> None:
    """Resolve an incident (optionally as a false alarm) with a note for the audit log.

    A false alarm marks the incident's findings wrong (they stop counting for the sanction ladder)
    and the alerts say so: it asks for confirmation first."""
    from core.permissions import Action

    if false_alarm and not yes:
        typer.confirm(f"Close incident #{incident} as a false alarm? Its findings are marked "
                      "wrong and stop counting for the sanction ladder; the alerts say "
                      "'false alarm'.", abort=True)

    async def work(service: Any) -> tuple[str, Any]:
        await _check(service, incident, Action.INCIDENT_HANDLE, adviser)
        return await service.resolve(incident, actor="cli", name=by, note=note,
                                     false_alarm=false_alarm)

    state, _ = _run(config, work)
    if state == "unknown":
        raise _fail(f"incident {incident} does not exist")
    if state != "ok":
        raise _fail(f"incident {incident} is already resolved")
    typer.echo(f"Incident #{incident} afgesloten{' als vals alarm' if false_alarm else ''}.")


@app.command()
def note(incident: Annotated[int, typer.Argument(help="Incident number")],
         text: Annotated[str, typer.Argument(help="The note")],
         by: ByOption = "cli", config: ConfigOption = None, adviser: AdviserOption = False,
         ) -> None:
    """Add a note to an incident's audit trail."""

    from core.permissions import Action

    async def work(service: Any) -> Any:
        await _check(service, incident, Action.INCIDENT_HANDLE, adviser)
        return await service.note(incident, actor=f"cli:{by}", text=text)

    if _run(config, work) is None:
        raise _fail(f"incident {incident} does not exist")
    typer.echo(f"Notitie toegevoegd aan incident #{incident}.")


@app.command()
def decide(incident: Annotated[int, typer.Argument(help="Incident number")],
           member: Annotated[str, typer.Argument(help="Member number in the incident, id or "
                                                      "name")],
           step: Annotated[str, typer.Argument(help="waarschuwing, ouders, devices, schorsing, "
                                                    "verwijdering or geen")],
           note: Annotated[str | None, typer.Option(help="Why (audit log).")] = None,
           by: ByOption = "cli", config: ConfigOption = None,
           adviser: AdviserOption = False) -> None:
    """Record a decision on a measure of the sanction ladder (the bot only suggests)."""
    from bot.escalation.commands import resolve_member
    from bot.escalation.ladder import parse_step
    from bot.escalation.texts import step_text

    chosen = parse_step(step)
    if chosen is None:
        raise _fail(f"unknown step {step!r}")

    from core.permissions import Action

    async def work(service: Any) -> str:
        await _check(service, incident, Action.INCIDENT_HANDLE, adviser)
        row = await service.db.run(service.incidents.get, incident)
        if row is None:
            raise _fail(f"incident {incident} does not exist")
        names = await service.names(row)
        member_id = resolve_member(row, names, member)
        if member_id is None:
            raise _fail(f"member {member!r} is not part of incident {incident}")
        view = await service.decide(row, member_id, chosen, actor="cli", name=by, note=note)
        return (f"Vastgelegd: {step_text(chosen, 'nl')} voor {names.get(member_id, member_id)}"
                f" (voorstel was: {step_text(view.suggested, 'nl')}).")

    typer.echo(_run(config, work))


@app.command()
def ladder(member: Annotated[str, typer.Argument(help="Member id")],
           config: ConfigOption = None) -> None:
    """Show a member's sanction ladder: offences counted, decisions, the suggested next step."""
    from bot.escalation.texts import step_text

    async def work(service: Any) -> Any:
        return await service.ladder(member, service.settings(None))

    view = _run(config, work)
    typer.echo(f"{member}: {view.offences} overtreding(en) in {view.days} dagen; "
               f"besloten: {step_text(view.decided, 'nl')}; "
               f"voorstel: {step_text(view.suggested, 'nl')}")
    for decision in view.decisions:
        typer.echo(f"  {decision.at:%Y-%m-%d} {step_text(decision.detail.get('step'), 'nl')}"
                   f" (incident #{decision.detail.get('incident')}, {decision.actor})")


@app.command()
def export(
    incident: Annotated[int | None, typer.Argument(help="Incident number")] = None,
    student: Annotated[str | None, typer.Option(
        "--student", help="Export everything about this member id instead.")] = None,
    formats: Annotated[list[Format] | None, typer.Option(
        "--format", "-f", help="html, pdf or json; repeat for several (default: html and json)."
    )] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Output folder, or a file name (one format); '-' prints JSON.")] = None,
    show_others: Annotated[bool, typer.Option(
        "--show-others", help="In a student's dossier, name the other students too.")] = False,
    config: ConfigOption = None,
    adviser: AdviserOption = False,
) -> None:
    """Write a dossier for the student's file: one incident, or all of one student.

    Quiet reports (A.11) are left out: they are the confidential adviser's alone (`--adviser`)."""
    from bot.escalation.dossier import DossierBuilder, DossierError, render_html, render_pdf

    if (incident is None) == (student is None):
        raise _fail("give an incident number or --student MEMBER (one of them)")
    chosen = list(dict.fromkeys(formats or [Format.html, Format.json]))

    from core.permissions import Action

    async def work(service: Any) -> dict[str, Any]:
        builder = DossierBuilder(service.config, service.repos)
        if incident is not None:
            await _check(service, incident, Action.INCIDENT_EXPORT, adviser)

        def build() -> dict[str, Any]:
            if incident is not None:
                data = builder.for_incident(incident)
                target = f"incident:{incident}"
            else:
                assert student is not None
                # What may() gives the CLI's actor: staff every incident but the quiet
                # reports, the adviser (--adviser) the quiet reports only.
                data = builder.for_student(student, show_others=show_others,
                                           visible=lambda i: i.confidential == adviser)
                target = f"member:{student}"
            service.incidents.audit("cli", "dossier.export", group_key=None, target=target,
                                    detail={"formats": [f.value for f in chosen]})
            return data

        return await service.db.run(build)

    try:
        data = _run(config, work)
    except DossierError as exc:
        raise _fail(str(exc)) from None
    if out is not None and str(out) == "-":
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    stem = f"dossier-incident-{incident}" if incident is not None else \
        f"dossier-{_safe(student or '')}"
    single = out is not None and len(chosen) == 1 and out.suffix.lower() == f".{chosen[0]}"
    folder = out.parent if single and out is not None else (out or Path("."))
    # A dossier names students: 0600 files in a 0700 folder, for the school's student file.
    private_folder(folder)
    html = render_html(data)
    for fmt in chosen:
        path = out if single and out is not None else folder / f"{stem}.{fmt.value}"
        if fmt is Format.json:
            write_private(path, json.dumps(data, ensure_ascii=False, indent=2))
        elif fmt is Format.html:
            write_private(path, html)
        else:
            try:
                render_pdf(html, path)
                make_private(path)
            except DossierError as exc:
                raise _fail(str(exc)) from None
        typer.echo(str(path))


def _safe(value: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in value)[:60] or "student"
