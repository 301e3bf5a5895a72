"""WhatsApp has no bot interface for groups, so schoolwacht reads exported chats instead (A.11).

``parse_export`` turns the text of an "Export chat" file (Android or iOS, Dutch or English) into
messages; ``load_export`` also opens zip exports with their media; ``to_records`` turns the messages
into the platform-neutral records the scan runs through the checker.
"""

from adapters.whatsapp.archive import ExportSource, load_export
from adapters.whatsapp.parser import (
    ChatExport,
    ChatMessage,
    ExportFormatError,
    MessageKind,
    SystemLine,
    parse_export,
)
from adapters.whatsapp.records import to_records

__all__ = [
    "ChatExport",
    "ChatMessage",
    "ExportFormatError",
    "ExportSource",
    "MessageKind",
    "SystemLine",
    "load_export",
    "parse_export",
    "to_records",
]
