"""`schoolwacht incidents`: the dossier export (HTML, JSON, PDF) and the offline commands, on a
database filled by a real conversation through the real app."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.config import load_config
from storage.db import Database
from storage.models import AuditEntry, Incident, OutboxItem
from tests.escalation_support import ALEX, KIM, MENTOR, NOOR, SAM, start
from tests.privacy_support import TEST_KEYS

CONFIG = """
[storage]
url = "sqlite:///{db}"

[mail]
backend = "memory"
from_address = "schoolwacht@school.test"

[adapters.console]
enabled = false

[school]
name = "CSG Test"

[[school.team_leaders]]
name = "Teamleider"
channels = ["matrix:!team:school.test"]

[[school.leadership]]
name = "Directie"
channels = ["telegram:900"]

[school.confidential_adviser]
name = "Vertrouwenspersoon"
channels = ["telegram:700"]

[[groups]]
id = "telegram:-100"
kind = "class"
title = "Klas 2B"

[[groups.moderators]]
name = "Mentor"
channels = ["telegram:800"]
"""


async def conversation(config_path: Path, tmp_path: Path) -> None:
    h = await start(load_config(config_path), tmp_path)
    try:
        first, _ = await h.say(KIM, "Wie heeft de aantekeningen van biologie?", minute=0)
        await h.say(SAM, "[[plaag]] vraag het lekker zelf", minute=1, reply_to=(first, KIM))
        await h.say(ALEX, "[[plaag]] ja doe normaal", minute=2, reply_to=(first, KIM))
        await h.say(NOOR, "[[plaag]] niemand helpt jou", minute=3, reply_to=(first, KIM))
        later, _ = await h.say(SAM, "dat was een grapje", minute=4)
        await h.command(KIM, "meld", "hij", "stuurt", "dit", "elke", "dag", reply_to=(later, SAM))
        await h.command(MENTOR, "ack", "1")
        await h.command(MENTOR, "notitie", "1", "Met de klas besproken")
        await h.command(MENTOR, "besluit", "1", "1", "waarschuwing", "eerste", "keer")
        await h.deliver()
    finally:
        await h.app.stop()


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("dossier")
    path = tmp / "schoolwacht.toml"
    path.write_text(CONFIG.format(db=tmp / "sw.db"), "utf-8")
    asyncio.run(conversation(path, tmp))
    return path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes else "")


def test_incident_export_renders_html_and_json(filled: Path, tmp_path: Path) -> None:
    code, output = run("incidents", "export", "1", "--out", str(tmp_path), "-c", str(filled))
    assert code == 0, output
    html = (tmp_path / "dossier-incident-1.html").read_text("utf-8")
    assert "<h1>Dossier incident #1</h1>" in html
    assert "Klas 2B" in html and "groepje tegen één" in html
    assert "artikel A.10: geen pesten" in html
    # The context: Kim's question (not flagged) and the three flagged replies, escaped and marked.
    assert "Wie heeft de aantekeningen van biologie?" in html
    assert html.count('<tr class="flagged">') == 3
    assert "niemand helpt jou" in html
    assert "incident.ack" in html and "incident.note" in html and "Met de klas besproken" in html
    assert "een waarschuwing" in html and "eerste keer" in html  # the recorded decision
    assert "Mevrouw de Vries" in html
    data = json.loads((tmp_path / "dossier-incident-1.json").read_text("utf-8"))
    (incident,) = data["incidents"]
    assert incident["id"] == 1 and incident["status_code"] == "acknowledged"
    assert {m["name"] for m in incident["members"]} == {"Sam", "Alex", "Noor", "Kim"}
    assert [c["flagged"] for c in incident["context"]] == [False, True, True, True]
    assert incident["decisions"][0]["step"] == "een waarschuwing"


def test_student_dossier_hides_the_reporter_and_the_other_students(filled: Path,
                                                                   tmp_path: Path) -> None:
    out = tmp_path / "sam.html"
    code, output = run("incidents", "export", "--student", "sam", "--format", "html",
                       "--out", str(out), "-c", str(filled))
    assert code == 0, output
    html = out.read_text("utf-8")
    assert "Dossier van Sam" in html and "#1 · Klas 2B" in html
    # The quiet report about Sam is the confidential adviser's alone: not in anyone's dossier.
    assert "#2 · Klas 2B" not in html and "hij stuurt dit elke dag" not in html
    for other in ("Kim", "Alex", "Noor"):
        assert other not in html
    assert "Leerling A" in html and "Leerling B" in html
    assert "Sanctieladder: Sam" in html
    code, _ = run("incidents", "export", "--student", "sam", "--format", "html", "--out",
                  str(tmp_path / "named.html"), "--show-others", "-c", str(filled))
    named = (tmp_path / "named.html").read_text("utf-8")
    assert code == 0 and "Alex" in named and "Noor" in named
    assert "Kim" in named  # as the target of the pile-on, never as the reporter
    assert "Melding: Kim" not in named and "hij stuurt dit elke dag" not in named


def test_quiet_reports_stay_out_of_cli_lists_and_exports(filled: Path, tmp_path: Path) -> None:
    code, listed = run("incidents", "list", "-c", str(filled))
    assert code == 0 and "#1\t" in listed and "#2\t" not in listed
    assert "1 stille melding(en) niet getoond" in listed
    for args in (["export", "2", "--out", str(tmp_path)], ["resolve", "2", "--yes"],
                 ["ack", "2"], ["note", "2", "gezien"]):
        code, output = run("incidents", *args, "-c", str(filled))
        assert code == 1 and "Nothing was changed" in output, (args, output)
    assert not list(tmp_path.glob("dossier-*"))


def test_pdf_export(filled: Path, tmp_path: Path) -> None:
    out = tmp_path / "incident.pdf"
    code, output = run("incidents", "export", "1", "--format", "pdf", "--out", str(out),
                       "-c", str(filled))
    assert code == 0, output
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 2000


def test_offline_commands(filled: Path, tmp_path: Path) -> None:
    code, output = run("incidents", "list", "-c", str(filled))
    assert code == 0
    lines = output.splitlines()
    assert lines[0].startswith("#1\tacknowledged") and "4 betrokken" in lines[0]
    assert "stille melding" in lines[1]  # the quiet report #2 is the adviser's
    code, output = run("incidents", "list", "--adviser", "-c", str(filled))
    assert code == 0 and output.splitlines()[0].startswith("#2\topen")
    code, output = run("incidents", "export", "99", "-c", str(filled))
    assert code == 1 and "does not exist" in output
    code, output = run("incidents", "ladder", "sam", "-c", str(filled))
    assert code == 0 and "besloten: een waarschuwing" in output

    code, output = run("incidents", "ack", "2", "--by", "Vertrouwenspersoon", "--adviser",
                       "-c", str(filled))
    assert code == 0, output
    code, output = run("incidents", "resolve", "1", "--false-alarm", "--note", "toch een spel",
                       "--by", "Mentor", "--yes", "-c", str(filled))
    assert code == 0 and "vals alarm" in output
    code, _ = run("incidents", "resolve", "1", "-c", str(filled))
    assert code == 1
    db = Database(load_config(filled).storage.url, keys=TEST_KEYS)
    try:
        with db.session() as s:
            rows = {i.id: i for i in s.exec(select(Incident))}
            edits = list(s.exec(select(OutboxItem).where(OutboxItem.kind == "edit")))
            exports = list(s.exec(select(AuditEntry).where(
                AuditEntry.action == "dossier.export")))
        assert rows[2].status == "acknowledged" and rows[2].assignee == "Vertrouwenspersoon"
        assert rows[1].status == "resolved"
        # The running bot will deliver these edits to the alerts already sent.
        assert any(e.channel == "telegram:700" for e in edits)
        assert any("Vals alarm" in e.payload["text"] for e in edits)
        assert {e.target for e in exports} >= {"incident:1", "member:sam"}
    finally:
        db.close()
