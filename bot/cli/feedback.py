"""``schoolwacht feedback``: moderators correct the bot, and the school sees how precise it is.

schoolwacht feedback wrong 42 --term "biologie"     # a false positive (+ allow-list term)
schoolwacht feedback correct 42
schoolwacht feedback missed telegram:-100123 off_topic --text "..."
schoolwacht feedback report [--group KEY] [--days 30]
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, help="Moderator feedback and the precision report.")

ConfigOption = Annotated[Path | None, typer.Option("--config", "-c", help="Config file (TOML).")]
ByOption = Annotated[str, typer.Option("--by", help="Who gives the feedback (for the audit log).")]


def _service(config: Path | None):  # type: ignore[no-untyped-def]
    from bot.cli import config_from
    from bot.feedback import FeedbackService
    from bot.keys import open_database
    from policies.registry import policy_types

    cfg = config_from(config)
    return cfg, FeedbackService(open_database(cfg), policy_types())


def _finish(ok: bool, message: str) -> None:
    typer.echo(message, err=not ok)
    raise typer.Exit(0 if ok else 1)


@app.command()
def wrong(
    finding: Annotated[int, typer.Argument(help="Finding id (shown in alerts and incidents).")],
    term: Annotated[
        str | None,
        typer.Option(
            "--term",
            "-t",
            help="Allow this word or phrase in the group from now on (the finding's policy).",
        ),
    ] = None,
    by: ByOption = "cli",
    config: ConfigOption = None,
) -> None:
    """Mark a finding as wrong (a false positive), optionally with an allow-list term."""
    cfg, service = _service(config)
    outcome = service.wrong_sync(finding, by, term, cfg.school.language)
    _finish(outcome.ok, outcome.message)


@app.command()
def correct(
    finding: Annotated[int, typer.Argument(help="Finding id.")],
    by: ByOption = "cli",
    config: ConfigOption = None,
) -> None:
    """Confirm a finding (counts in the precision report; off_topic texts join retraining)."""
    cfg, service = _service(config)
    outcome = service.correct_sync(finding, by, cfg.school.language)
    _finish(outcome.ok, outcome.message)


@app.command()
def missed(
    group: Annotated[str, typer.Argument(help="Group key, e.g. telegram:-1001234567890.")],
    flag: Annotated[str, typer.Argument(help="harassment, personal_data, off_topic, ...")],
    text: Annotated[str, typer.Option("--text", help="The message the bot should have flagged.")],
    by: ByOption = "cli",
    config: ConfigOption = None,
) -> None:
    """Record a harmful message the bot let through (kept for retraining, purged on schedule)."""
    cfg, service = _service(config)
    outcome = service.missed_sync(group, flag, text, by, cfg.school.language)
    _finish(outcome.ok, outcome.message)


@app.command()
def report(
    group: Annotated[
        list[str] | None,
        typer.Option(
            "--group", "-g", help="Only these groups (repeatable). Default: the whole school."
        ),
    ] = None,
    days: Annotated[int | None, typer.Option(min=1, help="Only the last N days.")] = None,
    config: ConfigOption = None,
) -> None:
    """Per flag: findings, marked wrong, confirmed, missed, and precision."""
    from bot.feedback import format_report
    from core.clock import now_utc

    cfg, service = _service(config)
    since = now_utc() - timedelta(days=days) if days else None
    rows = service.report_sync(group or None, since)
    typer.echo(format_report(rows, cfg.school.language))
