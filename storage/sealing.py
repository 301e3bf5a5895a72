"""Unlocking a database with its data key, re-sealing every row (legacy plaintext, key rotation).

``unlock`` runs at every start: a database that holds encrypted data refuses to start without the
key that sealed it (a clear error instead of unreadable rows), and a database seen for the first time
with a key gets its legacy plaintext rows sealed once.
"""

from __future__ import annotations

import logging

from sqlalchemy import select, text
from sqlmodel import SQLModel

from storage.crypto import KeyRing, Lookup, MissingKeyError, Sealed, SealedJSON, WrongKeyError
from storage.db import Database
from storage.models import AdapterState  # noqa: F401  (registers every table on the metadata)

log = logging.getLogger(__name__)

CHECK_KEY = "privacy.key_check"
CHECK_CONTEXT = "adapter_state.value"  # the column the check value lives in


def stored_check(db: Database) -> str | None:
    """The raw (sealed) key-check value, read without any key."""
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT value FROM adapter_state WHERE key = :k"),
                            {"k": CHECK_KEY}).scalar()


def holds_encrypted_data(db: Database) -> bool:
    return stored_check(db) is not None


def unlock(db: Database, keys: KeyRing | None) -> bool:
    """Give the database its keys after checking they fit. True when this was the first time (the
    legacy rows were sealed and the key-check value written).

    Raises ``MissingKeyError`` when the database holds encrypted data and no key is given, and
    ``WrongKeyError`` when none of the keys opens it."""
    check = stored_check(db)
    if keys is None:
        if check is not None:
            raise MissingKeyError(
                "the database holds encrypted data but no data key was given: set the environment "
                "variable named by [privacy] key_env (SCHOOLWACHT_DATA_KEY) or put the key file "
                "at [privacy] key_file")
        db.set_keys(None)
        return False
    if check is not None:
        try:
            keys.open(check, CHECK_CONTEXT)
        except WrongKeyError:
            raise WrongKeyError("the data key given does not open this database (it was sealed "
                                "with another key): give the key it was sealed with") from None
        db.set_keys(keys)
        return False
    db.set_keys(keys)
    counts = reseal_all(db)  # seals legacy plaintext rows and writes the key-check value
    log.info("database sealed with the data key", extra={"rows": sum(counts.values()),
                                                         "kid": keys.kid})
    return True


def encrypted_columns() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for table in SQLModel.metadata.sorted_tables:
        names = [c.name for c in table.columns if isinstance(c.type, (Sealed, SealedJSON, Lookup))]
        if names:
            out[table.name] = names
    return out


def reseal_all(db: Database) -> dict[str, int]:
    """Read every encrypted column (any key of the ring, or legacy plaintext) and write it back
    sealed with the ring's current key, in one transaction. Returns rows per table."""
    if db.keys is None:
        raise MissingKeyError("re-sealing needs the data key")
    counts: dict[str, int] = {}
    tables = {t.name: t for t in SQLModel.metadata.sorted_tables}
    with db.engine.begin() as conn:
        for name, columns in encrypted_columns().items():
            table = tables[name]
            pk = list(table.primary_key.columns)
            cols = [table.c[c] for c in columns]
            rows = conn.execute(select(*pk, *cols)).all()
            for row in rows:
                if name == "adapter_state" and row[0] == CHECK_KEY:
                    continue
                where = [k == row[i] for i, k in enumerate(pk)]
                values = {c: row[len(pk) + i] for i, c in enumerate(columns)}
                conn.execute(table.update().where(*where).values(**values))
            counts[name] = len(rows)
        conn.execute(text("DELETE FROM adapter_state WHERE key = :k"), {"k": CHECK_KEY})
        conn.execute(text("INSERT INTO adapter_state (key, value) VALUES (:k, :v)"),
                     {"k": CHECK_KEY, "v": db.keys.seal("ok", CHECK_CONTEXT)})
    return counts
