"""The same storage tests on every database the school may choose: SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlmodel import select

from adapters.mail import MemoryBackend
from bot.bootstrap import build_app
from core.events import MessageEvent, Role, Sender
from storage.db import Database
from storage.models import ActionRecord, FindingRecord, Member, OutboxItem
from storage.repositories import Repositories
from tests.core_support import WordRule, config
from tests.privacy_support import TEST_KEYS


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'sw.db'}"
    server = request.getfixturevalue("postgres_url")
    name = f"sw_{uuid.uuid4().hex[:12]}"  # a fresh database per test
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server.rsplit("/", 1)[0] + f"/{name}"


def test_migrations_on_a_fresh_database(database_url: str) -> None:
    db = Database(database_url, keys=TEST_KEYS)
    tables = set(inspect(db.engine).get_table_names())
    assert {"groups", "findings", "incidents", "outbox", "audit", "digest_items",
            "subscribers", "image_hashes", "alembic_version"} <= tables
    db.close()
    Database(database_url, keys=TEST_KEYS).close()  # applying again is a no-op


def test_outbox_dedupe_and_update_claims(database_url: str) -> None:
    repos = Repositories(Database(database_url, keys=TEST_KEYS))
    item = {"kind": "alert", "channel": "console:x", "payload": {"text": "é €"}}
    assert repos.outbox.enqueue(OutboxItem(dedupe_key="k", **item))
    assert not repos.outbox.enqueue(OutboxItem(dedupe_key="k", **item))
    assert repos.outbox.list()[0].payload == {"text": "é €"}
    assert repos.state.claim_update("telegram", "7")
    assert not repos.state.claim_update("telegram", "7")
    repos.db.close()


async def test_the_pipeline_records_a_finding(database_url: str, tmp_path: Path) -> None:
    cfg = config(tmp_path).model_copy(update={"storage": config(tmp_path).storage.model_copy(
        update={"url": database_url})})
    app = build_app(cfg, mail=MemoryBackend(), adapters=[], policies=[WordRule()])
    try:
        await app.directory.sync_config()
        event = MessageEvent(platform="console", group_id="klas", message_id="1",
                             sender=Sender("s1", "Sanne", Role.STUDENT), text="rotzak")
        decision = await app.on_message(event)
        assert decision.verdict.flags == ["harassment"]
        with app.db.session() as s:
            assert s.exec(select(FindingRecord)).one().text == "rotzak"
    finally:
        await app.stop()


def test_findings_members_and_actions_stored_in_one_statement_each(database_url: str) -> None:
    """The hot path (Core inserts, member upsert) keeps what the ORM version kept."""
    repos = Repositories(Database(database_url, keys=TEST_KEYS))

    def finding(message_id: str) -> FindingRecord:
        return FindingRecord(group_key="console:k", message_id=message_id, member_id="s1",
                             policy="harassment", flag="harassment", article="A.10",
                             severity=2, score=0.9, evidence="'sukkel'")

    first = repos.findings.record([finding("1"), finding("1")], role="student",
                                  display_name="Sanne")
    assert len(set(first)) == 2
    # The same member again: role and last seen refreshed, a missing name keeps the known one.
    again = repos.findings.record([finding("2")], role="teacher", display_name=None)
    assert again[0] not in first
    with repos.db.session() as s:
        member = s.exec(select(Member)).one()
        assert (member.role, member.display_name) == ("teacher", "Sanne")
        assert member.last_seen >= member.first_seen
        assert [f.id for f in s.exec(select(FindingRecord).order_by(FindingRecord.id))] == [
            *first, *again]
    repos.actions.add_many([
        ActionRecord(group_key="console:k", message_id="1", member_id="s1", action=a,
                     article="A.10", observe=False, ok=True)
        for a in ("delete", "warn")
    ])
    assert [a.action for a in repos.actions.for_group("console:k")] == ["delete", "warn"]
    repos.db.close()


def test_sealed_rows_lookup_and_rotation_on_every_database(database_url: str) -> None:
    """Encryption at rest is transparent on both databases: lookups by member, JSON columns,
    the raw rows unreadable, and re-sealing under a new key keeps everything."""
    from datetime import timedelta

    from bot.config import RetentionSettings
    from bot.privacy import purge
    from core.clock import now_utc
    from storage.crypto import KeyRing
    from storage.models import Incident
    from storage.sealing import reseal_all, unlock

    keys = KeyRing.generate()
    db = Database(database_url)
    unlock(db, keys)
    repos = Repositories(db)
    repos.findings.record([{"group_key": "g", "message_id": "1", "member_id": "@sanne:school.nl",
                            "policy": "harassment", "flag": "harassment", "article": "A.10",
                            "severity": 3, "score": 1.0, "evidence": "scheldwoord",
                            "text": "Sanne is een sukkel"}], role="student", display_name="Sanne")
    with db.session() as s:
        s.add(Incident(group_key="g", members=["@sanne:school.nl"],
                       context=[{"sender_name": "Sanne", "text": "sukkel"}]))
        old = now_utc() - timedelta(days=400)
        s.add(OutboxItem(dedupe_key="old", kind="mail", channel="mail:ouder@example.org",
                         payload={"text": "oud"}, status="sent", created_at=old))
        s.add(OutboxItem(dedupe_key="new", kind="mail", channel="mail:ouder@example.org",
                         payload={"text": "nieuw"}, status="sent"))
        s.commit()
    with db.engine.connect() as conn:
        raw = " ".join(str(r) for r in conn.execute(text(
            "SELECT f.member_id, f.text, m.display_name, i.context FROM findings f, members m, "
            "incidents i")))
    assert "Sanne" not in raw and "sukkel" not in raw and "sanne" not in raw
    assert [f.text for f in repos.findings.for_member("@sanne:school.nl")] == ["Sanne is een sukkel"]
    assert repos.members.get("g", "@sanne:school.nl").display_name == "Sanne"
    # Rotation: everything re-sealed under the new key, still found by member.
    db.set_keys(keys.rotated())
    reseal_all(db)
    db.set_keys(db.keys.current_only())
    assert [f.text for f in repos.findings.for_member("@sanne:school.nl")] == ["Sanne is een sukkel"]
    with db.session() as s:
        assert s.exec(select(Incident)).first().context[0]["text"] == "sukkel"
    # The purge deletes what is due and keeps fresh data.
    counts = purge(db, RetentionSettings(outbox_days=30))
    assert counts["outbox"] == 1
    assert [o.dedupe_key for o in repos.outbox.list()] == ["new"]
    assert repos.findings.for_member("@sanne:school.nl")  # 180 days not yet passed
    db.close()
