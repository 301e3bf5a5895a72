"""Data minimisation on schedule: rows older than their retention are deleted every night."""

from __future__ import annotations

import logging

from sqlalchemy import delete
from sqlmodel import col

from bot.config import RetentionSettings
from storage.db import Database
from storage.models import (
    ActionRecord,
    AuditEntry,
    DigestItem,
    Feedback,
    FindingRecord,
    ImageHash,
    Incident,
    OutboxItem,
    ProcessedUpdate,
)
from storage.repositories import older_than

log = logging.getLogger(__name__)


def purge(db: Database, retention: RetentionSettings) -> dict[str, int]:
    """Delete expired rows; returns counts per table (logged, no contents)."""
    plan = [
        (FindingRecord, FindingRecord.created_at, retention.findings_days),
        (ActionRecord, ActionRecord.created_at, retention.findings_days),
        (Feedback, Feedback.at, retention.findings_days),
        (ImageHash, ImageHash.created_at, retention.findings_days),
        (Incident, Incident.created_at, retention.incidents_days),
        (DigestItem, DigestItem.sent_at, retention.digest_days),
        (OutboxItem, OutboxItem.created_at, retention.outbox_days),
        (ProcessedUpdate, ProcessedUpdate.at, 7),
        (AuditEntry, AuditEntry.at, retention.audit_days),
    ]
    counts: dict[str, int] = {}
    with db.session() as s:
        for model, column, days in plan:
            query = delete(model).where(col(column) < older_than(days))
            if model is OutboxItem:
                query = query.where(col(OutboxItem.status).in_(("sent", "dead")))
            if model is Incident:  # an open incident is kept until it is resolved
                query = query.where(col(Incident.status) == "resolved")
            result = s.execute(query)
            counts[model.__tablename__] = int(result.rowcount or 0)  # type: ignore[attr-defined]
        s.commit()
    log.info("privacy purge done", extra={"deleted": sum(counts.values())})
    return counts
