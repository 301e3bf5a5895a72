"""A real PostgreSQL server for the storage tests, started once per test session.

It runs from Debian's postgresql package (installed by ``make test``), in a temporary folder,
listening on 127.0.0.1 only, with trust authentication, and is stopped at the end. When the tests
run as root (CI), the server runs as the ``postgres`` system user, as PostgreSQL requires.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


def _bin(name: str) -> str:
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    found = candidates[0] if candidates else shutil.which(name)
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is missing: run `make test` (it installs the "
                           "Debian package postgresql) or `apt-get install postgresql`")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    base = Path(tempfile.mkdtemp(prefix="sw-pg-"))
    data = base / "data"
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    port = _free_port()
    subprocess.run(_as_server_user([_bin("initdb"), "-D", str(data), "-A", "trust", "-U",
                                    "postgres", "-E", "UTF8", "--no-sync"]),
                   check=True, capture_output=True)
    pg_ctl = _bin("pg_ctl")
    options = f"-h 127.0.0.1 -p {port} -k {base} -c fsync=off"
    subprocess.run(_as_server_user([pg_ctl, "-D", str(data), "-o", options, "-w", "-t", "60",
                                    "-l", str(base / "log"), "start"]),
                   check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_server_user([pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"]),
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)
