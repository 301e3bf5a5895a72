"""``/koppel CODE``: a staff member links their Telegram account once with a code from the school.

The school's IT person runs ``schoolwacht telegram link-code`` and hands the code to a colleague
(mail, paper, in person); the colleague sends ``/koppel CODE`` to the bot in a private chat. From
then on the bot recognises them as staff in every group. Only a SHA-256 hash of each code is stored
(in the adapter-state table), a code works once and expires; a linked account can be removed again.

All functions here are blocking database work: run them on the database thread (``await
repos.db.run(...)``).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import col, select

from core.clock import now_utc
from storage.db import Database
from storage.models import AdapterState

CODE_PREFIX = "telegram:linkcode:"
STAFF_PREFIX = "telegram:staff:"
# No 0/O, 1/I/L: codes are read aloud and typed over from paper.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_GROUPS = 3
GROUP_LENGTH = 4  # 12 characters from 31: about 59 bits, plenty for a one-time, expiring code


def normalise(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def digest(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def _get(db: Database, key: str) -> dict | None:
    with db.session() as s:
        row = s.get(AdapterState, key)
        return json.loads(row.value) if row else None


def _put(db: Database, key: str, value: dict) -> None:
    with db.session() as s:
        s.merge(AdapterState(key=key, value=json.dumps(value)))
        s.commit()


def create_code(db: Database, *, valid_days: float = 7, note: str | None = None,
                now: datetime | None = None) -> tuple[str, datetime]:
    """A new one-time code and when it expires. Only its hash is stored."""
    now = now or now_utc()
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_GROUPS * GROUP_LENGTH))
    code = "-".join(raw[i:i + GROUP_LENGTH] for i in range(0, len(raw), GROUP_LENGTH))
    expires = now + timedelta(days=valid_days)
    _put(db, CODE_PREFIX + digest(code), {"expires": expires.isoformat(), "note": note,
                                          "redeemed_by": None, "created": now.isoformat()})
    return code, expires


def redeem(db: Database, code: str, user_id: str, *, now: datetime | None = None) -> str:
    """Link ``user_id`` as staff. Returns "linked", "already", "used", "expired" or "invalid"."""
    now = now or now_utc()
    if _get(db, STAFF_PREFIX + user_id) is not None:
        return "already"
    key = CODE_PREFIX + digest(code)
    record = _get(db, key)
    if record is None:
        return "invalid"
    if record.get("redeemed_by"):
        return "used"
    if datetime.fromisoformat(record["expires"]) < now:
        return "expired"
    record.update(redeemed_by=user_id, redeemed_at=now.isoformat())
    _put(db, key, record)
    _put(db, STAFF_PREFIX + user_id, {"linked_at": now.isoformat(), "code": key[-8:]})
    return "linked"


def linked_staff(db: Database) -> set[str]:
    with db.session() as s:
        keys = s.exec(select(AdapterState.key).where(col(AdapterState.key).startswith(
            STAFF_PREFIX))).all()
    return {key[len(STAFF_PREFIX):] for key in keys}


def unlink(db: Database, user_id: str) -> bool:
    with db.session() as s:
        result = s.execute(delete(AdapterState).where(AdapterState.key == STAFF_PREFIX + user_id))
        s.commit()
        return bool(result.rowcount)


def open_codes(db: Database, *, now: datetime | None = None) -> int:
    """How many codes are still unused and valid (for ``schoolwacht telegram link-code --list``)."""
    now = now or now_utc()
    with db.session() as s:
        values = s.exec(select(AdapterState.value).where(col(AdapterState.key).startswith(
            CODE_PREFIX))).all()
    count = 0
    for value in values:
        record = json.loads(value)
        if not record.get("redeemed_by") and datetime.fromisoformat(record["expires"]) >= now:
            count += 1
    return count


def burn(db: Database, code: str, *, now: datetime | None = None) -> bool:
    """Invalidate a code that was shown in a group, so nobody else can redeem it."""
    key = CODE_PREFIX + digest(code)
    record = _get(db, key)
    if record is None or record.get("redeemed_by"):
        return False
    record.update(redeemed_by="burned", redeemed_at=(now or now_utc()).isoformat())
    _put(db, key, record)
    return True
