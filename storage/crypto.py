"""Encryption at rest: every stored text and name is sealed, every member id is a keyed lookup value.

Two transparent column types, so repositories and services keep reading and writing plain values:

- ``Sealed`` / ``SealedJSON``: AES-256-GCM (authenticated, random nonce) for texts, names, evidence,
  incident context, outbox payloads, audit details. The column's name is the associated data, so a
  value copied into another column does not open.
- ``Lookup``: AES-256-SIV, deterministic, for identifiers that are searched by equality (member ids,
  audit actors and targets, subscriber addresses). Its synthetic IV is a keyed hash of the value, so
  the same id always gives the same stored value (a "find everything about this member" still works
  with an index) while the value itself stays unreadable without the key.

Keys live in a ``KeyRing`` (the first key seals, every key opens), handed to a database by
``Database.set_keys``; they never come from this module or the database itself. A stored value names
the key that sealed it (an 8-hex-digit key id), so rotation (``reseal_all``) re-writes every row under
the new key while the old one still opens what is not yet rewritten.

Values written before encryption existed carry no prefix and are read as they are (legacy); the
start-up check re-seals them once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import secrets
from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

SEALED = "sw1:"  # AES-GCM: sw1:<kid>:<base64 nonce+ciphertext>
LOOKUP = "sl1:"  # AES-SIV: sl1:<kid>:<base64 ciphertext>
FILE_MAGIC = b"SWSEALED1\n"  # a sealed file: magic, then one sealed token
KEY_BYTES = 32


class KeyError_(Exception):
    """Base of the key problems (named so it does not shadow the built-in ``KeyError``)."""


class MissingKeyError(KeyError_):
    """Encrypted data was read or written without a key."""


class WrongKeyError(KeyError_):
    """A stored value does not open with any key given (wrong key, or tampered data)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class _Key:
    """One master key and the two keys derived from it (sealing and lookup)."""

    def __init__(self, raw: bytes) -> None:
        if len(raw) != KEY_BYTES:
            raise ValueError(f"a data key is {KEY_BYTES} bytes (base64), got {len(raw)}")
        self.raw = raw
        self.kid = hashlib.sha256(b"schoolwacht key id" + raw).hexdigest()[:8]
        self.gcm = AESGCM(self._derive(b"schoolwacht seal v1", 32))
        self.siv = AESSIV(self._derive(b"schoolwacht lookup v1", 64))

    def _derive(self, info: bytes, length: int) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(self.raw)


class KeyRing:
    """The data keys of one installation: ``keys[0]`` seals, any of them opens."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise ValueError("a key ring needs at least one key")
        self._keys = [_Key(k) for k in keys]
        self._by_kid = {k.kid: k for k in self._keys}

    # --- making and writing keys ----------------------------------------------------------------
    @staticmethod
    def new_key() -> bytes:
        return secrets.token_bytes(KEY_BYTES)

    @classmethod
    def generate(cls) -> KeyRing:
        return cls([cls.new_key()])

    @classmethod
    def parse(cls, text: str) -> KeyRing:
        """Keys as base64, separated by commas, spaces or lines; the first seals. ``#`` comments."""
        keys = []
        for line in text.splitlines():
            line = line.split("#", 1)[0]
            for part in line.replace(",", " ").split():
                try:
                    keys.append(_unb64(part))
                except (binascii.Error, ValueError):
                    raise ValueError("a data key is not valid base64") from None
        return cls(keys)

    def dump(self) -> str:
        """The key file's text: the sealing key first, one key a line."""
        return "".join(_b64(k.raw) + "\n" for k in self._keys)

    def rotated(self, new: bytes | None = None) -> KeyRing:
        """A ring with a fresh sealing key that still opens everything the old keys sealed."""
        return KeyRing([new or self.new_key(), *(k.raw for k in self._keys)])

    def current_only(self) -> KeyRing:
        return KeyRing([self._keys[0].raw])

    @property
    def kid(self) -> str:
        return self._keys[0].kid

    @property
    def kids(self) -> list[str]:
        return [k.kid for k in self._keys]

    # --- values ---------------------------------------------------------------------------------
    def seal(self, plain: str, context: str) -> str:
        key = self._keys[0]
        nonce = os.urandom(12)
        data = key.gcm.encrypt(nonce, plain.encode("utf-8"), context.encode())
        return f"{SEALED}{key.kid}:{_b64(nonce + data)}"

    def open(self, token: str, context: str) -> str:
        key, body = self._split(token, SEALED)
        blob = _unb64(body)
        try:
            return key.gcm.decrypt(blob[:12], blob[12:], context.encode()).decode("utf-8")
        except InvalidTag:
            raise WrongKeyError(f"a stored value of {context} does not open (tampered?)") from None

    def lookup(self, plain: str) -> str:
        key = self._keys[0]
        return f"{LOOKUP}{key.kid}:{_b64(key.siv.encrypt(plain.encode('utf-8'), None))}"

    def lookups(self, plain: str) -> list[str]:
        """The lookup value under every key (finding rows not yet re-sealed after a rotation)."""
        return [f"{LOOKUP}{k.kid}:{_b64(k.siv.encrypt(plain.encode('utf-8'), None))}"
                for k in self._keys]

    def reveal(self, token: str) -> str:
        key, body = self._split(token, LOOKUP)
        try:
            return key.siv.decrypt(_unb64(body), None).decode("utf-8")
        except InvalidTag:
            raise WrongKeyError("a stored id does not open (tampered?)") from None

    def _split(self, token: str, prefix: str) -> tuple[_Key, str]:
        kid, _, body = token[len(prefix):].partition(":")
        key = self._by_kid.get(kid)
        if key is None:
            raise WrongKeyError(f"data sealed with key {kid}, which is not among the keys given "
                                f"({', '.join(self.kids)})")
        return key, body

    # --- files ----------------------------------------------------------------------------------
    def seal_bytes(self, data: bytes, context: str) -> bytes:
        return FILE_MAGIC + self.seal(base64.b64encode(data).decode("ascii"), context).encode()

    def open_bytes(self, data: bytes, context: str) -> bytes:
        if not data.startswith(FILE_MAGIC):
            return data
        return base64.b64decode(self.open(data[len(FILE_MAGIC):].decode("ascii").strip(), context))

    @cached_property
    def check_value(self) -> str:
        """A sealed known value stored with the data, to tell at start-up whether a key fits."""
        return self.seal("schoolwacht key check", "privacy.key_check")


