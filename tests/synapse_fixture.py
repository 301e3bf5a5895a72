"""A real Synapse homeserver for the Matrix tests, started once per test session.

The config is written here instead of generated (``--generate-config`` takes seconds and adds what
the tests must not have): one plain HTTP listener on 127.0.0.1 with the client API only (no
federation listener, no ``::1``), no trusted key servers, SQLite in a temporary folder, registration
only by shared secret, rate limits out of the way and cheap password hashing. Users are registered
through the admin API (``/_synapse/admin/v1/register``) exactly as a school's IT person would with
``register_new_matrix_user``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SERVER_NAME = "school.test"
_RELAXED = {"per_second": 1000, "burst_count": 1000}
_RATE_LIMITS = (
    "rc_message", "rc_registration", "rc_joins_per_room", "rc_3pid_validation",
    "rc_invites", "rc_login", "rc_joins", "rc_admin_redaction", "rc_key_requests",
    "rc_media_create", "rc_room_creation", "rc_reports",
    "rc_delayed_event_mgmt", "rc_presence", "rc_send_to_device",
)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rate_limits() -> dict[str, object]:
    limits: dict[str, object] = {name: dict(_RELAXED) for name in _RATE_LIMITS}
    limits["rc_login"] = {k: dict(_RELAXED) for k in ("address", "account", "failed_attempts")}
    limits["rc_joins"] = {k: dict(_RELAXED) for k in ("local", "remote")}
    limits["rc_invites"] = {k: dict(_RELAXED) for k in ("per_room", "per_user", "per_issuer")}
    limits["rc_admin_redaction"] = dict(_RELAXED)
    return limits


def write_config(folder: Path, port: int, shared_secret: str) -> Path:
    """Write homeserver.yaml (JSON is valid YAML), a log config and a signing key."""
    from signedjson.key import generate_signing_key, write_signing_keys

    folder.mkdir(parents=True, exist_ok=True)
    key_path = folder / "signing.key"
    if not key_path.exists():
        with key_path.open("w") as fh:
            write_signing_keys(fh, [generate_signing_key("a_test")])
    log_config = folder / "log.yaml"
    log_config.write_text(json.dumps({
        "version": 1,
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
        "handlers": {"file": {"class": "logging.FileHandler", "formatter": "plain",
                              "filename": str(folder / "homeserver.log")}},
        "root": {"level": "WARNING", "handlers": ["file"]},
        "disable_existing_loggers": False,
    }))
    config = {
        "server_name": SERVER_NAME,
        "public_baseurl": f"http://127.0.0.1:{port}/",
        "pid_file": str(folder / "homeserver.pid"),
        "listeners": [{"port": port, "bind_addresses": ["127.0.0.1"], "type": "http",
                       "tls": False, "x_forwarded": False,
                       "resources": [{"names": ["client"], "compress": False}]}],
        "database": {"name": "sqlite3", "args": {"database": str(folder / "homeserver.db")}},
        "log_config": str(log_config),
        "media_store_path": str(folder / "media"),
        "signing_key_path": str(key_path),
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "report_stats": False,
        "enable_registration": False,
        "registration_shared_secret": shared_secret,
        "macaroon_secret_key": secrets.token_hex(16),
        "form_secret": secrets.token_hex(16),
        "bcrypt_rounds": 4,
        "presence": {"enabled": False},
        "url_preview_enabled": False,
        "enable_authenticated_media": True,
        "federation_domain_whitelist": [],
        **_rate_limits(),
    }
    path = folder / "homeserver.yaml"
    path.write_text(json.dumps(config, indent=1))
    return path


@dataclass
class User:
    user_id: str
    password: str
    access_token: str
    device_id: str


class Synapse:
    """One homeserver process on loopback; ``stop``/``start`` keep its data (restart tests)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.shared_secret = secrets.token_hex(16)
        self.config_path = write_config(folder, self.port, self.shared_secret)
        self.process: subprocess.Popen[bytes] | None = None
        self._counter = 0

    def start(self, timeout: float = 60.0) -> None:
        out = (self.folder / "stdout.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "synapse.app.homeserver", "-c", str(self.config_path)],
            cwd=self.folder, stdout=out, stderr=subprocess.STDOUT)
        out.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("Synapse exited during start-up; see "
                                   f"{self.folder / 'stdout.log'}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=1) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("Synapse did not become healthy in time")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def _post(self, path: str, body: dict[str, object] | None = None,
              token: str | None = None, method: str = "POST") -> dict[str, object]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.url}{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=30) as resp:
            return json.loads(resp.read() or b"{}")

    def register(self, localpart: str | None = None, *, admin: bool = False) -> User:
        """Shared-secret registration (the admin API), as ``register_new_matrix_user`` does."""
        self._counter += 1
        localpart = localpart or f"user{self._counter}"
        localpart = f"{localpart}-{secrets.token_hex(3)}"
        password = secrets.token_urlsafe(12)
        nonce = self._post("/_synapse/admin/v1/register", method="GET")["nonce"]
        mac = hmac.new(self.shared_secret.encode(), digestmod=hashlib.sha1)
        mac.update(b"\x00".join([str(nonce).encode(), localpart.encode(), password.encode(),
                                 b"admin" if admin else b"notadmin"]))
        result = self._post("/_synapse/admin/v1/register", {
            "nonce": nonce, "username": localpart, "password": password, "admin": admin,
            "mac": mac.hexdigest()})
        return User(str(result["user_id"]), password, str(result["access_token"]),
                    str(result["device_id"]))


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synapse]:
    server = Synapse(tmp_path_factory.mktemp("synapse"))
    server.start()
    try:
        yield server
    finally:
        server.stop()
