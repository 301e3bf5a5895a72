"""Database access: one engine, migrations on start, and a single writer thread.

SQLite (the embedded default) runs in WAL mode so readers never block the writer. All database work
goes through ``Database.run`` on one dedicated thread: the asyncio loop never blocks on I/O, and SQLite
never sees two writers at once. PostgreSQL works by URL with the same code.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

from core.files import FILE_MODE, private_folder
from storage.crypto import KEYS_ATTR, KeyRing

log = logging.getLogger(__name__)
T = TypeVar("T")

MIGRATIONS = Path(__file__).parent / "migrations"


def redact_url(url: str) -> str:
    """A database URL safe to log: the password is replaced."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is logged as nothing rather than leaked
        return "<unparsable database url>"


# How often the WAL is copied back into the database file (a PASSIVE checkpoint on a thread of its
# own). SQLite's automatic checkpoint is off: it ran inside whichever commit crossed 1,000 pages, so
# now and then a decision's commit stalled 20-100 ms while the WAL was written back and synced.
CHECKPOINT_SECONDS = 1.0


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            # The database and its folder are the bot's alone (0600/0700); SQLite gives the WAL
            # and shared-memory files the database file's mode.
            path = Path(parsed.database)
            private_folder(path.parent)
            os.close(os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE))
            os.chmod(path, FILE_MODE)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def migrate(engine: Engine) -> None:
    """Apply Alembic migrations up to every head (feature branches each have their own)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection_engine"] = engine
    command.upgrade(cfg, "heads")


class Database:
    """One database. ``keys`` opens and seals the encrypted columns (``storage/crypto.py``); without
    them any read or write of an encrypted column fails with ``MissingKeyError``."""

    def __init__(self, url: str, *, keys: KeyRing | None = None,
                 apply_migrations: bool = True) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.set_keys(keys)
        if apply_migrations:
            migrate(self.engine)
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db")
        # SQLite files: the WAL is written back by PASSIVE checkpoints off the write path, on a
        # thread and connection of their own (a passive checkpoint never blocks a writer or reader;
        # whatever it cannot copy yet, the next one does).
        self._wal = self.engine.dialect.name == "sqlite" and make_url(url).database not in (
            None, "", ":memory:")
        self._checkpointer = (ThreadPoolExecutor(max_workers=1, thread_name_prefix="db-wal")
                              if self._wal else None)
        self._checkpoint_due = 0.0
        self._checkpoint_running = False
        log.info("database ready", extra={"db": redact_url(url)})

    @property
    def keys(self) -> KeyRing | None:
        return getattr(self.engine.dialect, KEYS_ATTR, None)

    def set_keys(self, keys: KeyRing | None) -> None:
        """The data keys of this database's engine (its dialect carries them to the column types)."""
        setattr(self.engine.dialect, KEYS_ATTR, keys)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run blocking database work on the database thread."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._writer, fn, *args)
        finally:
            if self._checkpointer is not None:
                self._maybe_checkpoint()

    def _maybe_checkpoint(self) -> None:
        now = time.monotonic()
        if self._checkpoint_running or now < self._checkpoint_due:
            return
        self._checkpoint_due = now + CHECKPOINT_SECONDS
        self._checkpoint_running = True
        try:
            self._checkpointer.submit(self.checkpoint)  # type: ignore[union-attr]
        except RuntimeError:  # shut down
            self._checkpoint_running = False

    def checkpoint(self) -> tuple[int, int] | None:
        """One PASSIVE checkpoint of the WAL (SQLite files only): (WAL pages, pages copied)."""
        if not self._wal:
            return None
        try:
            with self.engine.connect() as conn:
                row = conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            return (int(row[1]), int(row[2])) if row else None
        except Exception:  # a checkpoint that fails now is tried again by the next one
            log.warning("wal checkpoint failed", exc_info=True)
            return None
        finally:
            self._checkpoint_running = False

    def close(self) -> None:
        self._writer.shutdown(wait=True)
        if self._checkpointer is not None:
            self._checkpointer.shutdown(wait=True)
        self.engine.dispose()
