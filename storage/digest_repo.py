"""Storage of the B.3 e-mail digest: subscribers, queued items, and the one transaction that turns
queued items into outbox mails.

Why items are deleted when composed: once a digest is in the outbox (which holds the rendered mail),
the item is no longer needed, so keeping it would only keep what people wrote for longer (data
minimisation). Deleting the items, bumping the group's batch number and enqueuing every subscriber's
mail happen in ONE transaction, so a crash leaves either the queued items (composed again later) or
the mails (sent by the outbox), never both and never neither.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import col, select

from core.clock import now_utc
from storage.db import Database
from storage.models import AdapterState, DigestItem, FindingRecord, OutboxItem, Subscriber
from storage.repositories import older_than

STATES = ("pending", "confirmed", "unsubscribed", "bouncing")
SECRET_KEY = "digest.secret"


def fingerprint(item: DigestItem) -> str:
    """What a rendered item looked like, to notice an edit between rendering and committing."""
    data = json.dumps([item.text, item.reply_to_text, item.important, item.attachments],
                      sort_keys=True, default=str)
    return hashlib.sha256(data.encode()).hexdigest()


def batch_key(group_key: str) -> str:
    return f"digest.batch:{group_key}"


class DigestRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- subscribers ----------------------------------------------------------------------------
    def subscribe(self, group_key: str, email: str) -> tuple[Subscriber, bool]:
        """Add an address as pending; True when a confirmation mail should go out (new, or
        coming back after an unsubscribe or bounce). A confirmed address stays confirmed."""
        email = email.strip().lower()
        with self.db.session() as s:
            row = s.exec(select(Subscriber).where(Subscriber.group_key == group_key,
                                                  Subscriber.email == email)).first()
            if row is not None and row.state == "confirmed":
                return row, False
            if row is None:
                row = Subscriber(group_key=group_key, email=email)
            row.state = "pending"
            row.confirmed_at = None
            row.last_error = None
            s.add(row)
            s.commit()
            s.refresh(row)
            return row, True

    def get(self, subscriber_id: int) -> Subscriber | None:
        with self.db.session() as s:
            return s.get(Subscriber, subscriber_id)

    def find(self, group_key: str, email: str) -> Subscriber | None:
        email = email.strip().lower()
        with self.db.session() as s:
            return s.exec(select(Subscriber).where(Subscriber.group_key == group_key,
                                                   Subscriber.email == email)).first()

    def list(self, group_key: str | None = None, state: str | None = None) -> list[Subscriber]:
        with self.db.session() as s:
            query = select(Subscriber).order_by(Subscriber.group_key, Subscriber.email)
            if group_key:
                query = query.where(Subscriber.group_key == group_key)
            if state:
                query = query.where(Subscriber.state == state)
            return list(s.exec(query))

    def set_state(self, subscriber_id: int, state: str, error: str | None = None) -> bool:
        """Change a subscriber's state; False when there is no such subscriber."""
        assert state in STATES
        with self.db.session() as s:
            row = s.get(Subscriber, subscriber_id)
            if row is None:
                return False
            row.state = state
            if state == "confirmed" and row.confirmed_at is None:
                row.confirmed_at = now_utc()
            row.last_error = error[:300] if error else None
            s.add(row)
            s.commit()
            return True

    def purge_subscribers(self, days: int) -> int:
        """Forget addresses that left (unsubscribed) or never confirmed, after ``days``."""
        cutoff = older_than(days)
        with self.db.session() as s:
            result = s.execute(delete(Subscriber).where(
                col(Subscriber.state).in_(("pending", "unsubscribed")),
                col(Subscriber.created_at) < cutoff))
            s.commit()
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    # --- items ----------------------------------------------------------------------------------
    def item(self, group_key: str, message_id: str) -> DigestItem | None:
        with self.db.session() as s:
            return s.exec(select(DigestItem).where(DigestItem.group_key == group_key,
                                                   DigestItem.message_id == message_id)).first()

    def put_item(self, item: DigestItem) -> DigestItem | None:
        """Queue a message, or replace the text of a queued one (an edit). Returns None when the
        message was withdrawn earlier or has findings: a flagged message is never mirrored."""
        with self.db.session() as s:
            flagged = s.exec(select(FindingRecord.id).where(
                FindingRecord.group_key == item.group_key,
                FindingRecord.message_id == item.message_id, col(FindingRecord.severity) > 0)
            ).first()
            row = s.exec(select(DigestItem).where(DigestItem.group_key == item.group_key,
                                                  DigestItem.message_id == item.message_id)).first()
            if flagged is not None or (row is not None and row.withdrawn):
                return None
            if row is None:
                row = item
            else:
                row.text = item.text
                row.attachments = item.attachments
                row.reply_to_text = item.reply_to_text or row.reply_to_text
                row.important = row.important or item.important
                row.edited_at = item.edited_at or row.edited_at
            s.add(row)
            s.commit()
            s.refresh(row)
            return row

    def withdraw(self, group_key: str, message_id: str) -> None:
        """Never mail this message: keep a tombstone without its content, so a later edit of the
        same message cannot bring it back."""
        with self.db.session() as s:
            row = s.exec(select(DigestItem).where(DigestItem.group_key == group_key,
                                                  DigestItem.message_id == message_id)).first()
            if row is None:
                row = DigestItem(group_key=group_key, message_id=message_id, sender_name="",
                                 sender_role="", text="")
            row.withdrawn = True
            row.text = ""
            row.reply_to_text = None
            row.attachments = []
            s.add(row)
            s.commit()

    def withdraw_flagged(self, group_key: str) -> int:
        """Withdraw queued items whose message got a finding after it was queued (any path)."""
        with self.db.session() as s:
            flagged = select(FindingRecord.message_id).where(FindingRecord.group_key == group_key,
                                                             col(FindingRecord.severity) > 0)
            result = s.execute(update(DigestItem).where(
                DigestItem.group_key == group_key, col(DigestItem.withdrawn).is_(False),
                col(DigestItem.message_id).in_(flagged))
                .values(withdrawn=True, text="", reply_to_text=None, attachments=[]))
            s.commit()
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def mark_important(self, group_key: str, message_id: str) -> DigestItem | None:
        with self.db.session() as s:
            row = s.exec(select(DigestItem).where(DigestItem.group_key == group_key,
                                                  DigestItem.message_id == message_id)).first()
            if row is None or row.withdrawn:
                return None
            row.important = True
            s.add(row)
            s.commit()
            return row

    def pending(self, group_key: str, *, important_only: bool = False,
                ids: Sequence[int] | None = None) -> list[DigestItem]:
        with self.db.session() as s:
            query = select(DigestItem).where(DigestItem.group_key == group_key,
                                             col(DigestItem.withdrawn).is_(False))
            if important_only:
                query = query.where(col(DigestItem.important).is_(True))
            if ids is not None:
                query = query.where(col(DigestItem.id).in_(list(ids)))
            return list(s.exec(query.order_by(col(DigestItem.sent_at), col(DigestItem.id))))

    def groups_with_important(self) -> list[str]:
        with self.db.session() as s:
            rows = s.exec(select(DigestItem.group_key).where(
                col(DigestItem.important).is_(True), col(DigestItem.withdrawn).is_(False))
                .distinct())
            return list(rows)

    # --- composing ------------------------------------------------------------------------------
    def next_batch(self, group_key: str) -> int:
        with self.db.session() as s:
            row = s.get(AdapterState, batch_key(group_key))
            return int(row.value) + 1 if row else 1

    def commit_batch(self, group_key: str, batch: int, items: Mapping[int, str],
                     mails: Sequence[dict[str, Any]]) -> bool:
        """Enqueue the mails of one batch and consume its items, atomically.

        ``items`` maps each rendered item's id to its ``fingerprint``. False (nothing changed) when
        another batch was committed meanwhile or an item was withdrawn or edited since rendering:
        the caller renders again from the current items.
        """
        item_ids = list(items)
        with self.db.session() as s:
            state = s.get(AdapterState, batch_key(group_key))
            if (int(state.value) + 1 if state else 1) != batch:
                return False
            rows = list(s.exec(select(DigestItem).where(col(DigestItem.id).in_(list(item_ids)))))
            if len(rows) != len(item_ids) or any(
                    r.withdrawn or fingerprint(r) != items[r.id] for r in rows  # type: ignore[index]
            ):
                return False
            keys = [m["dedupe_key"] for m in mails]
            existing = set(s.exec(select(OutboxItem.dedupe_key)
                                  .where(col(OutboxItem.dedupe_key).in_(keys))))
            now = now_utc()
            for mail in mails:
                if mail["dedupe_key"] not in existing:
                    s.add(OutboxItem(kind="mail", channel=mail["channel"], payload=mail["payload"],
                                     dedupe_key=mail["dedupe_key"], group_key=group_key,
                                     next_attempt_at=now))
            s.execute(delete(DigestItem).where(col(DigestItem.id).in_(list(item_ids))))
            s.merge(AdapterState(key=batch_key(group_key), value=str(batch)))
            s.commit()
            return True

    def enqueue_mail(self, mail: dict[str, Any], group_key: str | None,
                     not_before: datetime | None = None) -> bool:
        with self.db.session() as s:
            if s.exec(select(OutboxItem.id).where(
                    OutboxItem.dedupe_key == mail["dedupe_key"])).first() is not None:
                return False
            s.add(OutboxItem(kind="mail", channel=mail["channel"], payload=mail["payload"],
                             dedupe_key=mail["dedupe_key"], group_key=group_key,
                             next_attempt_at=not_before or now_utc()))
            s.commit()
            return True

    # --- the signing secret ---------------------------------------------------------------------
    def secret(self, generate: Any) -> tuple[str, bool]:
        """The stored signing secret, created once with ``generate()``; True when just created."""
        with self.db.session() as s:
            row = s.get(AdapterState, SECRET_KEY)
            if row is not None:
                return row.value, False
            value = generate()
            s.add(AdapterState(key=SECRET_KEY, value=value))
            s.commit()
            return value, True
