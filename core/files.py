"""Private files and folders: everything the bot writes is readable by its own user only.

Folders are created 0700 and files 0600 whatever the umask, and an existing file or folder the bot
writes into is narrowed to those modes. Writing goes through a temporary file in the same folder and
a rename, so a reader never sees half a file. A ``FileSealer`` (the data key, handed in by the
bootstrap) encrypts what a file holds before it reaches the disk; ``schoolwacht privacy open FILE``
shows it again.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Protocol

FOLDER_MODE = 0o700
FILE_MODE = 0o600



class FileSealer(Protocol):
    """Encrypts what goes into a file (``storage.crypto.KeyRing`` is one): a line of a log-like
    file with ``seal``, a whole file with ``seal_bytes``; ``context`` names the kind of file."""

    def seal(self, plain: str, context: str) -> str: ...

    def seal_bytes(self, data: bytes, context: str) -> bytes: ...


def private_folder(path: Path | str) -> Path:
    """Create ``path`` (and missing parents) as 0700; an existing folder is narrowed to 0700."""
    folder = Path(path)
    missing = []
    probe = folder
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    folder.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    for created in [*missing, folder]:
        with contextlib.suppress(OSError):
            os.chmod(created, FOLDER_MODE)
    return folder


def write_private(path: Path | str, data: bytes | str) -> Path:
    """Write a whole file as 0600 (atomically: temporary file in the same folder, then rename)."""
    target = Path(path)
    private_folder(target.parent)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return target


def open_private(path: Path | str, mode: str = "a") -> IO[str]:
    """Open a text file for appending or writing, created 0600 (an existing one narrowed)."""
    target = Path(path)
    private_folder(target.parent)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if "a" in mode else os.O_TRUNC)
    fd = os.open(target, flags, FILE_MODE)
    os.fchmod(fd, FILE_MODE)
    return os.fdopen(fd, mode, encoding="utf-8")


def make_private(path: Path | str) -> None:
    """Narrow an existing file (0600) or folder (0700) that someone else created for us."""
    target = Path(path)
    with contextlib.suppress(OSError):
        os.chmod(target, FOLDER_MODE if target.is_dir() else FILE_MODE)


@contextlib.contextmanager
def private_temp_folder(prefix: str = "schoolwacht-", parent: Path | str | None = None,
                        ) -> Iterator[Path]:
    """A 0700 temporary folder, removed with everything in it when the block ends."""
    with tempfile.TemporaryDirectory(prefix=prefix, dir=parent) as tmp:
        os.chmod(tmp, FOLDER_MODE)
        yield Path(tmp)
