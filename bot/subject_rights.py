"""Subject rights for a parent's or student's request: export (inzage) and erase (vergetelheid).

Both look in every table (``storage/subjects.py``) and in every file the bot writes (alerts, mail);
both are recorded in the audit trail with counts only, the person named by a pseudonym.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.config import AppConfig
from bot.escalation.texts import pseudonym
from bot.keys import derived, install_secret
from core.files import write_private
from storage.crypto import FILE_MAGIC, KeyRing, open_file
from storage.db import Database
from storage.repositories import AuditRepository
from storage.subjects import Person, erase, find, mentions, names_of

# What each table holds, in Dutch, for the readable summary and the processing register.
TABLES_NL: dict[str, str] = {
    "members": "deelname aan een groep (rol, weergavenaam, eerst en laatst gezien)",
    "findings": "berichten die de bot markeerde, met de reden (het artikel) en het bewijs",
    "incidents": "incidenten (B.5) en stille meldingen (A.11), met de gemarkeerde berichten",
    "actions": "wat de bot deed (verwijderen, aanspreken, melden)",
    "audit": "het logboek van beslissingen van beheerders en moderatoren",
    "outbox": "meldingen en e-mails die (nog) bezorgd worden",
    "digest_items": "berichten die in de e-mailsamenvatting (B.3) komen",
    "subscribers": "e-mailadressen die de samenvatting ontvangen",
    "feedback": "oordelen van moderatoren over de bot",
    "groups": "de groepen en wie ze goedkeurde",
    "adapter_state": "technische toestand van de koppelingen",
    "image_hashes": "vingerafdrukken van gemarkeerde afbeeldingen (geen afbeeldingen)",
}


@dataclass
class FileHit:
    path: str
    lines: list[str]


def _person(db: Database, person_id: str) -> Person:
    return Person(ids=(person_id,), names=tuple(names_of(db, person_id)))


def _files(config: AppConfig) -> list[Path]:
    """Every file the bot writes that may name someone: alerts and mail."""
    out: list[Path] = []
    alerts = config.adapters.console.alerts_folder / "alerts.jsonl"
    if alerts.exists():
        out.append(alerts)
    if config.mail.folder.exists():
        out.extend(sorted(p for p in config.mail.folder.iterdir() if p.is_file()))
    return out


def _file_hits(config: AppConfig, keys: KeyRing, person: Person) -> list[FileHit]:
    hits = []
    for path in _files(config):
        text = open_file(path.read_bytes(), keys).decode("utf-8", errors="replace")
        lines = [line for line in text.splitlines() if mentions(line, person)]
        if lines:
            hits.append(FileHit(str(path), lines))
    return hits


def stand_in(config: AppConfig, person_id: str) -> str:
    """The pseudonym an erased person gets: keyed with the install secret, not reversible."""
    return pseudonym(person_id, derived(install_secret(config), "erasure"))


def export(config: AppConfig, db: Database, person_id: str, actor: str = "cli") -> dict[str, Any]:
    """Everything stored about a person, as one JSON-ready structure."""
    assert db.keys is not None
    person = _person(db, person_id)
    found = find(db, person)
    files = _file_hits(config, db.keys, person)
    AuditRepository(db).add(actor, "privacy.export", target=stand_in(config, person_id),
                            detail={"rows": sum(found.count().values()), "files": len(files)})
    return {
        "person": person_id,
        "names": list(person.names),
        "made_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "school": config.school.name,
        "tables": found.rows,
        "files": [{"path": f.path, "lines": f.lines} for f in files],
    }


def summary_nl(data: dict[str, Any]) -> str:
    """A readable Dutch summary of an export, for the person or their parents."""
    lines = [
        f"# Inzageverzoek: wat {data['school']} via schoolwacht over u bewaart",
        "",
        f"Persoon: {data['person']}" + (f" (bekend als {', '.join(data['names'])})"
                                        if data["names"] else ""),
        f"Opgesteld op: {data['made_at']}",
        "",
    ]
    if not data["tables"] and not data["files"]:
        lines.append("Er is niets over deze persoon opgeslagen.")
    for table, rows in data["tables"].items():
        lines.append(f"## {TABLES_NL.get(table, table)} — {len(rows)} "
                     f"{'regel' if len(rows) == 1 else 'regels'}")
        for row in rows:
            when = row.get("created_at") or row.get("at") or row.get("sent_at") or ""
            what = row.get("text") or row.get("evidence") or row.get("action") or ""
            flag = f" [{row['flag']}, artikel {row['article']}]" if row.get("flag") else ""
            lines.append(f"- {str(when)[:16]}{flag} {str(what)[:300]}".rstrip())
        lines.append("")
    for hit in data["files"]:
        lines.append(f"## bestand {hit['path']} — {len(hit['lines'])} regels")
        lines.append("")
    lines += [
        "Waarom: om het sociale-mediaprotocol van de school te handhaven (gerechtvaardigd",
        "belang en zorgplicht van de school). Alles wordt op de server van de school verwerkt",
        "en na de bewaartermijn automatisch verwijderd.",
    ]
    return "\n".join(lines) + "\n"


def write_export(config: AppConfig, data: dict[str, Any], out: Path | None) -> list[Path]:
    folder = out or config.privacy.export_folder
    stem = "inzage-" + "".join(c if c.isalnum() else "_" for c in data["person"])[:40]
    json_path = write_private(folder / f"{stem}.json",
                              json.dumps(data, ensure_ascii=False, indent=2, default=str))
    text_path = write_private(folder / f"{stem}.txt", summary_nl(data))
    return [json_path, text_path]


def erase_person(config: AppConfig, db: Database, person_id: str,
                 actor: str = "cli") -> dict[str, int]:
    """Erase a person everywhere; what the school must keep stays, pseudonymised."""
    assert db.keys is not None
    person = _person(db, person_id)
    alias = stand_in(config, person_id)
    counts = erase(db, person, alias, keep_incidents=config.privacy.keep_incidents_on_erase)
    files = _erase_in_files(config, db.keys, person)
    if files:
        counts["files"] = files
    AuditRepository(db).add(actor, "privacy.erase", target=alias, detail={"changed": counts})
    return counts


def _erase_in_files(config: AppConfig, keys: KeyRing, person: Person) -> int:
    """Mail files that mention the person are deleted; alert lines that do are dropped."""
    changed = 0
    for path in _files(config):
        raw = path.read_bytes()
        text = open_file(raw, keys).decode("utf-8", errors="replace")
        if not mentions(text, person):
            continue
        changed += 1
        if path.name != "alerts.jsonl":
            path.unlink()
            continue
        sealed = not raw.startswith(FILE_MAGIC) and raw[:4] == b"sw1:"
        kept = [line for line in text.splitlines() if line and not mentions(line, person)]
        if sealed:
            kept = [keys.seal(line, "file:alerts.jsonl") for line in kept]
        write_private(path, "".join(line + "\n" for line in kept))
    return changed
