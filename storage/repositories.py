"""Repositories: small, synchronous units of database work.

They run on the database thread (``Database.run``); callers in the event loop await them. Each method
opens its own short transaction, so a crash never leaves half a decision behind.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, delete, func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from core.clock import now_utc
from storage.db import Database
from storage.models import (
    ActionRecord,
    AdapterState,
    AuditEntry,
    FindingRecord,
    Group,
    Member,
    OutboxItem,
    ProcessedUpdate,
)


class GroupRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, key: str) -> Group | None:
        with self.db.session() as s:
            return s.get(Group, key)

    def all(self, approval: str | None = None) -> list[Group]:
        with self.db.session() as s:
            query = select(Group).order_by(Group.key)
            if approval:
                query = query.where(Group.approval == approval)
            return list(s.exec(query))

    def upsert(self, group: Group) -> Group:
        with self.db.session() as s:
            merged = s.merge(group)
            s.commit()
            return merged

    def update(self, key: str, **values: Any) -> Group | None:
        with self.db.session() as s:
            group = s.get(Group, key)
            if group is None:
                return None
            for name, value in values.items():
                setattr(group, name, value)
            s.add(group)
            s.commit()
            return group

    @staticmethod
    def signature(group: Group) -> tuple[Any, ...]:
        """A group row's values in column order (compared with ``signatures``)."""
        return tuple(getattr(group, c.name) for c in Group.__table__.columns)

    def signatures(self) -> dict[str, tuple[Any, ...]]:
        """Every group's values as plain tuples: no ORM objects (building a thousand of them
        held the database thread for 30-80 ms, and every decision waited behind it)."""
        table = Group.__table__
        with self.db.engine.connect() as conn:
            return {row.key: tuple(row) for row in conn.execute(select(*table.columns))}

    def approvals(self) -> dict[str, str]:
        """Every group's approval state, in one narrow query (the running bot polls it)."""
        with self.db.engine.connect() as conn:
            table = Group.__table__
            return {key: approval for key, approval in
                    conn.execute(select(table.c.key, table.c.approval))}

    def overdue_pending(self, now: datetime) -> list[Group]:
        with self.db.session() as s:
            query = select(Group).where(
                Group.approval == "pending",
                col(Group.approval_deadline).is_not(None),
                col(Group.approval_deadline) <= now,
            )
            return list(s.exec(query))


