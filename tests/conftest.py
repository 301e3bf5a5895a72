"""Shared test fixtures. Tests use real components: SQLite files, the real pipeline and outbox.

No test may reach the network except loopback; the guard below fails any other connection.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address) -> None:  # type: ignore[no-untyped-def]
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and self.family in (socket.AF_INET, socket.AF_INET6) and not (
        host.startswith("127.") or host in ("::1", "localhost")
    ):
        raise RuntimeError(f"test tried to reach the network: {host}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


from tests.postgres_fixture import postgres_url  # noqa: E402,F401  (session fixture)

# A fixed data key and install secret for tests that build the app in this process; tests of
# generating them clear these variables, and the console runs (a subprocess with a clean
# environment) generate their own in their tmp folder.
from tests.privacy_support import TEST_DATA_KEY  # noqa: E402


@pytest.fixture(autouse=True, scope="session")
def _test_keys() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SCHOOLWACHT_DATA_KEY", TEST_DATA_KEY)
        patch.setenv("SCHOOLWACHT_SECRET", "test-install-secret")
        yield


@pytest.fixture(scope="session")
def harassment_policy():  # type: ignore[no-untyped-def]
    """One harassment rule for the wording tests (its lexicon is built once per process anyway)."""
    from policies.harassment import HarassmentPolicy

    return HarassmentPolicy()
