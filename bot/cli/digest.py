"""``schoolwacht digest``: the B.3 e-mail digest from the command line.

``add``/``remove``/``list`` manage subscribers (``add`` sends the double opt-in mail through the
outbox), ``preview`` renders the next digest without sending it, ``send-now`` composes it at once.
The running bot delivers what is queued; ``send-now --deliver`` delivers it from here instead (only
when the bot is not running, so two processes never deliver the same outbox).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True)

ConfigOption = Annotated[Path | None, typer.Option("--config", "-c", help="Config file (TOML).")]
GroupArg = Annotated[str, typer.Argument(help="Group key, e.g. telegram:-1001234567890")]


def _service(config: Path | None):  # type: ignore[no-untyped-def]
    from bot.cli import config_from
    from bot.digest.service import DigestService
    from bot.keys import open_database

    cfg = config_from(config)
    service = DigestService(cfg, open_database(cfg))
    return cfg, service


def _require_enabled(service, group: str) -> None:  # type: ignore[no-untyped-def]
    if service.settings(group) is None:
        typer.echo(f"schoolwacht: the digest is not enabled for {group} "
                   "(set [groups.digest] enabled = true in the config)", err=True)
        raise typer.Exit(2)


@app.command()
def add(group: GroupArg, email: Annotated[str, typer.Argument(help="E-mail address")],
        config: ConfigOption = None) -> None:
    """Subscribe an address; it gets a confirmation mail first (double opt-in)."""
    _, service = _service(config)
    _require_enabled(service, group)
    outcome = asyncio.run(service.subscribe(group, email, "cli"))
    messages = {"added": "confirmation mail queued", "already": "already confirmed",
                "invalid": "not a valid e-mail address", "disabled": "digest not enabled"}
    typer.echo(f"{email}: {messages[outcome]}")
    raise typer.Exit(0 if outcome in ("added", "already") else 1)


@app.command()
def remove(group: GroupArg, email: Annotated[str, typer.Argument(help="E-mail address")],
           config: ConfigOption = None) -> None:
    """Unsubscribe an address (it gets no more digests)."""
    _, service = _service(config)
    done = asyncio.run(service.unsubscribe(group, email, "cli"))
    typer.echo(f"{email}: {'unsubscribed' if done else 'not subscribed'}")
    raise typer.Exit(0 if done else 1)


@app.command("list")
def list_subscribers(group: Annotated[str | None, typer.Argument(help="Group key")] = None,
                     config: ConfigOption = None) -> None:
    """List subscribers with their state (pending, confirmed, unsubscribed, bouncing)."""
    _, service = _service(config)
    for row in service.repo.list(group):
        typer.echo(f"{row.group_key}\t{row.email}\t{row.state}")


@app.command()
def preview(group: GroupArg, out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Write to a file: .html (HTML part), .eml (whole mail), else text.")]
        = None, config: ConfigOption = None) -> None:
    """Render the next digest of a group as it would be mailed now (nothing is sent)."""
    _, service = _service(config)
    _require_enabled(service, group)
    message = asyncio.run(service.preview(group))
    if message is None:
        typer.echo("nothing queued: no digest would be sent for this period")
        return
    if out is None:
        body = message.get_body(("plain",))
        typer.echo(f"Subject: {message['Subject']}\n")
        typer.echo(body.get_content() if body else "")
        return
    from core.files import write_private

    if out.suffix == ".eml":
        write_private(out, message.as_bytes())
    else:
        part = message.get_body(("html",) if out.suffix in (".html", ".htm") else ("plain",))
        write_private(out, part.get_content() if part else "")
    typer.echo(f"written to {out}")


@app.command("send-now")
def send_now(group: GroupArg, config: ConfigOption = None,
             deliver: Annotated[bool, typer.Option(
                 help="Also deliver queued mail from here (only while the bot is not running).")]
             = False) -> None:
    """Compose the group's digest now instead of waiting for its schedule."""
    cfg, service = _service(config)
    _require_enabled(service, group)

    async def main() -> tuple[int, int]:
        count = await service.compose(group)
        sent = 0
        if deliver:
            from adapters.mail import make_backend
            from bot.delivery import mail_handler
            from bot.outbox import Dispatcher, Outbox
            from storage.repositories import OutboxRepository

            dispatcher = Dispatcher(Outbox(OutboxRepository(service.db)))
            dispatcher.register("mail", service.wrap_mail_handler(
                mail_handler(make_backend(cfg.mail, service.db.keys))))
            sent = await dispatcher.deliver_due()
        return count, sent

    count, sent = asyncio.run(main())
    typer.echo(f"{count} digest mail(s) queued" + (f", {sent} delivered" if deliver else ""))
