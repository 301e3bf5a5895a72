"""``schoolwacht outbox``: what waits to be delivered, what died, and reviving it.

An item is retried with backoff (capped at 15 minutes) for at least 24 hours before it is dead;
``retry`` makes dead items pending again with a fresh horizon, and the running bot picks them up
within its poll interval (5 s). See docs/delivery.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True)

ConfigOption = Annotated[Path | None, typer.Option("--config", "-c", help="Config file (TOML).")]


def _repo(config: Path | None):  # type: ignore[no-untyped-def]
    from bot.cli import config_from
    from bot.keys import open_database
    from storage.repositories import OutboxRepository

    cfg = config_from(config)
    return OutboxRepository(open_database(cfg, generate=False))


@app.command("list")
def list_items(
    config: ConfigOption = None,
    status: Annotated[str | None, typer.Option(
        help="pending, sending, sent or dead (default: everything not sent)")] = None,
    limit: Annotated[int, typer.Option(help="At most this many items.")] = 200,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines instead of a table.")] = False,
) -> None:
    """List outbox items (id, status, kind, channel, attempts, next attempt, last error) and a
    count per status. Contents are not shown."""
    repo = _repo(config)
    statuses = [status] if status else ["pending", "sending", "dead"]
    for name in statuses:
        for item in repo.list(name, limit=limit):
            row = {"id": item.id, "status": item.status, "kind": item.kind,
                   "channel": item.channel, "attempts": item.attempts,
                   "next_attempt_at": item.next_attempt_at.isoformat(),
                   "created_at": item.created_at.isoformat(), "error": item.last_error}
            if as_json:
                typer.echo(json.dumps(row, ensure_ascii=False))
            else:
                typer.echo("\t".join(str(row[k] if row[k] is not None else "") for k in row))
    counts = repo.counts()
    summary = ", ".join(f"{k} {counts.get(k, 0)}" for k in ("pending", "sending", "sent", "dead"))
    typer.echo(f"outbox: {summary}", err=True)


@app.command()
def retry(
    ids: Annotated[list[int] | None, typer.Argument(help="Ids of dead items to revive.")] = None,
    all_dead: Annotated[bool, typer.Option("--all-dead", help="Revive every dead item.")] = False,
    config: ConfigOption = None,
) -> None:
    """Make dead items pending again (a fresh 24-hour retry horizon)."""
    if not ids and not all_dead:
        typer.echo("schoolwacht: name item ids or --all-dead", err=True)
        raise typer.Exit(2)
    repo = _repo(config)
    revived = repo.revive(None if all_dead else ids)
    typer.echo(f"{revived} item(s) pending again")
