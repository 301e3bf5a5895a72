"""Open an export as the mentor receives it: the chat's .txt, or the .zip with chat and media.

A zip is never extracted to disk: the chat text is read from it, and each attached file stays
inside the zip until a policy asks for its bytes (so images go through the image rules, and only
those that are needed are read). Member sizes are checked before reading, so a crafted zip cannot
exhaust memory.
"""

from __future__ import annotations

import asyncio
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from adapters.whatsapp.parser import ChatExport, ExportFormatError, parse_export
from core.events import Fetch

MAX_CHAT_BYTES = 200_000_000  # a chat text file larger than this is not an export we should read
DEFAULT_MAX_MEDIA_BYTES = 10_000_000


@dataclass(slots=True)
class ExportSource:
    """A parsed export plus where its media live (only for zip exports)."""

    path: Path
    export: ChatExport
    zip_members: dict[str, zipfile.ZipInfo] = field(default_factory=dict)
    max_media_bytes: int = DEFAULT_MAX_MEDIA_BYTES

    @property
    def name(self) -> str:
        return self.path.name

    def has_media(self, file_name: str) -> bool:
        return file_name in self.zip_members

    def media_size(self, file_name: str) -> int | None:
        info = self.zip_members.get(file_name)
        return info.file_size if info is not None else None

    def fetcher(self, file_name: str) -> Fetch:
        """An async callable that reads one media file from the zip, off the event loop."""
        info = self.zip_members[file_name]
        path, limit = self.path, self.max_media_bytes

        def read() -> bytes:
            if info.file_size > limit:
                raise ValueError("media file too large")
            with zipfile.ZipFile(path) as archive:
                return archive.read(info)

        async def fetch() -> bytes:
            return await asyncio.to_thread(read)

        return fetch


def decode_chat(raw: bytes) -> str:
    """Exports are UTF-8 (sometimes with a BOM); a stray invalid byte must not stop the scan."""
    return raw.decode("utf-8-sig", errors="replace")


def _chat_member(archive: zipfile.ZipFile) -> zipfile.ZipInfo:
    texts = [
        i for i in archive.infolist() if not i.is_dir() and i.filename.lower().endswith(".txt")
    ]
    if not texts:
        raise ExportFormatError("the zip holds no chat text file (.txt)")
    # iOS names it _chat.txt; Android "WhatsApp-chat met X.txt" / "WhatsApp Chat with X.txt".
    for info in texts:
        if PurePosixPath(info.filename).name == "_chat.txt":
            return info
    chats = [i for i in texts if "whatsapp" in i.filename.lower()]
    return max(chats or texts, key=lambda i: i.file_size)


def load_export(path: Path, *, max_media_bytes: int = DEFAULT_MAX_MEDIA_BYTES) -> ExportSource:
    """Read and parse a .txt or .zip export. Raises ``ExportFormatError`` or ``OSError``."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            chat = _chat_member(archive)
            if chat.file_size > MAX_CHAT_BYTES:
                raise ExportFormatError("the chat text file is too large")
            text = decode_chat(archive.read(chat))
            members = {
                PurePosixPath(i.filename).name: i
                for i in archive.infolist()
                if not i.is_dir() and i is not chat
            }
        return ExportSource(path, parse_export(text), members, max_media_bytes)
    if path.stat().st_size > MAX_CHAT_BYTES:
        raise ExportFormatError("the chat text file is too large")
    return ExportSource(path, parse_export(decode_chat(path.read_bytes())))
