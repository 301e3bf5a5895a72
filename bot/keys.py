"""The installation's keys and secrets: where they come from, generating them once, opening the database.

- The **data key** (``storage/crypto.py``) seals every stored text and name. It comes from the
  environment variable named by ``[privacy] key_env`` (``SCHOOLWACHT_DATA_KEY``: base64 keys, the
  first seals) or from ``[privacy] key_file``. When neither exists and the database holds no
  encrypted data yet, a key file is generated (0600, folder 0700). When the database holds encrypted
  data and no key is found, start-up stops with a clear error (``KeyProblem``).
- The **per-install secret** keys the log pseudonyms. It comes from the environment variable named
  by ``[privacy] secret_env`` (``SCHOOLWACHT_SECRET``) or from ``[privacy] secret_file``, generated
  on first start. Never a constant. (The digest's signing secret: ``[digest] secret_env``, else one
  generated once and kept in the database, sealed like every stored value.)
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

from bot.config import AppConfig, ConfigError
from bot.config import secret as env_secret
from core.files import write_private
from storage.crypto import KeyRing, MissingKeyError, WrongKeyError
from storage.db import Database
from storage.sealing import holds_encrypted_data, unlock

log = logging.getLogger(__name__)


class KeyProblem(ConfigError):
    """The data key is missing, does not fit, or cannot be read: start-up stops with this line."""


def read_keys(config: AppConfig) -> KeyRing | None:
    """The data keys from the environment or the key file; None when neither is there."""
    value = env_secret(config.privacy.key_env)
    source = f"${config.privacy.key_env}"
    if value is None:
        path = config.privacy.key_file
        if not path.exists():
            return None
        try:
            value = path.read_text("utf-8")
        except OSError as exc:
            raise KeyProblem(f"{path}: cannot read the data key ({exc.strerror})") from None
        source = str(path)
    try:
        return KeyRing.parse(value)
    except ValueError as exc:
        raise KeyProblem(f"{source}: not a data key: {exc}") from None


def write_key_file(path: Path, keys: KeyRing) -> None:
    write_private(path, "# schoolwacht data key: back it up apart from the database\n"
                  + keys.dump())


def open_database(config: AppConfig, *, generate: bool = True) -> Database:
    """The database, unlocked with the data key (generated on first start when allowed)."""
    db = Database(config.storage.url)
    try:
        keys = read_keys(config)
        if keys is None:
            where = f"set ${config.privacy.key_env} or restore the key file " \
                f"{config.privacy.key_file}"
            if holds_encrypted_data(db):
                raise MissingKeyError(
                    f"the database holds encrypted data but no data key was found: {where}")
            if not generate:
                raise MissingKeyError(f"no data key: {where}")
            keys = KeyRing.generate()
            write_key_file(config.privacy.key_file, keys)
            log.warning("data key generated; back it up apart from the database",
                        extra={"key_file": str(config.privacy.key_file)})
        unlock(db, keys)
    except (MissingKeyError, WrongKeyError) as exc:
        db.close()
        raise KeyProblem(str(exc)) from None
    except KeyProblem:
        db.close()
        raise
    return db


def install_secret(config: AppConfig) -> bytes:
    """The per-install secret: from the environment, else the secret file (generated once)."""
    value = env_secret(config.privacy.secret_env)
    if value:
        return value.encode()
    path = config.privacy.secret_file
    if path.exists():
        try:
            stored = path.read_text("utf-8").strip()
        except OSError as exc:
            raise KeyProblem(f"{path}: cannot read the install secret ({exc.strerror})") from None
        if stored:
            return stored.encode()
    value = secrets.token_urlsafe(32)
    write_private(path, value + "\n")
    log.warning("install secret generated", extra={"secret_file": str(path)})
    return value.encode()


def derived(secret: bytes, purpose: str) -> bytes:
    """A key for one purpose, so the log pseudonyms and the digest links never share a key."""
    return hmac.new(secret, f"schoolwacht {purpose}".encode(), hashlib.sha256).digest()


def data_folder_warning(config: AppConfig) -> str | None:
    """A warning when the key file sits inside the data folder (a backup would hold both)."""
    url = config.storage.url
    if not url.startswith("sqlite:///"):
        return None
    data = Path(url.removeprefix("sqlite:///")).resolve().parent
    key = config.privacy.key_file.resolve()
    if os.path.commonpath([data, key]) == str(data):
        return f"the key file {config.privacy.key_file} is inside the data folder {data}"
    return None