def is_sealed(value: Any) -> bool:
    return isinstance(value, str) and (value.startswith(SEALED) or value.startswith(LOOKUP))


# --- the column types ------------------------------------------------------------------------------

KEYS_ATTR = "schoolwacht_keys"


def keys_of(dialect: Dialect) -> KeyRing:
    ring = getattr(dialect, KEYS_ATTR, None)
    if ring is None:
        raise MissingKeyError(
            "encrypted data needs the data key: set SCHOOLWACHT_DATA_KEY or [privacy] key_file")
    return ring


class Sealed(TypeDecorator[str]):
    """A text column stored AES-GCM sealed; ``context`` (the column) is the associated data.

    ``None`` and ``""`` are stored as they are: an empty value reveals nothing, and SQL that compares
    with ``''`` (``NULLIF``) keeps working."""

    impl = Text
    cache_ok = True

    def __init__(self, context: str) -> None:
        super().__init__()
        self.context = context

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None or value == "":
            return value
        return keys_of(dialect).seal(str(value), self.context)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None or value == "" or not str(value).startswith(SEALED):
            return value  # empty, or written before encryption (re-sealed at start-up)
        return keys_of(dialect).open(value, self.context)


class SealedJSON(TypeDecorator[Any]):
    """A JSON value (list or dict) stored AES-GCM sealed as text."""

    impl = Text
    cache_ok = True

    def __init__(self, context: str) -> None:
        super().__init__()
        self.context = context

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return keys_of(dialect).seal(json.dumps(value, ensure_ascii=False),
                                     self.context)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, str):  # a JSON column before migration handed back a structure
            return value
        if value.startswith(SEALED):
            value = keys_of(dialect).open(value, self.context)
        return json.loads(value)


class Lookup(TypeDecorator[str]):
    """An identifier stored AES-SIV (deterministic): equality search and unique keys still work."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None or value == "":
            return value
        return keys_of(dialect).lookup(str(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None or value == "" or not str(value).startswith(LOOKUP):
            return value
        return keys_of(dialect).reveal(value)


def sealed_columns(tables: Iterable[Any]) -> dict[str, list[str]]:
    """Per table name, the columns stored sealed or as lookup values (for re-sealing, the report)."""
    out: dict[str, list[str]] = {}
    for table in tables:
        names = [c.name for c in table.columns if isinstance(c.type, (Sealed, SealedJSON, Lookup))]
        if names:
            out[table.name] = names
    return out



FILE_CONTEXTS = ("file:alerts.jsonl", "file:mail", "file:export")


def _open_any(token: str, keys: KeyRing) -> str:
    """A sealed token from a file: each kind of file seals with its own context."""
    for context in FILE_CONTEXTS:
        try:
            return keys.open(token, context)
        except WrongKeyError:
            continue
    raise WrongKeyError("a sealed file does not open with the keys given")


def open_file(data: bytes, keys: KeyRing) -> bytes:
    """What a file the bot wrote holds, opened: a sealed file (``FILE_MAGIC``), or a file of
    lines each sealed on its own (alerts.jsonl); anything else is returned as it is."""
    if data.startswith(FILE_MAGIC):
        token = data[len(FILE_MAGIC):].decode("ascii").strip()
        return base64.b64decode(_open_any(token, keys))
    lines = data.decode("utf-8", errors="replace").splitlines()
    if lines and all(line.startswith(SEALED) for line in lines if line):
        return "".join(_open_any(line, keys) + "\n" for line in lines if line).encode()
    return data
