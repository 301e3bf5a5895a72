"""Privacy by design (issue 17), end to end: the real `schoolwacht run` on the example config, fed
a conversation with names, a phone number, insults, an incident, a quiet report and a digest mail;
then the raw database, every file the bot wrote and its log are scanned for what was said."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlmodel import SQLModel

from bot.config import parse_config
from storage.crypto import KeyRing, MissingKeyError, WrongKeyError, open_file
from storage.db import Database
from storage.models import (
    AuditEntry,
    DigestItem,
    FindingRecord,
    Incident,
    Member,
    OutboxItem,
    Subscriber,
)
from storage.sealing import encrypted_columns, unlock
from storage.subjects import Person, find
from tests.core_support import run_console
from tests.privacy_support import keys_in

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "config.example.toml"

CONVERSATION = [
    "/als Jorinde Vermeulen student",
    "Het nummer van Wessel is 06-12345678",
    "/als Floortje Ambachtsheer student",
    "Wie heeft het huiswerk van aardrijkskunde?",
    "/als Kasper Dijkhuis student",
    "Wessel je bent een kankerlijer",
    "Wessel jij bent echt een sukkel",
    "Wessel niemand mag jou, vuile sukkel",
    "/als Wessel Smit student",
    "/antwoord 4 /meld hij scheldt mij al weken uit in de pauze",
    "/als Juf Hendriks teacher",
    "Morgen toets over hoofdstuk drie #belangrijk",
    "/stop",
]
# What was said and who said it: none of it may be readable on disk.
SECRETS = ["Jorinde", "Vermeulen", "Wessel", "Floortje", "Ambachtsheer", "Kasper", "Dijkhuis",
           "Hendriks", "12345678", "kankerlijer", "sukkel", "scheldt mij al weken", "huiswerk",
           "aardrijkskunde", "hoofdstuk drie", "ouder.smit@example.org", "ouder.smit"]


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A `schoolwacht` command as an operator runs it: its own process, a clean environment.
    Relative paths in a config are relative to its folder: a copy keeps var/ and keys/ in cwd."""
    config = cwd / "config.example.toml"
    if not config.exists():
        config.write_bytes(EXAMPLE.read_bytes())
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args, "--config", str(config)],
        capture_output=True, text=True, cwd=cwd, timeout=180,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(cwd)},
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A school server after one conversation: its working folder (var/, keys/)."""
    tmp = tmp_path_factory.mktemp("privacy")
    added = cli(tmp, "digest", "add", "console:3a", "ouder.smit@example.org")
    assert added.returncode == 0, added.stderr
    out = run_console(tmp, CONVERSATION)
    # The conversation really happened: the bot acted on it.
    assert "🗑" in out and "🔔" in out and "Je melding is stil doorgegeven" in out
    return tmp


def written_files(site: Path) -> list[Path]:
    return [p for p in site.rglob("*") if p.is_file() and "keys" not in p.relative_to(site).parts
            and p.name != "config.example.toml"]  # the operator's copy, not written by the bot


def database(site: Path, keys: KeyRing | None = None) -> Database:
    db = Database(f"sqlite:///{site / 'var' / 'schoolwacht.db'}", apply_migrations=False)
    unlock(db, keys or keys_in(site))
    return db


def test_nothing_said_is_readable_in_the_database_the_files_or_the_log(site: Path) -> None:
    files = written_files(site)
    names = {p.name for p in files}
    assert {"schoolwacht.db", "alerts.jsonl", "schoolwacht.log"} <= names
    assert any(n.endswith(".eml.sealed") for n in names)  # confirmation and #belangrijk mails
    found = {}
    for path in files:
        raw = path.read_bytes().lower()
        hits = [s for s in SECRETS if s.lower().encode() in raw]
        if hits:
            found[str(path.relative_to(site))] = hits
    assert found == {}
    # ... while all of it is there for whoever holds the key.
    db = database(site)
    try:
        with db.session() as s:
            texts = [f.text or "" for f in s.exec(select(FindingRecord)).scalars()]
            assert any("06-12345678" in t or "sukkel" in t for t in texts)
            assert s.exec(select(func.count()).select_from(Incident)).one()[0] >= 1
            names = {m.display_name for m in s.exec(select(Member)).scalars()}
            assert "Kasper Dijkhuis" in names
            assert s.exec(select(Subscriber)).scalars().first().email == "ouder.smit@example.org"
    finally:
        db.close()
    alerts = open_file((site / "var" / "alerts" / "alerts.jsonl").read_bytes(), keys_in(site))
    assert b"Kasper Dijkhuis" in alerts


def test_every_file_and_folder_is_private(site: Path) -> None:
    for path in [site / "var", site / "keys", *(site / "var").rglob("*"), *(site / "keys").rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))


def test_the_log_holds_no_text_or_name(site: Path) -> None:
    log = (site / "var" / "schoolwacht.log").read_text("utf-8")
    assert log.strip()  # there is a log ...
    for secret in [*SECRETS, "jorinde-vermeulen", "kasper-dijkhuis"]:
        assert secret.lower() not in log.lower(), secret  # ... without anything said


def test_a_database_with_encrypted_data_refuses_to_start_without_its_key(site: Path,
                                                                         tmp_path: Path) -> None:
    copy = tmp_path / "site"
    shutil.copytree(site / "var", copy / "var")
    result = cli(copy, "groups", "list")
    assert result.returncode == 2
    assert "holds encrypted data but no data key" in result.stderr
    (copy / "keys").mkdir(mode=0o700)
    (copy / "keys" / "data.key").write_text(KeyRing.generate().dump())
    wrong = cli(copy, "groups", "list")
    assert wrong.returncode == 2 and "does not open this database" in wrong.stderr


def test_rotation_keeps_everything_readable(site: Path, tmp_path: Path) -> None:
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    old = keys_in(copy)
    before = snapshot(database(copy))
    result = cli(copy, "privacy", "rotate-key")
    assert result.returncode == 0, result.stderr
    new = keys_in(copy)
    assert new.kids != old.kids and len(new.kids) == 1
    after = snapshot(database(copy, new))
    assert [r for r in after.pop("audit") if "privacy.rotate_key" not in r] == before.pop("audit")
    assert after == before
    with pytest.raises(WrongKeyError):
        database(copy, old)
    # Every stored value names the new key.
    db = Database(f"sqlite:///{copy / 'var' / 'schoolwacht.db'}", apply_migrations=False)
    with db.engine.connect() as conn:
        for table, columns in encrypted_columns().items():
            for column in columns:
                for (value,) in conn.execute(text(f"SELECT {column} FROM {table}")):
                    if value and str(value)[:4] in ("sw1:", "sl1:"):
                        assert str(value)[4:12] == new.kid, (table, column)
    db.close()


def snapshot(db: Database) -> dict[str, list[tuple]]:
    try:
        out = {}
        with db.engine.connect() as conn:
            for table in SQLModel.metadata.sorted_tables:
                rows = conn.execute(select(table)).all()
                out[table.name] = sorted(repr(tuple(r)) for r in rows
                                         if table.name != "adapter_state" or r[0] != "privacy.key_check")
        return out
    finally:
        db.close()


def test_export_finds_the_person_in_every_table_and_file(site: Path, tmp_path: Path) -> None:
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    result = cli(copy, "privacy", "export", "--person", "kasper-dijkhuis")
    assert result.returncode == 0, result.stderr
    paths = [Path(copy / line) if not Path(line).is_absolute() else Path(line)
             for line in result.stdout.split()]
    data = __import__("json").loads(paths[0].read_text("utf-8"))
    # Every table that holds something about him (the action log is written in batches a second
    # after the fact, so a console run that stops at once may not have it yet).
    assert {"members", "findings", "incidents", "outbox", "audit"} <= set(data["tables"])
    assert data["files"] and "alerts.jsonl" in data["files"][0]["path"]
    summary = paths[1].read_text("utf-8")
    assert "Inzageverzoek" in summary and "Kasper Dijkhuis" in summary
    for path in paths:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # The export itself is audited, without contents and without the person's id.
    db = database(copy)
    with db.session() as s:
        entry = s.exec(select(AuditEntry).where(AuditEntry.action == "privacy.export")).scalars().one()
    db.close()
    assert "kasper" not in repr(entry.model_dump()).lower()
    # The subscriber is found by address.
    subscriber = cli(copy, "privacy", "export", "--person", "ouder.smit@example.org")
    assert subscriber.returncode == 0, subscriber.stderr


def test_erase_leaves_only_the_pseudonymised_records(site: Path, tmp_path: Path) -> None:
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    result = cli(copy, "privacy", "erase", "--person", "kasper-dijkhuis", "--yes")
    assert result.returncode == 0, result.stderr
    db = database(copy)
    try:
        person = Person(ids=("kasper-dijkhuis",), names=("Kasper Dijkhuis", "Kasper", "Dijkhuis"))
        assert find(db, person).rows == {}
        with db.session() as s:
            incident = s.exec(select(Incident)).scalars().first()
            assert incident is not None  # the school keeps the incident ...
            assert all(m.startswith("m-") or m != "kasper-dijkhuis" for m in incident.members)
            assert any(m.startswith("m-") for m in incident.members)  # ... pseudonymised
            kept = s.exec(select(FindingRecord).where(
                FindingRecord.member_id.startswith("m-"))).scalars().all()  # type: ignore[union-attr]
            assert kept == [] or all(f.text is None for f in kept)
            assert s.exec(select(DigestItem)).scalars().all() is not None
            assert not [o for o in s.exec(select(OutboxItem)).scalars()
                        if "Kasper" in repr(o.payload)]
            erased = s.exec(select(AuditEntry).where(AuditEntry.action == "privacy.erase")
                            ).scalars().one()
            assert "kasper" not in repr(erased.model_dump()).lower()
    finally:
        db.close()
    alerts = open_file((copy / "var" / "alerts" / "alerts.jsonl").read_bytes(), keys_in(copy))
    assert b"Kasper" not in alerts and b"Dijkhuis" not in alerts


def test_the_register_names_every_encrypted_column_and_says_inference_is_local(
        site: Path) -> None:
    result = cli(site, "privacy", "report")
    assert result.returncode == 0, result.stderr
    report = result.stdout
    assert "Verwerkingsregister" in report and "lokaal" in report
    for table in ("findings", "incidents", "members", "outbox", "audit", "digest_items"):
        assert f"| {table} |" in report
    assert "display_name" in report and "context" in report and "payload" in report
    assert "Mentor 3A" in report and "Vertrouwenspersoon" in report  # who can read it


# --- in-process units -----------------------------------------------------------------------------

def test_sealed_columns_without_a_key_fail_loudly(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'k.db'}")
    try:
        with pytest.raises(Exception) as info, db.session() as s:
            s.add(Member(group_key="g", member_id="m", role="student", display_name="Anna"))
            s.commit()
        assert isinstance(info.value, MissingKeyError) or \
            isinstance(getattr(info.value, "orig", None), MissingKeyError)
    finally:
        db.close()


def test_legacy_plaintext_rows_are_sealed_on_first_start(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'legacy.db'}"
    db = Database(url)
    with db.engine.begin() as conn:  # as an older version wrote it
        conn.execute(text("INSERT INTO findings (group_key, message_id, member_id, policy, flag, "
                          "article, severity, score, evidence, text, created_at) VALUES ('g', '1', "
                          "'anna', 'p', 'harassment', 'A.10', 3, 1.0, 'scheldwoord', "
                          "'Anna is een sukkel', '2026-01-01 00:00:00')"))
    keys = KeyRing.generate()
    assert unlock(db, keys) is True
    with db.engine.connect() as conn:
        raw = conn.execute(text("SELECT member_id, text FROM findings")).one()
    assert raw[0].startswith("sl1:") and raw[1].startswith("sw1:")
    with db.session() as s:
        finding = s.exec(select(FindingRecord).where(FindingRecord.member_id == "anna")
                         ).scalars().one()
    assert finding.text == "Anna is een sukkel"
    db.close()
    assert b"sukkel" not in (tmp_path / "legacy.db").read_bytes()


def test_install_secret_and_key_are_generated_private_and_never_constant(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.escalation.texts import pseudonym
    from bot.keys import derived, install_secret, open_database

    monkeypatch.delenv("SCHOOLWACHT_DATA_KEY")
    monkeypatch.delenv("SCHOOLWACHT_SECRET")
    monkeypatch.chdir(tmp_path)
    config = parse_config({"storage": {"url": f"sqlite:///{tmp_path / 'var' / 'a.db'}"}})
    first = install_secret(config)
    assert install_secret(config) == first  # generated once, then read
    for path in (tmp_path / "keys" / "secret",):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    open_database(config).close()
    assert stat.S_IMODE((tmp_path / "keys" / "data.key").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    # Another install gets another secret, so pseudonyms differ between schools.
    (tmp_path / "keys" / "secret").unlink()
    second = install_secret(config)
    assert second != first
    assert pseudonym("123", derived(first, "log pseudonyms")) != \
        pseudonym("123", derived(second, "log pseudonyms"))


def test_files_are_private_whatever_the_umask(tmp_path: Path) -> None:
    from core.files import open_private, private_folder, write_private

    old = os.umask(0o022)
    try:
        write_private(tmp_path / "a" / "b" / "f.txt", "x")
        with open_private(tmp_path / "c" / "log.txt") as fh:
            fh.write("y")
        private_folder(tmp_path / "d")
    finally:
        os.umask(old)
    for path in (tmp_path / "a", tmp_path / "a" / "b", tmp_path / "c", tmp_path / "d"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700
    for path in (tmp_path / "a" / "b" / "f.txt", tmp_path / "c" / "log.txt"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_sealed_values_are_bound_to_their_column() -> None:
    keys = KeyRing.generate()
    token = keys.seal("Anna", "members.display_name")
    assert keys.open(token, "members.display_name") == "Anna"
    with pytest.raises(WrongKeyError):
        keys.open(token, "findings.text")
    assert keys.lookup("anna") == keys.lookup("anna") != keys.lookup("anne")
    assert keys.reveal(keys.lookup("anna")) == "anna"


# --- minimisation ---------------------------------------------------------------------------------

def test_findings_keep_masked_text_only_where_the_evidence_needs_it() -> None:
    from bot.minimise import evidence_text

    said = "Bel Wessel op 06-12345678 of mail wessel.smit@gmail.com, die sukkel"
    kept = evidence_text(said, ["harassment"])
    assert kept is not None and "sukkel" in kept and "Wessel" in kept
    assert "12345678" not in kept and "gmail" not in kept and "[telefoonnummer]" in kept
    assert evidence_text(said, ["personal_data"]) == kept
    assert evidence_text(said, ["forwarded_private"]) is None  # the evidence line is enough
    assert evidence_text(said, ["leaked_screenshot", "lesson_recording"]) is None
    assert evidence_text(None, ["harassment"]) is None


async def test_incident_keeps_bystanders_only_as_a_count(tmp_path: Path) -> None:
    from core.events import Role, Sender
    from tests.escalation_support import ALEX, KIM, NOOR, SAM, config, start

    floor = Sender("floor", "Floortje", Role.STUDENT)
    h = await start(config(tmp_path), tmp_path)
    try:
        kim_msg, _ = await h.say(KIM, "Heeft iemand de sommen van paragraaf 3?", minute=0)
        await h.say(floor, "Ik ga zo naar de bieb, iemand mee?", minute=0)
        await h.say(SAM, "[[plaag]] jij weer", minute=1, reply_to=(kim_msg, KIM))
        await h.say(ALEX, "[[plaag]] haha ja", minute=2, reply_to=(kim_msg, KIM))
        await h.say(NOOR, "[[plaag]] @kim niemand vraagt het jou", minute=3)
        with h.app.db.session() as s:
            (incident,) = s.exec(select(Incident)).scalars().all()
        bystanders = [e for e in incident.context if e.get("bystander")]
        assert len(bystanders) == 1
        assert set(bystanders[0]) == {"message_id", "at", "flagged", "bystander"}
        assert "Floortje" not in repr(incident.context) and "bieb" not in repr(incident.context)
        # Kim, the target, keeps her question: she is involved, not a bystander.
        assert any(e.get("sender_name") == "Kim" and not e["flagged"] for e in incident.context)
    finally:
        await h.app.stop()


async def test_a_moderator_can_keep_a_bystanders_message(tmp_path: Path) -> None:
    from core.events import Role, Sender
    from tests.escalation_support import ALEX, KIM, NOOR, SAM, config, start

    floor = Sender("floor", "Floortje", Role.STUDENT)
    h = await start(config(tmp_path), tmp_path)
    try:
        kim_msg, _ = await h.say(KIM, "Heeft iemand de sommen van paragraaf 3?", minute=0)
        seen, _ = await h.say(floor, "Laat Kim met rust jongens", minute=0)
        await h.say(SAM, "[[plaag]] jij weer", minute=1, reply_to=(kim_msg, KIM))
        await h.say(ALEX, "[[plaag]] haha ja", minute=2, reply_to=(kim_msg, KIM))
        await h.say(NOOR, "[[plaag]] @kim niemand vraagt het jou", minute=3)
        with h.app.db.session() as s:
            (incident,) = s.exec(select(Incident)).scalars().all()
        assert await h.app.escalation.keep_message(incident.id, seen)
        with h.app.db.session() as s:
            (incident,) = s.exec(select(Incident)).scalars().all()
        kept = [e for e in incident.context if e.get("keep")]
        assert [e["text"] for e in kept] == ["Laat Kim met rust jongens"]
        assert not [e for e in incident.context if e.get("bystander")]
    finally:
        await h.app.stop()
