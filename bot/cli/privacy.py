"""``schoolwacht privacy``: the processing register, subject rights, key rotation, opening files."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True)

ConfigOption = Annotated[Path | None, typer.Option("--config", "-c", help="Config file (TOML).")]
PersonOption = Annotated[str, typer.Option("--person", "-p", help="The member id (as in the chat "
                                           "platform, e.g. 123456789 or @sanne:school.nl) or "
                                           "e-mail address of the person.")]


def _open(config: Path | None):  # type: ignore[no-untyped-def]
    from bot.cli import config_from
    from bot.keys import open_database

    cfg = config_from(config)
    return cfg, open_database(cfg)


@app.command()
def report(config: ConfigOption = None) -> None:
    """Print the register of processing activities (Dutch, Markdown): what is stored, why, how
    long, who can read it, where it lives, what leaves the server. Ready for the AVG register and a
    DPIA."""
    from bot.cli import config_from
    from bot.register import report as make_report

    typer.echo(make_report(config_from(config)))


@app.command()
def export(
    person: PersonOption,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Folder for the export "
                                             "(default: [privacy] export_folder).")] = None,
    config: ConfigOption = None,
) -> None:
    """Everything stored about one person, across every table and file: a JSON file and a readable
    Dutch summary (written 0600). Recorded in the audit trail without contents."""
    from bot.subject_rights import export as make_export
    from bot.subject_rights import write_export

    cfg, db = _open(config)
    try:
        data = make_export(cfg, db, person)
    finally:
        db.close()
    for path in write_export(cfg, data, out):
        typer.echo(str(path))


@app.command()
def erase(
    person: PersonOption,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    config: ConfigOption = None,
) -> None:
    """Erase one person: their own rows and copies are deleted, every other mention is replaced by
    a pseudonym; incidents the school must keep stay pseudonymised when [privacy]
    keep_incidents_on_erase is true. Recorded in the audit trail without contents."""
    from bot.subject_rights import erase_person

    if not yes:
        typer.confirm(f"Erase everything stored about {person}?", abort=True)
    cfg, db = _open(config)
    try:
        counts = erase_person(cfg, db, person)
    finally:
        db.close()
    typer.echo(json.dumps(counts, sort_keys=True))


@app.command("rotate-key")
def rotate_key(
    out: Annotated[Path | None, typer.Option("--out", help="When the key comes from the "
                                             "environment: write the new key to this file (0600) "
                                             "to put in the variable.")] = None,
    config: ConfigOption = None,
) -> None:
    """Seal everything again under a new data key. With a key file the file is updated (the new
    key is written before re-sealing, the old one dropped after); with the key in the environment
    the new key goes to --out and must replace the variable's value."""
    from bot.config import secret
    from bot.keys import write_key_file
    from storage.sealing import reseal_all

    cfg, db = _open(config)
    try:
        old = db.keys
        assert old is not None
        new = old.rotated()
        from_env = secret(cfg.privacy.key_env) is not None
        if from_env and out is None:
            typer.echo(f"schoolwacht: the key comes from ${cfg.privacy.key_env}: give --out FILE "
                       "for the new key", err=True)
            raise typer.Exit(2)
        target = out if from_env and out is not None else cfg.privacy.key_file
        write_key_file(target, new)  # new and old: whatever happens next, both open the data
        db.set_keys(new)
        counts = reseal_all(db)
        write_key_file(target, new.current_only())
        from storage.repositories import AuditRepository

        AuditRepository(db).add("cli", "privacy.rotate_key", detail={"kid": new.kid,
                                                                     "rows": sum(counts.values())})
    finally:
        db.close()
    typer.echo(f"data key {new.kid} now seals {sum(counts.values())} rows; key written to {target}")
    if from_env:
        typer.echo(f"put the contents of {target} in ${cfg.privacy.key_env}")


@app.command("open")
def open_file_cmd(
    file: Annotated[Path, typer.Argument(help="A file the bot wrote (alerts.jsonl, .eml.sealed).")],
    config: ConfigOption = None,
) -> None:
    """Show a sealed file the bot wrote (alerts, mail) in plain text, on standard output."""
    from bot.cli import config_from
    from bot.keys import KeyProblem, read_keys
    from storage.crypto import open_file

    keys = read_keys(config_from(config))
    if keys is None:
        raise KeyProblem("no data key: cannot open sealed files")
    sys.stdout.buffer.write(open_file(file.read_bytes(), keys))


@app.command()
def purge(config: ConfigOption = None) -> None:
    """Run the nightly retention purge now and print what was deleted per table."""
    from bot.privacy import purge as run_purge

    cfg, db = _open(config)
    try:
        counts = run_purge(db, cfg.storage.retention)
    finally:
        db.close()
    typer.echo(json.dumps(counts, sort_keys=True))
