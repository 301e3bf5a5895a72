"""The decision of one message, stored in one transaction before anything happens in the group.

``DecisionRepository.commit`` writes, atomically: a marker naming the decision (so a redo after a
crash or a re-delivered update writes nothing twice), the findings and their member, the action log,
and the outbox items that carry the actions out (delete, warning, restriction) and the alerts that
report them. Whatever happens afterwards (a 429, a crash, a restart) the outbox finishes the work.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.clock import now_utc
from storage.db import Database
from storage.models import ActionRecord, FindingRecord, OutboxItem, ProcessedUpdate
from storage.repositories import _insert_rows, _upsert_member

Row = Mapping[str, Any]
DECISION = "decision"  # the platform name of decision markers in processed_updates


@lru_cache(maxsize=8)
def _insert_ignore(dialect: str, table: Any) -> Any:
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(table).on_conflict_do_nothing()


def claim(conn: Connection, platform: str, key: str) -> bool:
    result = conn.execute(_insert_ignore(conn.dialect.name, ProcessedUpdate.__table__),
                          {"platform": platform, "update_id": key, "at": now_utc()})
    return bool(result.rowcount)


def outbox_row(*, kind: str, channel: str, payload: dict[str, Any], dedupe_key: str,
               group_key: str | None, status: str = "pending") -> dict[str, Any]:
    now = now_utc()
    return {"dedupe_key": dedupe_key, "kind": kind, "channel": channel, "payload": payload,
            "status": status, "attempts": 0, "next_attempt_at": now, "last_error": None,
            "ref": None, "group_key": group_key, "created_at": now, "sent_at": None}


class DecisionRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def commit(self, *, key: str, findings: Sequence[Row], member: tuple[str, str, str, str | None]
               | None, actions: Sequence[Row],
               items: Callable[[list[int]], Sequence[dict[str, Any]]]
               ) -> tuple[list[int], dict[str, int]] | None:
        """Store one decision; None when it was stored before (nothing is written then).

        ``items`` builds the outbox rows once the finding ids are known (alert buttons carry them).
        Returns the finding ids and the outbox ids by dedupe key of the rows stored."""
        with self.db.engine.begin() as conn:
            if not claim(conn, DECISION, key):
                return None
            if member is not None and findings:
                _upsert_member(conn, *member)
            ids = _insert_rows(conn, findings, FindingRecord.__table__) if findings else []
            if actions:
                _insert_rows(conn, actions, ActionRecord.__table__)
            rows = list(items(ids))
            if rows:
                conn.execute(_insert_ignore(conn.dialect.name, OutboxItem.__table__), rows)
                keys = [r["dedupe_key"] for r in rows]
                table = OutboxItem.__table__
                found = conn.execute(select(table.c.dedupe_key, table.c.id)
                                     .where(table.c.dedupe_key.in_(keys)))
                return ids, {k: int(i) for k, i in found}
            return ids, {}

    def action_done(self, group_key: str, message_id: str, action: str) -> None:
        """The action log says what really happened: an action is ok once carried out."""
        table = ActionRecord.__table__
        with self.db.engine.begin() as conn:
            conn.execute(update(table).where(table.c.group_key == group_key,
                                             table.c.message_id == message_id,
                                             table.c.action == action).values(ok=True))
