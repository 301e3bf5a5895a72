"""Keys for tests, and scanning what the bot wrote for plaintext."""

from __future__ import annotations

from storage.crypto import KeyRing

# A fixed data key for tests that build the app in this process (base64 of 32 bytes).
TEST_DATA_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY"
TEST_KEYS = KeyRing.parse(TEST_DATA_KEY)
