"""Database access: one engine, migrations on start, and a single writer thread.

SQLite (the embedded default) runs in WAL mode so readers never block the writer. All database work
goes through ``Database.run`` on one dedicated thread: the asyncio loop never blocks on I/O, and SQLite
never sees two writers at once. PostgreSQL works by URL with the same code.
"""

from __future__ import annotations

import asyncio
import logging
import os
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


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
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
        return await loop.run_in_executor(self._writer, fn, *args)

    def close(self) -> None:
        self._writer.shutdown(wait=True)
        self.engine.dispose()
