"""Incidents, their audit trail and the per-member history behind the sanction ladder.

Like the core repositories: small synchronous units of work that run on the database thread. Notes,
sanction decisions and status changes are audit entries (``AuditEntry``) that name the incident as
``incident:<id>`` or the member as ``member:<id>``, so the trail is one table with one retention.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy import select as sa_select
from sqlmodel import col, or_, select

from core.clock import now_utc
from storage.db import Database
from storage.models import AuditEntry, FindingRecord, Incident, OutboxItem

ACTIVE = ("open", "acknowledged")


@dataclass(frozen=True, slots=True)
class Offence:
    """A flagged message that counts for the sanction ladder."""

    group_key: str
    message_id: str
    severity: int
    created_at: datetime


def incident_target(incident_id: int) -> str:
    return f"incident:{incident_id}"


def member_target(member_id: str) -> str:
    return f"member:{member_id}"


_FINDINGS = FindingRecord.__table__.c
_INCIDENTS = Incident.__table__.c
# Statements of the per-message path, built once (see ``offences``).
_OFFENCES = (
    sa_select(_FINDINGS.group_key, _FINDINGS.message_id, _FINDINGS.severity, _FINDINGS.created_at)
    .where(
        _FINDINGS.member_id == bindparam("member"),
        _FINDINGS.created_at >= bindparam("since"),
        _FINDINGS.severity >= bindparam("minimum"),
        or_(_FINDINGS.feedback.is_(None), _FINDINGS.feedback != "wrong"),
    )
    .order_by(_FINDINGS.created_at)
)
_ACTIVE_INCIDENT = (
    sa_select(_INCIDENTS.id)
    .where(
        _INCIDENTS.group_key == bindparam("group"),
        _INCIDENTS.status.in_(ACTIVE),
        _INCIDENTS.confidential == False,  # noqa: E712
        _INCIDENTS.updated_at >= bindparam("since"),
    )
    .order_by(_INCIDENTS.id.desc())
    .limit(1)
)
_DECISIONS = (
    sa_select(AuditEntry)
    .where(col(AuditEntry.action) == "sanction.decision",
           col(AuditEntry.target) == bindparam("target"))
    .order_by(col(AuditEntry.id))
)
_ANY_DECISION = (
    sa_select(col(AuditEntry.id))
    .where(col(AuditEntry.action) == "sanction.decision",
           col(AuditEntry.target) == bindparam("target"))
    .limit(1)
)


class IncidentRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- incidents ----------------------------------------------------------------------------
    def add(self, incident: Incident) -> Incident:
        with self.db.session() as s:
            s.add(incident)
            s.commit()
            s.refresh(incident)
            return incident

    def get(self, incident_id: int) -> Incident | None:
        with self.db.session() as s:
            return s.get(Incident, incident_id)

    def change(self, incident_id: int, fn: Callable[[Incident], Any]) -> Incident | None:
        """Load, change and store one incident in one transaction (JSON lists are replaced, never
        mutated in place, so the change is seen)."""
        with self.db.session() as s:
            incident = s.get(Incident, incident_id)
            if incident is None:
                return None
            fn(incident)
            incident.updated_at = now_utc()
            s.add(incident)
            s.commit()
            s.refresh(incident)
            return incident

    def active_for_group(self, group_key: str, since: datetime) -> Incident | None:
        """The group's open situation (not a confidential report) touched since ``since``.

        Asked for every flagged message; most groups have none, which a one-column query
        (built once) answers before any ORM object is made.
        """
        with self.db.engine.connect() as conn:
            found = conn.execute(_ACTIVE_INCIDENT, {"group": group_key, "since": since}).scalar()
        if found is None:
            return None
        with self.db.session() as s:
            return s.get(Incident, found)

    def list(self, *, status: str | None = None, group_key: str | None = None,
             limit: int = 100) -> list[Incident]:
        with self.db.session() as s:
            query = select(Incident).order_by(col(Incident.id).desc()).limit(limit)
            if status:
                query = query.where(Incident.status == status)
            if group_key:
                query = query.where(Incident.group_key == group_key)
            return list(s.exec(query))

    def for_member(self, member_id: str) -> list[Incident]:
        """Incidents in which the member is involved (offender or target), oldest first."""
        with self.db.session() as s:
            rows = s.exec(select(Incident).order_by(col(Incident.id)))
            return [row for row in rows if member_id in (row.members or [])]

    # --- findings -----------------------------------------------------------------------------
    def findings(self, incident_id: int) -> list[FindingRecord]:
        with self.db.session() as s:
            return list(s.exec(select(FindingRecord).where(
                FindingRecord.incident_id == incident_id).order_by(col(FindingRecord.id))))

    def findings_by_ids(self, ids: Iterable[int]) -> list[FindingRecord]:
        wanted = list(ids)
        if not wanted:
            return []
        with self.db.session() as s:
            return list(s.exec(select(FindingRecord).where(col(FindingRecord.id).in_(wanted))))

    def mark_findings_wrong(self, incident_id: int) -> int:
        """A false alarm: the incident's findings get the moderator's verdict "wrong" (unless a
        moderator already judged them), so they count neither for the ladder nor as hits."""
        with self.db.session() as s:
            result = s.execute(update(FindingRecord).where(
                FindingRecord.incident_id == incident_id,
                col(FindingRecord.feedback).is_(None)).values(feedback="wrong"))
            s.commit()
            return int(result.rowcount or 0)

    def offences(self, member_id: str, since: datetime, min_severity: int) -> list[Offence]:
        """The member's flagged messages that count for the ladder (one per message).

        Read as plain rows with a statement built once: it runs for every flagged message, and
        building a query (its cache key) cost more than running it.
        """
        seen: set[tuple[str, str]] = set()
        out: list[Offence] = []
        with self.db.engine.connect() as conn:
            rows = conn.execute(_OFFENCES, {"member": member_id, "since": since,
                                            "minimum": min_severity})
            for group_key, message_id, severity, created_at in rows:
                if (group_key, message_id) not in seen:
                    seen.add((group_key, message_id))
                    out.append(Offence(group_key, message_id, severity, created_at))
        return out

    def member_findings(self, member_id: str) -> list[FindingRecord]:
        with self.db.session() as s:
            return list(s.exec(select(FindingRecord).where(
                FindingRecord.member_id == member_id).order_by(col(FindingRecord.created_at))))

    # --- audit trail --------------------------------------------------------------------------
    def audit(self, actor: str, action: str, *, group_key: str | None, target: str,
              detail: dict[str, Any] | None = None) -> None:
        with self.db.session() as s:
            s.add(AuditEntry(actor=actor, action=action, group_key=group_key, target=target,
                             detail=detail or {}))
            s.commit()

    def trail(self, incident_id: int) -> list[AuditEntry]:
        """Everything recorded about an incident, including sanction decisions taken in it."""
        with self.db.session() as s:
            rows = s.exec(select(AuditEntry).where(or_(
                AuditEntry.target == incident_target(incident_id),
                AuditEntry.action == "sanction.decision")).order_by(col(AuditEntry.id)))
            return [row for row in rows if row.target == incident_target(incident_id)
                    or row.detail.get("incident") == incident_id]

    def decisions(self, member_id: str) -> list[AuditEntry]:
        """Sanction decisions recorded for a member, oldest first (usually none).

        Asked for every flagged message: a one-column query answers the usual "none" before an
        ORM session is opened (which cost more than the rest of the ladder).
        """
        target = member_target(member_id)
        with self.db.engine.connect() as conn:
            if conn.execute(_ANY_DECISION, {"target": target}).first() is None:
                return []
        with self.db.session() as s:
            return list(s.scalars(_DECISIONS, {"target": target}))

    def reasons(self, incident_id: int) -> set[str]:
        """The triggers already alerted for an incident (an update alerts only for a new one)."""
        with self.db.session() as s:
            rows = s.exec(select(AuditEntry).where(
                AuditEntry.target == incident_target(incident_id),
                col(AuditEntry.action).in_(("incident.open", "incident.update"))))
            out: set[str] = set()
            for row in rows:
                out.update(row.detail.get("reasons", []))
            return out

    # --- alerts already queued ----------------------------------------------------------------
    def alert_items(self, incident_id: int) -> list[OutboxItem]:
        """The alerts queued for an incident (their dedupe keys start with ``incident:<id>:``)."""
        prefix = f"{incident_target(incident_id)}:"
        with self.db.session() as s:
            return list(s.exec(select(OutboxItem).where(
                col(OutboxItem.dedupe_key).startswith(prefix),
                col(OutboxItem.kind).in_(("alert", "mail"))).order_by(col(OutboxItem.id))))
