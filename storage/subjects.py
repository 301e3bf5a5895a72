"""Subject rights (AVG art. 15 and 17): find everything stored about one person, and erase it.

A person is found by what identifies them: their member id (as in ``findings.member_id``, and in
actors like ``telegram:<id>`` and targets like ``member:<id>``), their display names (from the
members table) and their e-mail address. Every encrypted column of every table is read (opened with
the data key) and matched as whole words, so nothing is missed because it sits in a JSON context or
an alert text. Erasure deletes the person's own rows and replaces every remaining mention with a
pseudonym, so what the school must keep (an incident, the audit trail) survives without the person.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlmodel import SQLModel

from storage.db import Database
from storage.sealing import CHECK_KEY, encrypted_columns

# Rows that are the person's own: deleted on erasure (when the key column matches the person).
OWN_ROWS = {"members": "member_id", "subscribers": "email"}
# Rows deleted when they mention the person at all: copies that serve no lasting purpose.
COPIES = ("digest_items", "outbox")
MIN_NAME = 3  # shorter display names are not searched as words (too many false hits)


@dataclass(frozen=True)
class Person:
    """What identifies one person in the data: ids and names (matched as whole words)."""

    ids: tuple[str, ...]
    names: tuple[str, ...] = ()

    @property
    def needles(self) -> list[str]:
        names = [n for n in self.names if len(n) >= MIN_NAME]
        return [n for n in (*self.ids, *names) if n]

    def pattern(self) -> re.Pattern[str]:
        words = sorted({re.escape(n) for n in self.needles if n}, key=len, reverse=True)
        return re.compile(r"(?<![\w@.])(?:" + "|".join(words) + r")(?![\w])", re.IGNORECASE)


@dataclass
class Found:
    """Per table, the rows (opened) that mention the person."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def count(self) -> dict[str, int]:
        return {table: len(rows) for table, rows in self.rows.items() if rows}


def _tables() -> dict[str, Any]:
    return {t.name: t for t in SQLModel.metadata.sorted_tables}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _scrub(value: Any, pattern: re.Pattern[str], stand_in: str) -> Any:
    if isinstance(value, str):
        return pattern.sub(stand_in, value)
    if isinstance(value, list):
        return [_scrub(v, pattern, stand_in) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, pattern, stand_in) for k, v in value.items()}
    return value


def names_of(db: Database, member_id: str) -> list[str]:
    """The display names a member had in any group."""
    table = _tables()["members"]
    with db.engine.connect() as conn:
        rows = conn.execute(select(table.c.display_name).where(table.c.member_id == member_id))
        return sorted({name for (name,) in rows if name})


def find(db: Database, person: Person) -> Found:
    """Every row of every table with encrypted columns that mentions the person."""
    pattern = person.pattern()
    tables = _tables()
    found = Found()
    with db.engine.connect() as conn:
        for name, columns in encrypted_columns().items():
            table = tables[name]
            for row in conn.execute(select(table)).mappings():
                if name == "adapter_state" and row["key"] == CHECK_KEY:
                    continue
                if any(pattern.search(_text(row[c])) for c in columns):
                    found.rows.setdefault(name, []).append(
                        {k: (v.isoformat() if hasattr(v, "isoformat") else v)
                         for k, v in row.items()})
    return found


def erase(db: Database, person: Person, stand_in: str, *, keep_incidents: bool) -> dict[str, int]:
    """Erase a person in one transaction; returns rows changed (deleted or pseudonymised) per table.

    Deleted: the person's own rows (member entries, a digest subscription), copies that serve no
    lasting purpose (queued digest items, outbox messages that mention them), their findings
    outside an incident, and image hashes of their findings. With ``keep_incidents`` the incidents
    they are part of stay (the school's duty of care) with the person replaced by ``stand_in`` and
    their own words removed; without, those incidents are deleted. Every other mention anywhere
    (audit trail, other people's findings, feedback) is replaced by ``stand_in``."""
    pattern = person.pattern()
    tables = _tables()
    counts: dict[str, int] = {}
    ids = {i.lower() for i in person.ids}
    with db.engine.begin() as conn:
        findings = tables["findings"]
        own_findings = [fid for (fid,) in conn.execute(
            select(findings.c.id).where(findings.c.member_id.in_(list(person.ids))))]
        for name, columns in encrypted_columns().items():
            table = tables[name]
            pk = list(table.primary_key.columns)
            changed = 0
            for row in conn.execute(select(table)).mappings().all():
                if name == "adapter_state" and row["key"] == CHECK_KEY:
                    continue
                if not any(pattern.search(_text(row[c])) for c in columns):
                    continue
                where = [k == row[k.name] for k in pk]
                own = name in OWN_ROWS and str(row[OWN_ROWS[name]]).lower() in ids
                own_finding = name == "findings" and str(row["member_id"]).lower() in ids
                if (own or name in COPIES or (name == "incidents" and not keep_incidents)
                        or (own_finding and (row["incident_id"] is None or not keep_incidents))):
                    conn.execute(table.delete().where(*where))
                    changed += 1
                    continue
                values = {c: _scrub(row[c], pattern, stand_in) for c in columns}
                if own_finding:
                    values["text"] = None  # the person's own words go; the finding stays
                if name == "incidents":
                    values["context"] = [_without_text(e, stand_in) for e in values["context"]]
                conn.execute(table.update().where(*where).values(**values))
                changed += 1
            if changed:
                counts[name] = changed
        hashes = tables["image_hashes"]
        if own_findings:
            result = conn.execute(hashes.delete().where(hashes.c.finding_id.in_(own_findings)))
            if result.rowcount:
                counts["image_hashes"] = int(result.rowcount)
    return counts


def _without_text(entry: Any, stand_in: str) -> Any:
    """An incident context entry of the erased person keeps its place but not their words."""
    if isinstance(entry, dict) and stand_in in (str(entry.get("sender_id")),
                                                str(entry.get("sender_name"))):
        return {**entry, "text": "", "sender_name": stand_in}
    return entry


def mentions(text: str, person: Person) -> bool:
    return bool(person.pattern().search(text))

