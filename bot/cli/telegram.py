"""``schoolwacht telegram``: one-time codes with which staff link their Telegram account."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True)

ConfigOption = Annotated[Path | None, typer.Option("--config", "-c", help="Config file (TOML).")]


def _db(config: Path | None):  # type: ignore[no-untyped-def]
    from bot.cli import config_from
    from bot.keys import open_database

    return open_database(config_from(config))


@app.command("link-code")
def link_code(
    config: ConfigOption = None,
    days: Annotated[float, typer.Option(help="How many days the code stays valid.")] = 7,
    note: Annotated[str | None, typer.Option(help="For whom (optional, kept with the code).")
                    ] = None,
) -> None:
    """Make a one-time code. The staff member sends `/koppel CODE` to the bot in a private chat."""
    from adapters.telegram import linking

    db = _db(config)
    try:
        code, expires = linking.create_code(db, valid_days=days, note=note)
    finally:
        db.close()
    typer.echo(code)
    typer.echo(f"Valid until {expires:%Y-%m-%d %H:%M} UTC, once. Send to the bot in a private "
               f"chat: /koppel {code}", err=True)


@app.command("staff")
def staff(config: ConfigOption = None) -> None:
    """List the Telegram user ids linked as staff with a code."""
    from adapters.telegram import linking

    db = _db(config)
    try:
        for user_id in sorted(linking.linked_staff(db)):
            typer.echo(user_id)
    finally:
        db.close()


@app.command("unlink")
def unlink(
    user_id: Annotated[str, typer.Argument(help="Telegram user id (see `schoolwacht telegram "
                                                "staff`).")],
    config: ConfigOption = None,
) -> None:
    """Remove a linked staff account; the running bot stops treating it as staff within a minute."""
    from adapters.telegram import linking

    db = _db(config)
    try:
        removed = linking.unlink(db, user_id)
    finally:
        db.close()
    typer.echo("unlinked" if removed else "not linked")
    raise typer.Exit(0 if removed else 1)
