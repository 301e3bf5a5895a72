"""Keys for tests, and scanning what the bot wrote for plaintext."""

from __future__ import annotations

from pathlib import Path

from storage.crypto import KeyRing, open_file

# A fixed data key for tests that build the app in this process (base64 of 32 bytes).
TEST_DATA_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY"
TEST_KEYS = KeyRing.parse(TEST_DATA_KEY)


def keys_in(folder: Path) -> KeyRing:
    """The data key a console run generated in its working folder."""
    return KeyRing.parse((folder / "keys" / "data.key").read_text("utf-8"))


def opened(path: Path, keys: KeyRing = TEST_KEYS) -> str:
    """A file the bot wrote (sealed or not), as text."""
    return open_file(path.read_bytes(), keys).decode("utf-8")


def alerts(folder: Path, keys: KeyRing = TEST_KEYS) -> list[str]:
    """The lines of alerts.jsonl under ``folder``, opened."""
    return opened(folder / "alerts.jsonl", keys).splitlines()
