"""Open an export as the mentor receives it: the chat's .txt, or the .zip with chat and media.

A zip is never extracted to disk: the chat text is read from it, and each attached file stays
inside the zip until a policy asks for its bytes (so images go through the image rules, and only
those that are needed are read). Member sizes are checked before reading, so a crafted zip cannot
exhaust memory.
"""

from __future__ import annotations

import asyncio
import codecs
import io
import os
import stat
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

from adapters.whatsapp.parser import (
    ChatExport,
    ChatMessage,
    ExportFormatError,
    ExportShape,
    SystemLine,
    iter_export,
    read_shape,
)
from core.events import Fetch

# A chat text larger than this is refused. The scan streams the text (a generator over its lines),
# so memory follows what the report keeps, not the export: a full scan at this limit peaks at
# 227 MB (an ordinary chat) and 419 MB (every message flagged; tests/test_scan_memory.py). The cap
# now bounds the scan's time (about a minute per 25 MB); WhatsApp exports at most ~10 MB.
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
    """An export's chat text (read again for each pass, never held whole) and where its media live
    (only for zip exports)."""

    path: Path
    text: ChatText
    shape: ExportShape
    zip_members: dict[str, zipfile.ZipInfo] = field(default_factory=dict)
    max_media_bytes: int = DEFAULT_MAX_MEDIA_BYTES

    def items(self) -> Iterator[ChatMessage | SystemLine]:
        """The messages and system lines in order, parsed while the text is read."""
        return iter_export(self.text.lines, self.shape)

    def messages(self) -> Iterator[ChatMessage]:
        return (item for item in self.items() if isinstance(item, ChatMessage))

    @property
    def export(self) -> ChatExport:
        """The whole export in memory (tests and small files; the scan streams ``items()``)."""
        messages: list[ChatMessage] = []
        system_lines: list[SystemLine] = []
        for item in self.items():
            (messages if isinstance(item, ChatMessage) else system_lines).append(item)  # type: ignore[arg-type]
        shape = self.shape
        return ChatExport(shape.platform, shape.date_order, messages, system_lines,
                          shape.total_lines, shape.group_title, shape.members)

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


def _check_member(info: zipfile.ZipInfo, limit: int) -> None:
    """Refuse a member before reading it: encrypted, Deflate64, a bomb by ratio, too large."""
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


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """A member's bytes, read in chunks and refused past ``limit`` (whatever the header says)."""
    _check_member(info, limit)
    with archive.open(info) as stream:
        return b"".join(_Limited(stream, limit, info.filename).chunks())


class _Limited(io.RawIOBase):
    """A byte stream that is cut off (``ExportFormatError``) past ``limit`` bytes, whatever a
    header said."""

    def __init__(self, raw: IO[bytes], limit: int, name: str) -> None:
        self.raw, self.limit, self.name, self.total = raw, limit, name, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        data = self.raw.read(len(buffer))
        self.total += len(data)
        if self.total > self.limit:
            raise ExportFormatError(f"{self.name!r} is larger than {self.limit} bytes")
        buffer[: len(data)] = data
        return len(data)

    def chunks(self) -> Iterator[bytes]:
        while chunk := self.read(_CHUNK):
            yield chunk


_ZIP_ERRORS = (zipfile.BadZipFile, NotImplementedError, RuntimeError, zlib.error, EOFError)


def _zip_error(exc: Exception) -> ExportFormatError:
    if isinstance(exc, zipfile.BadZipFile):  # bad CRC, truncated, broken directory
        return ExportFormatError(f"the zip is damaged ({exc})")
    if isinstance(exc, NotImplementedError | RuntimeError):  # unsupported method, encrypted
        return ExportFormatError(f"the zip cannot be read ({exc})")
    return ExportFormatError(f"the zip is damaged ({type(exc).__name__}: {exc})")


