"""``schoolwacht groups``: the school's approval of groups (B.1) from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True)

ConfigOption = Annotated[Path | None, typer.Option("--config", "-c", help="Config file (TOML).")]


def _services(config: Path | None):  # type: ignore[no-untyped-def]
    from bot.cli import config_from
    from bot.keys import open_database
    from storage.repositories import Repositories

    cfg = config_from(config)
    return cfg, Repositories(open_database(cfg))


def _allowed(cfg, repos, group: str, action) -> None:  # type: ignore[no-untyped-def]
    """Ask ``core.permissions.may`` as the CLI's actor (whoever runs it on the server acts as
    school staff); a refusal is audited and stops the command with the reason."""
    from core.permissions import Actor, Resource, SchoolRole, may

    configured = cfg.group(group)
    resource = Resource(group, approved_by_config=bool(configured and configured.approved))
    decision = may(Actor("cli", frozenset({SchoolRole.STAFF})), action, resource)
    if decision:
        return
    repos.audit.add("cli", "permission.refused", group_key=group, target=f"groups {action.value}",
                    detail={"action": action.value, "reason": decision.reason})
    if decision.reason == "config_approved":
        typer.echo(f"{group}: approved in the config file ([[groups]]); rejecting it here "
                   "would not stop the bot. Remove it from the config (or set approved = false) "
                   "first. Nothing was changed.", err=True)
    else:
        typer.echo(f"{group}: not allowed ({decision.reason}). Nothing was changed.", err=True)
    raise typer.Exit(1)


@app.command("list")
def list_groups(
    config: ConfigOption = None,
    status: Annotated[str | None, typer.Option(help="pending, approved, rejected or left")] = None,
) -> None:
    """List the groups the bot knows, with kind and approval state."""
    cfg, repos = _services(config)
    rows = repos.groups.all(status)
    known = {row.key for row in rows}
    for group in cfg.groups:
        if group.id not in known and (status in (None, "approved")):
            typer.echo(f"{group.id}\t{group.kind.value}\tapproved (config)\t{group.title or ''}")
    for row in rows:
        typer.echo(f"{row.key}\t{row.kind}\t{row.approval}\t{row.title or ''}")


@app.command()
def approve(
    group: Annotated[str, typer.Argument(help="Group key, e.g. telegram:-1001234567890")],
    kind: Annotated[str | None, typer.Option(help="class, parent or staff")] = None,
    config: ConfigOption = None,
) -> None:
    """Approve a pending group: the running bot picks it up within seconds, says so in the group
    and moderates it from then on."""
    cfg, repos = _services(config)
    from bot.approval import decide_offline
    from core.permissions import Action

    _allowed(cfg, repos, group, Action.GROUP_APPROVE)

    ok, message = decide_offline(cfg, repos, group, approve=True, actor="cli", kind=kind)
    typer.echo(message)
    raise typer.Exit(0 if ok else 1)


@app.command()
def reject(
    group: Annotated[str, typer.Argument(help="Group key, e.g. telegram:-1001234567890")],
    config: ConfigOption = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")
                   ] = False,
) -> None:
    """Reject a group: the running bot explains why in the group and leaves it.

    Asks for confirmation first. A group the config file approves cannot be rejected here: take
    it out of `[[groups]]` (or set `approved = false`) first."""
    cfg, repos = _services(config)
    from bot.approval import decide_offline
    from core.permissions import Action

    _allowed(cfg, repos, group, Action.GROUP_REJECT)
    row = repos.groups.get(group)
    if not yes:
        title = f" ({row.title})" if row is not None and row.title else ""
        typer.confirm(f"Reject {group}{title}? The bot tells the group it was not approved and "
                      "leaves it.", abort=True)
    ok, message = decide_offline(cfg, repos, group, approve=False, actor="cli")
    typer.echo(message)
    raise typer.Exit(0 if ok else 1)