@lru_cache(maxsize=4)
def _member_upsert(dialect: str) -> Any:
    """``INSERT ... ON CONFLICT DO UPDATE`` for a member (SQLite and PostgreSQL both take it),
    built once: constructing the statement cost more than running it."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(Member.__table__)
    return stmt.on_conflict_do_update(
        index_elements=["group_key", "member_id"],
        set_={
            "role": stmt.excluded.role,
            # A message without a display name keeps the one known.
            "display_name": func.coalesce(
                func.nullif(stmt.excluded.display_name, ""), Member.__table__.c.display_name
            ),
            "last_seen": stmt.excluded.last_seen,
        },
    )


def _upsert_member(conn: Connection, group_key: str, member_id: str, role: str,
                   display_name: str | None) -> None:
    """Store a member or refresh it (role, name, last seen) in one statement: the hot path of
    every flagged message, so no SELECT first and no ORM object."""
    now = now_utc()
    conn.execute(_member_upsert(conn.dialect.name), {
        "group_key": group_key, "member_id": member_id, "role": role,
        "display_name": display_name, "first_seen": now, "last_seen": now,
    })


@lru_cache(maxsize=16)
def _insert_statement(table: Any) -> Any:
    """One INSERT per table, built once (a statement's cache key is computed per object)."""
    return table.insert()


@lru_cache(maxsize=16)
def _columns(table: Any) -> tuple[str, ...]:
    """The columns an insert fills (all but the generated id)."""
    return tuple(c.name for c in table.columns if c.name != "id")


Row = Mapping[str, Any]


def _values(record: Any, columns: Sequence[str], now: datetime) -> dict[str, Any]:
    """A record's column values: from a model object, or from a plain mapping (the hot path
    builds those; a SQLModel object costs ~0.3 ms to construct) with ``created_at`` filled in."""
    if isinstance(record, Mapping):
        values = {name: record.get(name) for name in columns}
        if "created_at" in values and values["created_at"] is None:
            values["created_at"] = now
        return values
    return {name: getattr(record, name) for name in columns}


def _insert_rows(conn: Connection, records: Sequence[Any], table: Any) -> list[int]:
    """Insert records (model objects or mappings) with one prepared statement; model objects
    get their ids filled in, as after an ORM flush."""
    columns = _columns(table)
    statement = _insert_statement(table)
    now = now_utc()
    ids = []
    for record in records:
        result = conn.execute(statement, _values(record, columns, now))
        new_id = int(result.inserted_primary_key[0])
        if not isinstance(record, Mapping):
            record.id = new_id
        ids.append(new_id)
    return ids


class MemberRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def upsert(self, group_key: str, member_id: str, role: str, display_name: str | None) -> None:
        with self.db.engine.begin() as conn:
            _upsert_member(conn, group_key, member_id, role, display_name)

    def forget_if_clean(self, group_key: str, member_id: str) -> bool:
        """Delete a member who left and has no findings in that group (data minimisation)."""
        with self.db.session() as s:
            flagged = s.exec(select(FindingRecord.id).where(
                FindingRecord.group_key == group_key, FindingRecord.member_id == member_id)).first()
            if flagged is not None:
                return False
            result = s.execute(delete(Member).where(Member.group_key == group_key,
                                                    Member.member_id == member_id))
            s.commit()
            return bool(result.rowcount)

    def get(self, group_key: str, member_id: str) -> Member | None:
        with self.db.session() as s:
            return s.exec(
                select(Member).where(Member.group_key == group_key, Member.member_id == member_id)
            ).first()


class FindingRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add_many(self, records: Sequence[FindingRecord | Row]) -> list[int]:
        if not records:
            return []
        with self.db.engine.begin() as conn:
            return _insert_rows(conn, records, FindingRecord.__table__)

    def record(self, records: Sequence[FindingRecord | Row], *, role: str,
               display_name: str | None) -> list[int]:
        """Store one message's findings and its sender as a member, in one transaction."""
        first = _values(records[0], ["group_key", "member_id"], now_utc())
        with self.db.engine.begin() as conn:
            _upsert_member(conn, first["group_key"], first["member_id"], role, display_name)
            return _insert_rows(conn, records, FindingRecord.__table__)

    def get(self, finding_id: int) -> FindingRecord | None:
        with self.db.session() as s:
            return s.get(FindingRecord, finding_id)

    def for_member(self, member_id: str, group_key: str | None = None) -> list[FindingRecord]:
        with self.db.session() as s:
            query = select(FindingRecord).where(FindingRecord.member_id == member_id)
            if group_key:
                query = query.where(FindingRecord.group_key == group_key)
            return list(s.exec(query.order_by(FindingRecord.created_at)))

    def for_message(self, group_key: str, message_id: str) -> list[FindingRecord]:
        with self.db.session() as s:
            return list(s.exec(select(FindingRecord).where(
                FindingRecord.group_key == group_key, FindingRecord.message_id == message_id)))

    def link_incident(self, finding_ids: Iterable[int], incident_id: int) -> None:
        ids = list(finding_ids)
        if not ids:
            return
        with self.db.session() as s:
            s.execute(update(FindingRecord).where(col(FindingRecord.id).in_(ids))
                      .values(incident_id=incident_id))
            s.commit()

    def count_by_flag(self) -> dict[str, int]:
        with self.db.session() as s:
            rows = s.execute(select(FindingRecord.flag, func.count()).group_by(FindingRecord.flag))
            return {flag: n for flag, n in rows}


class ActionRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add_many(self, records: Sequence[ActionRecord | Row]) -> None:
        """A batch of the action log in one executemany (no ids needed)."""
        if not records:
            return
        table = ActionRecord.__table__
        columns = _columns(table)
        now = now_utc()
        rows = [_values(r, columns, now) for r in records]
        with self.db.engine.begin() as conn:
            conn.execute(_insert_statement(table), rows)

    def for_group(self, group_key: str) -> list[ActionRecord]:
        with self.db.session() as s:
            return list(s.exec(select(ActionRecord).where(ActionRecord.group_key == group_key)
                               .order_by(col(ActionRecord.id))))


class AuditRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, actor: str, action: str, *, group_key: str | None = None,
            target: str | None = None, detail: dict[str, Any] | None = None) -> None:
        with self.db.session() as s:
            s.add(AuditEntry(actor=actor, action=action, group_key=group_key, target=target,
                             detail=detail or {}))
            s.commit()

    def list(self, group_key: str | None = None, limit: int = 100) -> list[AuditEntry]:
        with self.db.session() as s:
            query = select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(limit)
            if group_key:
                query = query.where(AuditEntry.group_key == group_key)
            return list(s.exec(query))


class OutboxRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def enqueue(self, item: OutboxItem) -> bool:
        """Store an item unless one with the same dedupe key exists. True when newly stored."""
        with self.db.session() as s:
            s.add(item)
            try:
                s.commit()
            except IntegrityError:
                s.rollback()
                return False
            return True

    def due(self, now: datetime, limit: int = 200,
            skip_channels: Iterable[str] = ()) -> list[OutboxItem]:
        with self.db.session() as s:
            query = (select(OutboxItem)
                     .where(OutboxItem.status == "pending", col(OutboxItem.next_attempt_at) <= now)
                     .order_by(col(OutboxItem.id)).limit(limit))
            skip = list(skip_channels)
            if skip:
                query = query.where(col(OutboxItem.channel).not_in(skip))
            return list(s.exec(query))

    def next_due_at(self) -> datetime | None:
        with self.db.session() as s:
            return s.exec(select(func.min(OutboxItem.next_attempt_at))
                          .where(OutboxItem.status == "pending")).first()

    def claim(self, item_id: int) -> bool:
        """Take a pending item for delivery (``sending``); False when someone else has it."""
        with self.db.engine.begin() as conn:
            result = conn.execute(update(OutboxItem).where(
                col(OutboxItem.id) == item_id, col(OutboxItem.status) == "pending")
                .values(status="sending"))
            return bool(result.rowcount)

    def recover(self) -> int:
        """At start-up (one process owns the outbox): items left ``sending`` by a crash become
        pending again, with the interrupted attempt counted (a redo knows it may have happened).

        Alerts held back for the actions they report (never attempted, due later) are due at
        once: the process that would have released them is gone, and an alert still checks
        its actions when it is delivered (it waits while one is pending)."""
        now = now_utc()
        with self.db.engine.begin() as conn:
            result = conn.execute(update(OutboxItem).where(col(OutboxItem.status) == "sending")
                                  .values(status="pending", attempts=OutboxItem.attempts + 1,
                                          last_error="interrupted", next_attempt_at=now))
            conn.execute(update(OutboxItem).where(
                col(OutboxItem.status) == "pending", col(OutboxItem.kind) == "alert",
                col(OutboxItem.attempts) == 0, col(OutboxItem.next_attempt_at) > now)
                .values(next_attempt_at=now))
            return int(result.rowcount or 0)

    def release(self, item_ids: Sequence[int]) -> None:
        """Make held items due now (alerts wait until their actions were carried out)."""
        if not item_ids:
            return
        with self.db.engine.begin() as conn:
            conn.execute(update(OutboxItem).where(col(OutboxItem.id).in_(list(item_ids)),
                                                  col(OutboxItem.status) == "pending")
                         .values(next_attempt_at=now_utc()))

    def mark_sent(self, item_id: int, ref: dict[str, Any] | None) -> None:
        with self.db.session() as s:
            s.execute(update(OutboxItem).where(col(OutboxItem.id) == item_id)
                      .values(status="sent", sent_at=now_utc(), ref=ref, last_error=None))
            s.commit()

    def mark_failed(self, item_id: int, error: str, retry_at: datetime | None, *,
                    count: bool = True) -> None:
        """A failed attempt: retried at ``retry_at`` or dead (None). ``count=False`` for a wait
        that is no failure (an alert waiting for its actions)."""
        with self.db.session() as s:
            item = s.get(OutboxItem, item_id)
            if item is None:
                return
            if count:
                item.attempts += 1
            item.last_error = error[:500]
            if retry_at is None:
                item.status = "dead"
            else:
                item.status = "pending"
                item.next_attempt_at = retry_at
            s.add(item)
            s.commit()

    def requeue(self, item_id: int, *, channel: str) -> None:
        """Send an item elsewhere now (a Telegram group that became a supergroup)."""
        with self.db.engine.begin() as conn:
            conn.execute(update(OutboxItem).where(col(OutboxItem.id) == item_id)
                         .values(channel=channel, status="pending", next_attempt_at=now_utc()))

    def rekey_channel(self, old: str, new: str) -> int:
        """Items still to deliver to ``old`` follow a migrated group to ``new``."""
        with self.db.engine.begin() as conn:
            result = conn.execute(update(OutboxItem).where(
                col(OutboxItem.channel) == old,
                col(OutboxItem.status).in_(("pending", "sending", "dead")))
                .values(channel=new))
            return int(result.rowcount or 0)

    def revive(self, item_ids: Sequence[int] | None = None) -> int:
        """Dead items (the given ones, or all) become pending with a fresh retry horizon."""
        with self.db.engine.begin() as conn:
            query = update(OutboxItem).where(col(OutboxItem.status) == "dead")
            if item_ids is not None:
                query = query.where(col(OutboxItem.id).in_(list(item_ids)))
            now = now_utc()
            result = conn.execute(query.values(status="pending", attempts=0, next_attempt_at=now,
                                               created_at=now))
            return int(result.rowcount or 0)

    def counts(self) -> dict[str, int]:
        with self.db.session() as s:
            rows = s.execute(select(OutboxItem.status, func.count()).group_by(OutboxItem.status))
            return {status: int(n) for status, n in rows}

    def get(self, item_id: int) -> OutboxItem | None:
        with self.db.session() as s:
            return s.get(OutboxItem, item_id)

    def by_key(self, dedupe_key: str) -> OutboxItem | None:
        with self.db.session() as s:
            return s.exec(select(OutboxItem).where(OutboxItem.dedupe_key == dedupe_key)).first()

    def list(self, status: str | None = None, kind: str | None = None,
             limit: int | None = None) -> list[OutboxItem]:
        with self.db.session() as s:
            query = select(OutboxItem).order_by(col(OutboxItem.id))
            if limit is not None:
                query = query.limit(limit)
            if status:
                query = query.where(OutboxItem.status == status)
            if kind:
                query = query.where(OutboxItem.kind == kind)
            return list(s.exec(query))


