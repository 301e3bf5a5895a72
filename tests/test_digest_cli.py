"""``schoolwacht digest`` against a config file and the file mail backend (the embedded default)."""

from __future__ import annotations

import asyncio
from email import message_from_bytes, policy
from pathlib import Path

from typer.testing import CliRunner

from bot.bootstrap import build_app
from bot.cli import app as cli
from bot.config import load_config
from core.events import MessageEvent, Role, Sender
from storage.crypto import open_file
from tests.privacy_support import TEST_KEYS

TEACHER = Sender("t1", "Meester Willem", Role.TEACHER)


def write_config(tmp_path: Path) -> Path:
    path = tmp_path / "schoolwacht.toml"
    path.write_text(f"""
[school]
name = "Het Baken"

[storage]
url = "sqlite:///{tmp_path / 'sw.db'}"

[mail]
backend = "file"
folder = "{tmp_path / 'mail'}"
from_address = "noreply@hetbaken.example"

[adapters.console]
enabled = false

[digest]
public_url = "https://school.example/sw"
secret_env = "SW_TEST_DIGEST_CLI_SECRET"

[[groups]]
id = "console:klas"
kind = "class"
title = "Klas 4H"
digest = {{ enabled = true, schedule = "weekly fri 15:00" }}

[[groups]]
id = "console:stil"
kind = "class"
""", encoding="utf-8")
    return path


def queue_message(config_path: Path, text: str) -> None:
    async def main() -> None:
        app = build_app(load_config(config_path), adapters=[], features=("bot.digest",))
        await app.directory.sync_config()
        decision = await app.on_message(MessageEvent("console", "klas", "m1", TEACHER, text))
        assert decision is not None
        app.db.close()

    asyncio.run(main())


def eml_files(tmp_path: Path) -> list:
    return [message_from_bytes(open_file(p.read_bytes(), TEST_KEYS), policy=policy.default)
            for p in sorted((tmp_path / "mail").glob("*.eml.sealed"))]


def test_cli_add_list_preview_send_now(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SW_TEST_DIGEST_CLI_SECRET", "een-geheim-voor-de-test")
    config = write_config(tmp_path)
    runner = CliRunner()

    result = runner.invoke(cli, ["digest", "add", "console:klas", "Lotte@Example.org",
                                 "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "confirmation mail queued" in result.output
    bad = runner.invoke(cli, ["digest", "add", "console:klas", "geen-adres", "-c", str(config)])
    assert bad.exit_code == 1
    off = runner.invoke(cli, ["digest", "add", "console:stil", "a@example.org", "-c", str(config)])
    assert off.exit_code == 2
    listed = runner.invoke(cli, ["digest", "list", "-c", str(config)])
    assert "console:klas\tlotte@example.org\tpending" in listed.output

    empty = runner.invoke(cli, ["digest", "preview", "console:klas", "-c", str(config)])
    assert "nothing queued" in empty.output

    queue_message(config, "Week 12: mentoruur vervalt, projectweek begint maandag.")
    shown = runner.invoke(cli, ["digest", "preview", "console:klas", "-c", str(config)])
    assert shown.exit_code == 0
    assert "Subject: Klas 4H: schoolinformatie van" in shown.output
    assert "projectweek begint maandag" in shown.output
    out = tmp_path / "voorbeeld.html"
    runner.invoke(cli, ["digest", "preview", "console:klas", "--out", str(out), "-c", str(config)])
    page = out.read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>") and "projectweek begint maandag" in page

    # The confirmation link in the (file) mail confirms through the same code the endpoint uses.
    sent = runner.invoke(cli, ["digest", "send-now", "console:klas", "--deliver",
                               "-c", str(config)])
    assert "0 digest mail(s) queued, 1 delivered" in sent.output  # nobody confirmed yet
    [confirm] = eml_files(tmp_path)
    assert confirm["To"] == "lotte@example.org"
    body = confirm.get_body(("plain",)).get_content()
    token = body.split("/digest/confirm?token=")[1].split()[0]
    assert "https://school.example/sw/digest/confirm?token=" in body

    async def confirm_link() -> None:
        from bot.digest.service import DigestService
        from storage.db import Database

        cfg = load_config(config)
        service = DigestService(cfg, Database(cfg.storage.url, keys=TEST_KEYS))
        assert await service.confirm_link(token) is not None
        service.db.close()

    asyncio.run(confirm_link())
    # The message was consumed by the batch without recipients; a new one goes to Lotte.
    queue_message(config, "Vrijdag om 15:00 presentatie in de aula.")
    sent = runner.invoke(cli, ["digest", "send-now", "console:klas", "--deliver",
                               "-c", str(config)])
    assert "1 digest mail(s) queued, 1 delivered" in sent.output, sent.output
    digest = [m for m in eml_files(tmp_path) if "schoolinformatie" in m["Subject"]]
    assert len(digest) == 1
    assert "presentatie in de aula" in digest[0].get_body(("plain",)).get_content()
    removed = runner.invoke(cli, ["digest", "remove", "console:klas", "lotte@example.org",
                                  "-c", str(config)])
    assert "unsubscribed" in removed.output
    listed = runner.invoke(cli, ["digest", "list", "console:klas", "-c", str(config)])
    assert "unsubscribed" in listed.output
