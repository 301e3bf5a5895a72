"""Storage: migrations on a fresh database, WAL mode, retention purge, update claims."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import inspect, text
from sqlmodel import select

from bot.config import RetentionSettings
from bot.privacy import purge
from core.clock import now_utc
from storage.db import Database, redact_url
from storage.models import FindingRecord, Incident, OutboxItem
from storage.repositories import Repositories
from tests.privacy_support import TEST_KEYS


def test_migrations_create_every_table_in_wal_mode(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'a.db'}", keys=TEST_KEYS)
    tables = set(inspect(db.engine).get_table_names())
    assert {"groups", "members", "findings", "incidents", "actions", "outbox", "audit",
            "processed_updates", "digest_items", "subscribers", "feedback",
            "image_hashes"} <= tables
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    db.close()
    # A second start on the same file applies nothing twice.
    Database(f"sqlite:///{tmp_path / 'a.db'}", keys=TEST_KEYS).close()


def test_database_urls_are_logged_without_password() -> None:
    assert "geheim" not in redact_url("postgresql://sw:geheim@db.school.nl/sw")


def test_purge_removes_only_expired_rows(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'p.db'}", keys=TEST_KEYS)
    old = now_utc() - timedelta(days=400)
    with db.session() as s:
        s.add(FindingRecord(group_key="g", message_id="1", member_id="m", policy="p", flag="f",
                            article="A.10", severity=2, score=0.9, evidence="e", text="oud",
                            created_at=old))
        s.add(FindingRecord(group_key="g", message_id="2", member_id="m", policy="p", flag="f",
                            article="A.10", severity=2, score=0.9, evidence="e", text="nieuw"))
        s.add(Incident(group_key="g", status="open", created_at=old))
        s.add(Incident(group_key="g", status="resolved", created_at=old - timedelta(days=800)))
        s.add(OutboxItem(dedupe_key="a", kind="alert", channel="console:x", status="pending",
                         created_at=old))
        s.add(OutboxItem(dedupe_key="b", kind="alert", channel="console:x", status="sent",
                         created_at=old))
        s.commit()
    counts = purge(db, RetentionSettings())
    assert counts["findings"] == 1 and counts["incidents"] == 1 and counts["outbox"] == 1
    with db.session() as s:
        assert [f.text for f in s.exec(select(FindingRecord)).all()] == ["nieuw"]
        assert [i.status for i in s.exec(select(Incident)).all()] == ["open"]  # open is kept
        assert [o.dedupe_key for o in s.exec(select(OutboxItem)).all()] == ["a"]  # undelivered kept
    db.close()


def test_an_update_is_claimed_once(tmp_path: Path) -> None:
    repos = Repositories(Database(f"sqlite:///{tmp_path / 'u.db'}", keys=TEST_KEYS))
    assert repos.state.claim_update("telegram", "100")
    assert not repos.state.claim_update("telegram", "100")
    assert repos.state.claim_update("matrix", "100")
    repos.state.set("telegram.offset", "101")
    assert repos.state.get("telegram.offset") == "101"
    repos.db.close()