class StateRepository:
    """Adapter state (offsets, sync tokens) and processed update ids."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, key: str) -> str | None:
        with self.db.session() as s:
            row = s.get(AdapterState, key)
            return row.value if row else None

    def set(self, key: str, value: str) -> None:
        with self.db.session() as s:
            s.merge(AdapterState(key=key, value=value))
            s.commit()

    def claim_update(self, platform: str, update_id: str) -> bool:
        """Record an update id; False if it was already processed (so it is skipped)."""
        with self.db.session() as s:
            if self.db.engine.dialect.name == "sqlite":
                result = s.execute(sqlite_insert(ProcessedUpdate)
                                   .values(platform=platform, update_id=update_id, at=now_utc())
                                   .on_conflict_do_nothing())
                s.commit()
                return bool(result.rowcount)
            s.add(ProcessedUpdate(platform=platform, update_id=update_id))
            try:
                s.commit()
            except IntegrityError:
                s.rollback()
                return False
            return True

    def processed(self, platform: str, update_id: str) -> bool:
        with self.db.session() as s:
            return s.get(ProcessedUpdate, (platform, update_id)) is not None

    def forget_updates_before(self, cutoff: datetime) -> int:
        with self.db.session() as s:
            result = s.execute(delete(ProcessedUpdate).where(col(ProcessedUpdate.at) < cutoff))
            s.commit()
            return int(result.rowcount or 0)


def older_than(days: int, now: datetime | None = None) -> datetime:
    return (now or now_utc()) - timedelta(days=days)


class Repositories:
    """All repositories over one database, built once by the bootstrap."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.groups = GroupRepository(db)
        self.members = MemberRepository(db)
        self.findings = FindingRepository(db)
        self.actions = ActionRepository(db)
        self.audit = AuditRepository(db)
        self.outbox = OutboxRepository(db)
        self.state = StateRepository(db)
        from storage.decisions_repo import DecisionRepository

        self.decisions = DecisionRepository(db)