@dataclass(slots=True)
class ChatText:
    """The chat text of an export: a regular file, or one member of a zip. ``lines()`` reads it
    afresh as a generator of lines (never the whole text at once), at most ``limit`` bytes."""

    path: Path
    member: zipfile.ZipInfo | None = None
    limit: int = MAX_CHAT_BYTES
    encoding: str = "utf-8-sig"
    errors: str = "strict"

    @contextmanager
    def _binary(self) -> Iterator[_Limited]:
        if self.member is None:
            if not stat.S_ISREG(self.path.stat().st_mode):
                raise ExportFormatError("not a regular file (a folder, pipe or device): give "
                                        "the exported .txt or .zip")
            with self.path.open("rb") as handle:
                if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):  # swapped after the check
                    raise ExportFormatError("not a regular file")
                if os.fstat(handle.fileno()).st_size > self.limit:
                    raise ExportFormatError(
                        f"the chat text file is larger than {self.limit} bytes")
                yield _Limited(handle, self.limit, self.path.name)
            return
        _check_member(self.member, self.limit)
        try:
            with zipfile.ZipFile(self.path) as archive, archive.open(self.member) as stream:
                yield _Limited(stream, self.limit, self.member.filename)
        except _ZIP_ERRORS as exc:
            raise _zip_error(exc) from None

    def chunks(self) -> Iterator[bytes]:
        with self._binary() as raw:
            try:
                yield from raw.chunks()
            except _ZIP_ERRORS as exc:
                raise _zip_error(exc) from None

    def detect(self) -> None:
        """Choose the encoding from the bytes, as ``decode_chat`` does, in streaming passes."""
        head = b""
        for chunk in self.chunks():
            head = chunk[:4096]
            break
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            self.encoding, self.errors = "utf-16", "replace"
            return
        body = head[3:] if head.startswith(codecs.BOM_UTF8) else head
        if len(body) >= 4 and body.count(0) * 3 > len(body):  # UTF-16 without a BOM
            odd_zeros = body[1::2].count(0)
            self.encoding = "utf-16-le" if odd_zeros > body[::2].count(0) else "utf-16-be"
            self.errors = "replace"
            return
        strict = codecs.getincrementaldecoder("utf-8")()
        try:
            for chunk in self.chunks():
                strict.decode(chunk)
            strict.decode(b"", final=True)
            self.encoding, self.errors = "utf-8-sig", "strict"
            return
        except UnicodeDecodeError:
            pass
        # Not UTF-8 throughout: a few stray bytes in UTF-8 stay U+FFFD, else Windows-1252.
        loose = codecs.getincrementaldecoder("utf-8")(errors="replace")
        bad = good = 0
        leads = bytes(range(0xC2, 0xF5))
        for chunk in self.chunks():
            text = loose.decode(chunk)
            bad += text.count("\ufffd") - chunk.count(b"\xef\xbf\xbd")
            good += len(chunk) - len(chunk.translate(None, leads))
        good -= bad
        self.encoding, self.errors = ("utf-8-sig", "replace") if good >= bad else ("cp1252",
                                                                                    "replace")

    def lines(self) -> Iterator[str]:
        """The text's lines without their line ends (\\n, \\r\\n or \\r), one at a time."""
        with self._binary() as raw:
            text = io.TextIOWrapper(io.BufferedReader(raw, _CHUNK), encoding=self.encoding,
                                    errors=self.errors, newline=None)
            try:
                for line in text:
                    yield line[:-1] if line.endswith("\n") else line
            except _ZIP_ERRORS as exc:
                raise _zip_error(exc) from None
            except UnicodeDecodeError as exc:  # changed since it was read: read it as it is now
                raise ExportFormatError(f"the chat text cannot be decoded ({exc.reason})") from None
            finally:
                text.detach()


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


def load_export(path: Path, *, max_media_bytes: int = DEFAULT_MAX_MEDIA_BYTES,
                max_chat_bytes: int = MAX_CHAT_BYTES) -> ExportSource:
    """Open a .txt or .zip export and read its shape (layout, date order, senders) in streaming
    passes; the messages come later, one at a time, from ``ExportSource.items()``. Raises
    ``ExportFormatError`` (with one clear line: not an export, a broken, encrypted or unsupported
    zip, a zip bomb, too large, not a regular file) or ``OSError``."""
    mode = path.stat().st_mode
    if not stat.S_ISREG(mode):
        raise ExportFormatError("not a regular file (a folder, pipe or device): give the "
                                "exported .txt or .zip")
    members: dict[str, zipfile.ZipInfo] = {}
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                infos = archive.infolist()
                if sum(i.file_size for i in infos) > MAX_ZIP_TOTAL:
                    raise ExportFormatError(f"refused: the zip expands to more than "
                                            f"{MAX_ZIP_TOTAL} bytes")
                chat = _chat_member(archive)
                members = {
                    PurePosixPath(i.filename).name: i
                    for i in infos
                    if not i.is_dir() and i is not chat
                }
            text = ChatText(path, chat, max_chat_bytes)
        else:
            text = ChatText(path, None, max_chat_bytes)
    except _ZIP_ERRORS as exc:
        raise _zip_error(exc) from None
    text.detect()
    return ExportSource(path, text, read_shape(text.lines), members, max_media_bytes)
