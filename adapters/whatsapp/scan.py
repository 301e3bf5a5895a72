"""Scan one WhatsApp export file with the checker: parse, check every message, build the report."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from adapters.whatsapp.archive import DEFAULT_MAX_MEDIA_BYTES, ExportSource, load_export
from adapters.whatsapp.records import to_records
from bot.scan import ChatRecord, CheckerLike, ScanResult, scan_records
from core.events import GroupKind, Role


@dataclass(slots=True)
class PreparedScan:
    """A parsed export turned into records, ready for the checker."""

    source: ExportSource
    records: list[ChatRecord]
    kind: GroupKind
    staff: tuple[str, ...]
    unknown_names: list[str]

    async def run(
        self, checker: CheckerLike, progress: Callable[[int], None] | None = None
    ) -> ScanResult:
        flagged = await scan_records(self.records, checker, self.kind, progress=progress)
        export = self.source.export
        return ScanResult(
            source_name=self.source.name,
            group_kind=self.kind,
            records=self.records,
            flagged=flagged,
            system_lines=len(export.system_lines),
            group_title=export.group_title,
            platform="whatsapp",
            layout=export.platform,
            staff=self.staff,
        )


def prepare_scan(
    path: Path,
    *,
    kind: GroupKind = GroupKind.CLASS,
    roles: Mapping[str, Role] | None = None,
    timezone: str = "Europe/Amsterdam",
    max_media_bytes: int = DEFAULT_MAX_MEDIA_BYTES,
) -> PreparedScan:
    """Read and parse the export (``.txt`` or ``.zip``).

    Raises ``ExportFormatError`` or ``OSError``.
    """
    source = load_export(path, max_media_bytes=max_media_bytes)
    resolved, unknown = resolve_roles(source.export.members, roles or {})
    records = to_records(source.export, kind=kind, source=source, roles=resolved, timezone=timezone)
    staff = tuple(sender for sender, role in resolved.items() if role.is_staff)
    return PreparedScan(source, records, kind, staff, unknown)


def _name_key(name: str) -> str:
    return " ".join(name.translate(_MARKS).split()).casefold()


_MARKS = str.maketrans(
    "", "", "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069~"
)


def resolve_roles(
    members: list[str], roles: Mapping[str, Role]
) -> tuple[dict[str, Role], list[str]]:
    """Match configured names to senders as written (ignoring case, spaces and invisible marks).

    Returns the roles per sender and the configured names that match nobody (likely a typo).
    """
    by_key = {_name_key(sender): sender for sender in members}
    resolved: dict[str, Role] = {}
    unknown: list[str] = []
    for name, role in roles.items():
        sender = by_key.get(_name_key(name))
        if sender is None:
            unknown.append(name)
        else:
            resolved[sender] = role
    return resolved, unknown


async def scan_export(
    path: Path,
    checker: CheckerLike,
    *,
    kind: GroupKind = GroupKind.CLASS,
    roles: Mapping[str, Role] | None = None,
    timezone: str = "Europe/Amsterdam",
    progress: Callable[[int], None] | None = None,
) -> ScanResult:
    prepared = prepare_scan(path, kind=kind, roles=roles, timezone=timezone)
    return await prepared.run(checker, progress)
