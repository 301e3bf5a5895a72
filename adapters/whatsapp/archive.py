"""Open an export as the mentor receives it: the chat's .txt, or the .zip with chat and media.

A zip is never extracted to disk: the chat text is read from it, and each attached file stays
inside the zip until a policy asks for its bytes (so images go through the image rules, and only
those that are needed are read). Member sizes are checked before reading, so a crafted zip cannot
exhaust memory.
"""

from __future__ import annotations

import asyncio
import codecs
import os
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from adapters.whatsapp.parser import ChatExport, ExportFormatError, parse_export
from core.events import Fetch

# A chat text larger than this is refused: a scan holds ~30x the text (peak RSS of a 5 MB export:
# 157 MB), so 25 MB stays under 1 GB. WhatsApp itself exports at most ~100,000 messages (~10 MB).
MAX_CHAT_BYTES = 25_000_000
DEFAULT_MAX_MEDIA_BYTES = 10_000_000
# Zip bombs: a member that expands more than this many times (and to more than 1 MB) is refused,
# and so is a zip whose members add up to more than MAX_ZIP_TOTAL. Chat text compresses 4-10x.
MAX_ZIP_RATIO = 100
MAX_ZIP_TOTAL = 4_000_000_000
_CHUNK = 1 << 20
_DEFLATE64 = 9


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
            try:
                with zipfile.ZipFile(path) as archive:
                    return _read_member(archive, info, limit)
            except ExportFormatError as exc:
                raise OSError(str(exc)) from None  # the image rules skip it, like a failed fetch
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, zlib.error,
                    EOFError) as exc:
                raise OSError(f"media file unreadable: {exc}") from None

        async def fetch() -> bytes:
            return await asyncio.to_thread(read)

        return fetch


def decode_chat(raw: bytes) -> str:
    """The export's text: UTF-8 (with or without a BOM), UTF-16 (with a BOM, or plainly so), or a
    legacy code page (Windows-1252) when the bytes are not UTF-8. A few stray invalid bytes in a
    UTF-8 file become U+FFFD and do not stop the scan."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16", errors="replace")
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[3:]
    head = raw[:4096]
    if len(head) >= 4 and head.count(0) * 3 > len(head):  # UTF-16 without a BOM
        odd_zeros = head[1::2].count(0)
        return raw.decode("utf-16-le" if odd_zeros > head[::2].count(0) else "utf-16-be",
                          errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    text = raw.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - raw.count(b"\xef\xbf\xbd")
    good = sum(1 for b in raw if b >= 0xC2 and b <= 0xF4) - bad  # lead bytes of valid sequences
    if good >= bad:
        return text
    return raw.decode("cp1252", errors="replace")


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """A member's bytes, read in chunks and refused past ``limit`` (whatever the header says)."""
    if info.flag_bits & 0x1:
        raise ExportFormatError("the zip is encrypted (password protected): export the chat "
                                "again without a password")
    if info.compress_type == _DEFLATE64:
        raise ExportFormatError("the zip uses Deflate64 compression, which cannot be read: "
                                "unzip it and scan the .txt file")
    if info.file_size > _CHUNK and info.compress_size * MAX_ZIP_RATIO < info.file_size:
        raise ExportFormatError(f"refused: {info.filename!r} expands {info.file_size} bytes "
                                f"from {info.compress_size} (a zip bomb?)")
    if info.file_size > limit:
        raise ExportFormatError(f"{info.filename!r} is larger than {limit} bytes")
    parts: list[bytes] = []
    total = 0
    with archive.open(info) as stream:
        while True:
            chunk = stream.read(_CHUNK)
            if not chunk:
                break
            total += len(chunk)
            if total > limit:
                raise ExportFormatError(f"{info.filename!r} is larger than {limit} bytes")
            parts.append(chunk)
    return b"".join(parts)


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


def _read_regular(path: Path, limit: int) -> bytes:
    """A regular file's bytes, at most ``limit`` (a FIFO, device or directory is refused before
    it is opened, so ``/dev/zero`` or a pipe never blocks or fills memory)."""
    mode = path.stat().st_mode
    if not stat.S_ISREG(mode):
        raise ExportFormatError("not a regular file (a folder, pipe or device): give the "
                                "exported .txt or .zip")
    with path.open("rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):  # swapped after the check
            raise ExportFormatError("not a regular file")
        raw = handle.read(limit + 1)
    if len(raw) > limit:
        raise ExportFormatError(f"the chat text file is larger than {limit} bytes")
    return raw


def load_export(path: Path, *, max_media_bytes: int = DEFAULT_MAX_MEDIA_BYTES,
                max_chat_bytes: int = MAX_CHAT_BYTES) -> ExportSource:
    """Read and parse a .txt or .zip export. Raises ``ExportFormatError`` (with one clear line:
    not an export, a broken, encrypted or unsupported zip, a zip bomb, too large, not a regular
    file) or ``OSError``."""
    mode = path.stat().st_mode
    if not stat.S_ISREG(mode):
        raise ExportFormatError("not a regular file (a folder, pipe or device): give the "
                                "exported .txt or .zip")
    try:
        is_zip = zipfile.is_zipfile(path)
        if is_zip:
            with zipfile.ZipFile(path) as archive:
                infos = archive.infolist()
                if sum(i.file_size for i in infos) > MAX_ZIP_TOTAL:
                    raise ExportFormatError(f"refused: the zip expands to more than "
                                            f"{MAX_ZIP_TOTAL} bytes")
                chat = _chat_member(archive)
                text = decode_chat(_read_member(archive, chat, max_chat_bytes))
                members = {
                    PurePosixPath(i.filename).name: i
                    for i in infos
                    if not i.is_dir() and i is not chat
                }
            return ExportSource(path, parse_export(text), members, max_media_bytes)
    except zipfile.BadZipFile as exc:  # bad CRC, truncated, broken directory
        raise ExportFormatError(f"the zip is damaged ({exc})") from None
    except NotImplementedError as exc:  # an unsupported compression method
        raise ExportFormatError(f"the zip cannot be read ({exc})") from None
    except RuntimeError as exc:  # encrypted members
        raise ExportFormatError(f"the zip cannot be read ({exc})") from None
    except (zlib.error, EOFError) as exc:
        raise ExportFormatError(f"the zip is damaged ({type(exc).__name__}: {exc})") from None
    return ExportSource(path, parse_export(decode_chat(_read_regular(path, max_chat_bytes))))
