"""Scan one WhatsApp export file with the checker: parse, check every message, build the report."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from adapters.whatsapp.archive import DEFAULT_MAX_MEDIA_BYTES, ExportSource, load_export
from adapters.whatsapp.parser import ChatMessage
from adapters.whatsapp.records import iter_records
from bot.scan import DEFAULT_CONTEXT, ChatRecord, CheckerLike, ScanResult, scan_records
from core.events import GroupKind, Role


@dataclass(slots=True)
class PreparedScan:
    """An export whose shape is read (layout, date order, senders), ready to stream through the
    checker: the messages are parsed while they are checked and let go unless the report shows
    them."""

    source: ExportSource
    kind: GroupKind
    staff: tuple[str, ...]
    unknown_names: list[str]
    roles: Mapping[str, Role]
    timezone: str = "Europe/Amsterdam"
    system_lines: int = 0

    @property
    def message_count(self) -> int:
        return self.source.shape.messages

    def records(self) -> Iterator[ChatRecord]:
        """The records, parsed afresh from the export as they are read (system lines counted)."""
        self.system_lines = 0

        def messages() -> Iterator[ChatMessage]:
            for item in self.source.items():
                if isinstance(item, ChatMessage):
                    yield item
                else:
                    self.system_lines += 1

        return iter_records(messages(), group_title=self.source.shape.group_title,
                            kind=self.kind, source=self.source, roles=self.roles,
                            timezone=self.timezone)

    async def run(
        self, checker: CheckerLike, progress: Callable[[int], None] | None = None,
        *, context: int = DEFAULT_CONTEXT,
    ) -> ScanResult:
        outcome = await scan_records(self.records(), checker, self.kind, progress=progress,
                                     context=context)
        shape = self.source.shape
        return ScanResult(
            source_name=self.source.name,
            group_kind=self.kind,
            records=outcome.kept,
            flagged=outcome.flagged,
            stats=outcome.stats,
            counts=outcome.counts,
            context=outcome.context,
            system_lines=self.system_lines,
            group_title=shape.group_title,
            platform="whatsapp",
            layout=shape.platform,
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
    """Open the export (``.txt`` or ``.zip``) and read its shape; nothing is held but that.

    Raises ``ExportFormatError`` or ``OSError``.
    """
    source = load_export(path, max_media_bytes=max_media_bytes)
    resolved, unknown = resolve_roles(source.shape.members, roles or {})
    staff = tuple(sender for sender, role in resolved.items() if role.is_staff)
    return PreparedScan(source, kind, staff, unknown, resolved, timezone)


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
    context: int = DEFAULT_CONTEXT,
) -> ScanResult:
    prepared = prepare_scan(path, kind=kind, roles=roles, timezone=timezone)
    return await prepared.run(checker, progress, context=context)
