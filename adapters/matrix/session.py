"""Logging in once and staying the same device.

The device id matters for encryption: the keys in the store belong to one device, so a restart
must come back as that device. With a password, the first login creates the device and its id and
access token are kept in ``session.json`` (mode 0600) in the store folder; later starts reuse them
(and log in again as the same device if the token stopped working). With an access token from the
environment, ``/whoami`` tells the device id.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from nio import AsyncClient, LoginResponse, WhoamiResponse

from bot.config import MatrixSettings, secret

log = logging.getLogger(__name__)


class MatrixLoginError(RuntimeError):
    """No usable credentials: the bot cannot start on Matrix (the message says what to set)."""


@dataclass(frozen=True, slots=True)
class Session:
    user_id: str
    device_id: str
    access_token: str


def _session_file(store: Path) -> Path:
    return store / "session.json"


def load_saved(store: Path) -> Session | None:
    path = _session_file(store)
    try:
        data = json.loads(path.read_text("utf-8"))
        return Session(str(data["user_id"]), str(data["device_id"]), str(data["access_token"]))
    except (OSError, ValueError, KeyError):
        return None


def save(store: Path, session: Session) -> None:
    store.mkdir(parents=True, exist_ok=True)
    path = _session_file(store)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"user_id": session.user_id, "device_id": session.device_id,
                   "access_token": session.access_token}, fh)
    os.replace(tmp, path)


async def _whoami(client: AsyncClient, token: str) -> WhoamiResponse | None:
    client.access_token = token
    response = await client.whoami()
    client.access_token = ""
    return response if isinstance(response, WhoamiResponse) else None


async def login(client: AsyncClient, settings: MatrixSettings) -> Session:
    """Log ``client`` in (without loading the store); raises MatrixLoginError."""
    store = Path(settings.store_path)
    token = secret(settings.access_token_env)
    if token:
        who = await _whoami(client, token)
        if who is None or not who.device_id:
            raise MatrixLoginError(f"the access token in ${settings.access_token_env} was "
                                   "refused (or has no device)")
        if who.user_id != settings.user_id:
            log.warning("access token belongs to another user id than configured",
                        extra={"configured": settings.user_id})
        return Session(who.user_id, who.device_id, token)
    saved = load_saved(store)
    if saved is not None and saved.user_id == settings.user_id:
        who = await _whoami(client, saved.access_token)
        if who is not None:
            return saved
    password = secret(settings.password_env)
    if not password:
        raise MatrixLoginError(f"set ${settings.access_token_env} or ${settings.password_env} "
                               "for the Matrix account")
    client.user = settings.user_id
    if saved is not None and saved.user_id == settings.user_id:
        client.device_id = saved.device_id  # same device again: the keys in the store stay valid
    response = await client.login(password=password, device_name=settings.device_name)
    if not isinstance(response, LoginResponse):
        raise MatrixLoginError(f"login as {settings.user_id} failed: "
                               f"{getattr(response, 'status_code', '?')}")
    session = Session(response.user_id, response.device_id, response.access_token)
    save(store, session)
    log.info("matrix login", extra={"device": session.device_id})
    return session
