"""The WAL is written back off the write path (issue 16, worst-case decision latency): SQLite's
automatic checkpoint is off, and ``Database.run`` starts a PASSIVE checkpoint on a thread of its
own at most once a second, so no decision's commit carries one."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from storage import db as dbmod
from storage.db import Database


async def test_commits_do_not_checkpoint_and_the_background_checkpoint_does(
        tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(dbmod, "CHECKPOINT_SECONDS", 3600.0)  # only the first run starts one
    database = Database(f"sqlite:///{tmp_path / 'sw.db'}")
    try:
        with database.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0

        def write(n: int) -> None:
            with database.engine.begin() as conn:
                conn.execute(text("CREATE TABLE IF NOT EXISTS t (x BLOB)"))
                for _ in range(n):
                    conn.execute(text("INSERT INTO t VALUES (randomblob(4000))"))

        await database.run(write, 1)
        await asyncio.sleep(0.2)  # the first checkpoint (of an almost empty WAL) is done
        for _ in range(60):  # ~1,800 pages: the automatic checkpoint (1,000) would have run
            await database.run(write, 20)
        pages, copied = await asyncio.to_thread(database.checkpoint)
        # The WAL grew past SQLite's automatic threshold (1,000 pages) without any commit writing
        # it back; the checkpoint copies all of it.
        assert pages > 1_000 and copied == pages
    finally:
        database.close()
