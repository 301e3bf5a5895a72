"""SQLModel tables. Every row is scoped by group and purged on a retention schedule.

Data minimisation: message text is stored only in ``FindingRecord`` (flagged messages whose evidence
needs the words, masked), ``Incident.context`` (the flagged messages and those of the people
involved) and ``DigestItem`` (the B.3 mirror). Every text and name is sealed at rest and every member
id is a keyed lookup value (``storage/crypto.py``); docs/privacy.md lists each table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.clock import now_utc
from storage.crypto import Lookup, Sealed, SealedJSON


def sealed(context: str, **kwargs: Any) -> Any:
    """A text or name column stored encrypted (AES-GCM, see storage/crypto.py)."""
    return Field(sa_type=Sealed(context), **kwargs)


def lookup(**kwargs: Any) -> Any:
    """An identifier column stored encrypted but searchable by equality (AES-SIV)."""
    return Field(sa_type=Lookup(), **kwargs)


def sealed_json(context: str, *, nullable: bool = False) -> Any:
    factory = None if nullable else (dict if context in _DICTS else list)
    if nullable:
        return Field(default=None, sa_column=Column(SealedJSON(context), nullable=True))
    return Field(default_factory=factory, sa_column=Column(SealedJSON(context), nullable=False))


_DICTS = {"outbox.payload", "audit.detail"}


class Group(SQLModel, table=True):
    __tablename__ = "groups"

    key: str = Field(primary_key=True)  # "platform:chat id"
    platform: str = Field(index=True)
    chat_id: str
    title: str | None = None
    kind: str = "class"
    approval: str = Field(default="pending", index=True)  # pending | approved | rejected | left
    requested_at: datetime = Field(default_factory=now_utc)
    decided_at: datetime | None = None
    decided_by: str | None = sealed("groups.decided_by", default=None)
    approval_deadline: datetime | None = None
    # Overrides set at run time (``/beleid``), merged above the config file's overrides.
    overrides: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    mode: str | None = None  # observe | enforce; None = config
    # Rights check: None = unknown, False = missing (the group runs in observe mode until fixed).
    can_delete: bool | None = None
    can_read_all: bool | None = None
    language: str | None = None


class Member(SQLModel, table=True):
    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("group_key", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    group_key: str = Field(index=True)
    member_id: str = lookup()
    role: str
    display_name: str | None = sealed("members.display_name", default=None)
    first_seen: datetime = Field(default_factory=now_utc)
    last_seen: datetime = Field(default_factory=now_utc)


class FindingRecord(SQLModel, table=True):
    __tablename__ = "findings"

    id: int | None = Field(default=None, primary_key=True)
    group_key: str = Field(index=True)
    message_id: str
    member_id: str = lookup(index=True)
    policy: str
    flag: str = Field(index=True)
    article: str
    severity: int
    score: float
    evidence: str = sealed("findings.evidence")
    category: str | None = None
    # The flagged message's text, kept as evidence only where the finding needs it (see
    # docs/privacy.md); sealed, purged with the finding.
    text: str | None = sealed("findings.text", default=None)
    incident_id: int | None = Field(default=None, index=True)
    # Moderator feedback: None (none given), "correct" or "wrong".
    feedback: str | None = None
    created_at: datetime = Field(default_factory=now_utc, index=True)


class Incident(SQLModel, table=True):
    __tablename__ = "incidents"

    id: int | None = Field(default=None, primary_key=True)
    group_key: str = Field(index=True)
    status: str = Field(default="open", index=True)  # open | acknowledged | resolved
    severity: int = 0
    reason: str = ""  # why it was opened: critical | burst | pile_on | ladder | report | manual
    articles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    members: list[str] = sealed_json("incidents.members")
    # The minimal context: the flagged messages, and of bystanders only what a moderator kept.
    context: list[dict[str, Any]] = sealed_json("incidents.context")
    assignee: str | None = sealed("incidents.assignee", default=None)
    tier: int = 0  # 0 = group moderators, 1 = team leader, 2 = leadership
    confidential: bool = False  # quiet reports (A.11): visible to the adviser only
    created_at: datetime = Field(default_factory=now_utc, index=True)
    updated_at: datetime = Field(default_factory=now_utc)
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None


class ActionRecord(SQLModel, table=True):
    __tablename__ = "actions"

    id: int | None = Field(default=None, primary_key=True)
    group_key: str = Field(index=True)
    message_id: str | None = None
    member_id: str | None = lookup(default=None)
    action: str
    article: str | None = None
    observe: bool = False  # planned but not carried out (observe mode)
    ok: bool = True
    created_at: datetime = Field(default_factory=now_utc, index=True)


class OutboxItem(SQLModel, table=True):
    """A message that must reach someone: alerts, private notices, e-mails.

    ``dedupe_key`` is unique, so enqueuing the same alert or mail twice (a crash between decide and
    commit, a replayed update) stores it once; the dispatcher marks it sent exactly once.
    """

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(unique=True)
    kind: str = Field(index=True)  # alert | chat | mail
    # "telegram:<chat>", "matrix:<room>", "mail:<addr>", "console:<name>"
    channel: str = sealed("outbox.channel")
    payload: dict[str, Any] = sealed_json("outbox.payload")
    status: str = Field(default="pending", index=True)  # pending | sending | sent | dead
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=now_utc, index=True)
    last_error: str | None = sealed("outbox.last_error", default=None)
    # Where the delivered message landed ({"chat_id": ..., "message_id": ...}) for later edits.
    ref: dict[str, Any] | None = sealed_json("outbox.ref", nullable=True)
    group_key: str | None = Field(default=None, index=True)
    created_at: datetime = Field(default_factory=now_utc, index=True)
    sent_at: datetime | None = None


class AuditEntry(SQLModel, table=True):
    """Every moderator and admin action: approvals, policy changes, acknowledgements, decisions."""

    __tablename__ = "audit"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=now_utc, index=True)
    actor: str = lookup()  # "telegram:<user id>", "matrix:@user:server", "cli", "system"
    action: str
    group_key: str | None = Field(default=None, index=True)
    target: str | None = lookup(default=None, index=True)
    detail: dict[str, Any] = sealed_json("audit.detail")


class ProcessedUpdate(SQLModel, table=True):
    """Platform update ids already handled, so a redelivered update is processed at most once."""

    __tablename__ = "processed_updates"

    platform: str = Field(primary_key=True)
    update_id: str = Field(primary_key=True)
    at: datetime = Field(default_factory=now_utc, index=True)


class AdapterState(SQLModel, table=True):
    """Small persistent values of adapters (sync tokens, update offsets)."""

    __tablename__ = "adapter_state"

    key: str = Field(primary_key=True)
    value: str = sealed("adapter_state.value")


class DigestItem(SQLModel, table=True):
    """A message mirrored to the B.3 e-mail digest. Removed when flagged or deleted."""

    __tablename__ = "digest_items"
    __table_args__ = (UniqueConstraint("group_key", "message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    group_key: str = Field(index=True)
    message_id: str
    sender_name: str = sealed("digest_items.sender_name")
    sender_role: str
    text: str = sealed("digest_items.text")
    reply_to_text: str | None = sealed("digest_items.reply_to_text", default=None)
    attachments: list[dict[str, Any]] = sealed_json("digest_items.attachments")
    important: bool = False
    sent_at: datetime = Field(default_factory=now_utc, index=True)
    edited_at: datetime | None = None
    withdrawn: bool = False  # flagged or deleted after it was queued: never mailed


class Subscriber(SQLModel, table=True):
    __tablename__ = "subscribers"
    __table_args__ = (UniqueConstraint("group_key", "email"),)

    id: int | None = Field(default=None, primary_key=True)
    group_key: str = Field(index=True)
    email: str = lookup()
    state: str = Field(default="pending", index=True)  # pending | confirmed | unsubscribed | bouncing
    created_at: datetime = Field(default_factory=now_utc)
    confirmed_at: datetime | None = None
    last_error: str | None = sealed("subscribers.last_error", default=None)


class Feedback(SQLModel, table=True):
    """Moderator feedback on the bot's judgement, used for allow-lists, retraining and precision."""

    __tablename__ = "feedback"

    id: int | None = Field(default=None, primary_key=True)
    group_key: str = Field(index=True)
    finding_id: int | None = Field(default=None, index=True)
    flag: str
    verdict: str  # wrong (false positive) | missed (false negative) | correct
    # For "missed": the text the moderator marked harmful (kept for retraining, purged on schedule).
    text: str | None = sealed("feedback.text", default=None)
    # an allow-list term the moderator added with the verdict
    term: str | None = sealed("feedback.term", default=None)
    by: str = lookup()
    at: datetime = Field(default_factory=now_utc, index=True)


class ImageHash(SQLModel, table=True):
    """Perceptual hashes of images flagged or confirmed by moderators, for re-share detection."""

    __tablename__ = "image_hashes"

    id: int | None = Field(default=None, primary_key=True)
    phash: str = Field(index=True)
    dhash: str | None = None
    group_key: str
    finding_id: int | None = None
    source: str = "flagged"  # flagged | confirmed
    created_at: datetime = Field(default_factory=now_utc, index=True)
