"""``schoolwacht scan``: turn an exported WhatsApp chat into an incident report (A.11).

Mounted at the top level by ``bot.cli`` (``COMMANDS``). Nothing is stored or sent: the checker runs
without side effects and the report is written to a file or standard output.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from bot.config import AppConfig, ConfigError
from bot.i18n import t
from core.events import GroupKind, Role
from core.files import write_private


class ReportFormat(StrEnum):
    HTML = "html"
    JSON = "json"
    MD = "md"


class Language(StrEnum):
    NL = "nl"
    EN = "en"


def _parse_roles(staff: list[str], roles: list[str], lang: str) -> dict[str, Role]:
    out: dict[str, Role] = {name: Role.TEACHER for name in staff}
    for item in roles:
        name, sep, value = item.rpartition("=")
        if not sep or not name.strip():
            raise typer.BadParameter("use NAME=ROLE, for example \"Dhr. Kramer=teacher\"")
        try:
            out[name.strip()] = Role(value.strip().lower())
        except ValueError:
            raise typer.BadParameter(t("scan.error_role", lang, role=value.strip())) from None
    return out


@contextmanager
def _progress(total: int, label: str, enabled: bool):
    """A progress bar on stderr, only for a person watching a terminal and a sizeable export."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


def scan(
    export: Annotated[Path, typer.Argument(help="The exported chat: the .txt file or the .zip "
                                           "with media.", show_default=False)],
    group_kind: Annotated[GroupKind, typer.Option("--group-kind", "-k",
                                                  help="Kind of group the chat is.")]
    = GroupKind.CLASS,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="Report format.")]
    = ReportFormat.HTML,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the report here "
                                             "(default: standard output).")] = None,
    pseudonymise: Annotated[bool, typer.Option("--pseudonymise", "--pseudonymize",
                                               help="Replace members without findings by "
                                               "'Deelnemer 1', ... (also in message texts).")]
    = False,
    staff: Annotated[list[str] | None, typer.Option("--staff", help="A member who is a teacher "
                                                    "or mentor (name as in the chat); repeatable.")]
    = None,
    role: Annotated[list[str] | None, typer.Option("--role", help="NAME=ROLE (student, teacher, "
                                                   "parent, staff); repeatable.")] = None,
    context: Annotated[int, typer.Option("--context", min=0, max=20, help="Messages shown "
                                         "before and after each flagged message.")] = 2,
    lang: Annotated[Language, typer.Option("--lang", help="Report language.")] = Language.NL,
    config: Annotated[Path | None, typer.Option("--config", "-c", help="Config file (TOML); "
                                                "default: $SCHOOLWACHT_CONFIG or built-in "
                                                "defaults.", show_default=False)] = None,
) -> None:
    """Scan an exported WhatsApp chat and write an incident report (A.11).

    Every message goes through the same rules as the bot, without side effects: nothing is stored,
    nothing is sent. Everyone counts as a student in a class group and as a parent in a parent
    group, unless --staff or --role says otherwise.
    """
    from adapters.whatsapp import ExportFormatError
    from adapters.whatsapp.scan import prepare_scan
    from bot.scan import build_report
    from bot.scan_render import render

    language = lang.value
    cfg = _config(config)
    roles = _parse_roles(staff or [], role or [], language)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    try:
        prepared = prepare_scan(export, kind=group_kind, roles=roles,
                                timezone=cfg.school.timezone,
                                max_media_bytes=cfg.images.max_bytes)
    except ExportFormatError as exc:
        typer.echo(t("scan.error_format", language, path=export, error=exc), err=True)
        raise typer.Exit(2) from None
    except OSError as exc:
        typer.echo(t("scan.error_read", language, path=export, error=exc.strerror or exc),
                   err=True)
        raise typer.Exit(2) from None
    for name in prepared.unknown_names:
        typer.echo(t("scan.unknown_name", language, name=name), err=True)

    show_bar = sys.stderr.isatty() and prepared.message_count >= 500
    result = asyncio.run(_run(prepared, cfg, language, show_bar, context))
    report = build_report(result, pseudonymise=pseudonymise, context=context,
                          pseudonym_label=t("scan.pseudonym", language))
    text = render(report, fmt.value, language)
    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    write_private(out, text)
    typer.echo(t("scan.written", language, path=out, messages=report.messages_total,
                 findings=len(report.findings)), err=True)


def _config(path: Path | None) -> AppConfig:
    from bot.cli import config_from  # the package imports this module while it mounts commands

    return config_from(path)


async def _run(prepared, cfg: AppConfig, language: str, show_bar: bool, context: int):
    from bot.checker import Checker

    try:
        checker = Checker.from_config(cfg)
    except ConfigError as exc:
        typer.echo(f"schoolwacht: configuration error: {exc}", err=True)
        raise typer.Exit(2) from None
    try:
        with _progress(prepared.message_count, t("scan.progress", language), show_bar) as advance:
            return await prepared.run(checker, advance, context=context)
    finally:
        await checker.aclose()
