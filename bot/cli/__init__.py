"""The ``schoolwacht`` command line (Typer).

Feature commands live in their own modules in this package, each exposing a Typer ``app``; they are
mounted in ``_mount`` below so importing this module stays cheap and side-effect free.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import os
import stat
import sys
from pathlib import Path
from typing import Annotated, BinaryIO

import typer

from bot.config import AppConfig, ConfigError, load_config

app = typer.Typer(
    name="schoolwacht",
    help="schoolwacht: a moderation bot for school group chats that upholds the school's "
    "social-media protocol.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",  # docstring lines flow into paragraphs in --help
)

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Config file (TOML). Default: $SCHOOLWACHT_CONFIG, "
                 "else the built-in defaults (SQLite in ./var, console adapter, mail to var/mail).",
                 show_default=False),
]

# (module, command name, help) of feature sub-apps; each module exposes a Typer ``app``.
SUB_APPS: tuple[tuple[str, str, str], ...] = (
    ("bot.cli.groups", "groups", "List, approve or reject groups (B.1)."),
    ("bot.cli.digest", "digest", "E-mail digests for students without the app (B.3)."),
    ("bot.cli.telegram", "telegram", "Telegram link codes for staff (/koppel)."),
    ("bot.cli.model", "model", "The trained harassment model (train) and the optional transformer layer."),
    ("bot.cli.incidents", "incidents", "Incidents (B.5, A.11): list, ack, resolve, export."),
    ("bot.cli.feedback", "feedback", "Moderator feedback on findings and the precision report."),
    ("bot.cli.topic", "topic", "Train and measure the topic model (A.7, B.2)."),
    ("bot.cli.outbox", "outbox", "The delivery outbox: list what waits or died, revive it."),
    ("bot.cli.privacy", "privacy", "Privacy (AVG): processing register, export and erase a "
     "person, rotate the data key, open sealed files, purge."),
)
# (module, attribute) of single commands mounted at the top level.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("bot.cli.scan", "scan"),
    ("bot.cli.permissions", "permissions"),
)


def config_from(path: Path | None) -> AppConfig:
    """Load the config or stop with one clear line (exit code 2)."""
    if path is None and os.environ.get("SCHOOLWACHT_CONFIG"):
        path = Path(os.environ["SCHOOLWACHT_CONFIG"])
    try:
        return load_config(path)
    except ConfigError as exc:
        typer.echo(f"schoolwacht: configuration error: {exc}", err=True)
        raise typer.Exit(2) from None


def setup_logging(cfg: AppConfig, verbose: bool = False) -> None:
    """JSON logs on stderr; with the console chat they go to var/schoolwacht.log instead, so the
    terminal shows only the conversation (``--verbose`` keeps them on screen)."""
    from bot.bootstrap import console_wanted
    from bot.logging_setup import configure

    level = logging.DEBUG if verbose else logging.INFO
    if console_wanted(cfg) and not verbose:
        from core.files import open_private

        configure(level, stream=open_private(cfg.path("var/schoolwacht.log"), "a"))
    else:
        configure(level)


@app.command()
def run(
    config: ConfigOption = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")] = False,
) -> None:
    """Run the bot: every adapter enabled in the config, the scheduler and the outbox.

    With no config this opens the console chat: post as a named user with a role into a named
    group and see exactly what the bot does.
    """
    cfg = config_from(config)
    from bot.config import startup_problems

    problems = startup_problems(cfg)
    for problem in problems:
        typer.echo(f"schoolwacht: configuration error: {problem}", err=True)
    if problems:
        raise typer.Exit(2)
    setup_logging(cfg, verbose)
    from bot.bootstrap import run_app

    try:
        asyncio.run(run_app(cfg))
    except ConfigError as exc:
        typer.echo(f"schoolwacht: configuration error: {exc}", err=True)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        pass


@app.command()
def health(
    config: ConfigOption = None,
    max_dead: Annotated[int, typer.Option(help="Unhealthy above this many dead outbox items "
                                          "(-1: never).")] = -1,
) -> None:
    """Health check for systemd, Docker or monitoring: exit 0 when the database answers and the
    running bot's heartbeat (written every 10 s) is under 60 s old, else 1. Prints one JSON line
    with the outbox counts."""
    from datetime import UTC, datetime

    cfg = config_from(config)
    try:
        from bot.keys import open_database
        from storage.repositories import OutboxRepository, StateRepository

        db = open_database(cfg, generate=False)
        counts = OutboxRepository(db).counts()
        beat = StateRepository(db).get("heartbeat")
    except Exception as exc:  # the check must answer, never trace back
        typer.echo(json.dumps({"ok": False, "error": f"database: {type(exc).__name__}"}))
        raise typer.Exit(1) from None
    age = None
    if beat:
        age = (datetime.now(UTC) - datetime.fromisoformat(beat)).total_seconds()
    ok = age is not None and age < 60 and (max_dead < 0 or counts.get("dead", 0) <= max_dead)
    typer.echo(json.dumps({"ok": ok, "heartbeat_age_s": None if age is None else round(age, 1),
                           "outbox": counts}))
    raise typer.Exit(0 if ok else 1)


@app.command()
def check(
    input: Annotated[str, typer.Argument(help="JSON Lines file, or - for standard input.")] = "-",
    config: ConfigOption = None,
    explain: Annotated[bool, typer.Option(
        "--explain", help="Add to each output line what every policy answered and why: "
        '"explain": [{"policy", "result": "finding|clear|skipped", "reason"}].')] = False,
) -> None:
    """Judge messages without side effects (JSON Lines in, JSON Lines out, same order).

    Input lines: {"id", "text"?, "image"?, "group_kind": "class|parent|staff",
    "sender_role": "student|teacher|parent|staff"}. Output lines: {"id", "flags", "severity",
    "findings": [{"policy", "article", "score", "evidence", ...}]}, with --explain also
    "explain": [{"policy", "result", "reason"}] (one per policy). A bad line (not JSON, not
    an object, a bad field, an unreadable image, longer than 10 MB) gives {"id", "error"} and
    processing continues; blank lines are skipped. Output is strict JSON in UTF-8. Without
    --config the built-in defaults of each group kind apply.
    """
    cfg = config_from(config)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    from bot.checker import Checker, check_stream

    try:
        stream = sys.stdin.buffer if input == "-" else _open_input(Path(input))
    except OSError as exc:
        typer.echo(f"schoolwacht: cannot read {input}: {exc.strerror or exc}", err=True)
        raise typer.Exit(2) from None

    async def main() -> None:
        try:
            checker = Checker.from_config(cfg, explain=explain)
        except ConfigError as exc:
            typer.echo(f"schoolwacht: configuration error: {exc}", err=True)
            raise typer.Exit(2) from None
        try:
            await check_stream(checker, stream, sys.stdout.buffer)
        finally:
            if stream is not sys.stdin.buffer:
                stream.close()
            await checker.aclose()

    try:
        asyncio.run(main())
    except OSError as exc:  # the input failed while reading, or stdout was closed
        typer.echo(f"schoolwacht: cannot read {input}: {exc.strerror or exc}", err=True)
        raise typer.Exit(2) from None


def _open_input(path: Path) -> BinaryIO:
    """Open a JSON Lines file for ``check``: a regular file, a FIFO or a pipe (streamed line by
    line), never a directory."""
    handle = path.open("rb")
    if stat.S_ISDIR(os.fstat(handle.fileno()).st_mode):
        handle.close()
        raise IsADirectoryError(21, "is a directory")
    return handle


def _mount() -> None:
    for module_name, name, help_text in SUB_APPS:
        module = importlib.import_module(module_name)
        module.app.rich_markup_mode = app.rich_markup_mode
        app.add_typer(module.app, name=name, help=help_text)
    for module_name, attr in COMMANDS:
        module = importlib.import_module(module_name)
        app.command()(getattr(module, attr))


_mount()


def main() -> None:
    os.umask(0o077)  # whatever the bot writes is its own: files 0600, folders 0700
    try:
        app()
    except ConfigError as exc:  # a missing or wrong data key, raised while opening the database
        typer.echo(f"schoolwacht: {exc}", err=True)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
