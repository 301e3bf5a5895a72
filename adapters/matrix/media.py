"""Media for the image rules: authenticated downloads (``/_matrix/client/v1/media``), size-limited,
and decryption of attachments from encrypted rooms.

Bytes are only fetched when a policy asks (``Attachment.fetch``), never stored by the adapter.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import quote

import aiohttp
from nio.crypto.attachments import decrypt_attachment

log = logging.getLogger(__name__)


class MediaTooLarge(ValueError):
    """The file is larger than ``max_download_bytes``; it is not downloaded."""


def split_mxc(url: str) -> tuple[str, str]:
    if not url.startswith("mxc://"):
        raise ValueError("not an mxc:// url")
    server, _, media_id = url[6:].partition("/")
    if not server or not media_id or "/" in media_id:
        raise ValueError("malformed mxc:// url")
    return server, media_id


class MediaClient:
    """Downloads through the authenticated client media API with a hard size limit."""

    def __init__(self, homeserver: str, token: Callable[[], str], max_bytes: int) -> None:
        self.homeserver = homeserver.rstrip("/")
        self.token = token
        self.max_bytes = max_bytes
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def download(self, mxc: str, declared_size: int | None = None) -> bytes:
        if declared_size is not None and declared_size > self.max_bytes:
            raise MediaTooLarge("declared size over the limit")
        server, media_id = split_mxc(mxc)
        url = (f"{self.homeserver}/_matrix/client/v1/media/download/"
               f"{quote(server, safe='')}/{quote(media_id, safe='')}")
        headers = {"Authorization": f"Bearer {self.token()}"}
        async with self._http().get(url, headers=headers) as resp:
            if resp.status != 200:
                raise OSError(f"media download failed with HTTP {resp.status}")
            if resp.content_length is not None and resp.content_length > self.max_bytes:
                raise MediaTooLarge("content length over the limit")
            chunks: list[bytes] = []
            total = 0
            async for chunk in resp.content.iter_chunked(64 * 1024):
                total += len(chunk)
                if total > self.max_bytes:
                    raise MediaTooLarge("download over the limit")
                chunks.append(chunk)
        return b"".join(chunks)

    def fetcher(self, content: Mapping[str, Any]) -> Callable[[], Awaitable[bytes]] | None:
        """A lazy fetch for a message's media: plain (``url``) or encrypted (``file``)."""
        info = content.get("info") or {}
        size = info.get("size") if isinstance(info.get("size"), int) else None
        encrypted = content.get("file")
        if isinstance(encrypted, Mapping) and isinstance(encrypted.get("url"), str):
            key = (encrypted.get("key") or {}).get("k")
            digest = (encrypted.get("hashes") or {}).get("sha256")
            iv = encrypted.get("iv")
            if not (key and digest and iv):
                return None
            mxc = str(encrypted["url"])

            async def fetch_encrypted() -> bytes:
                ciphertext = await self.download(mxc, size)
                return decrypt_attachment(ciphertext, key, digest, iv)

            return fetch_encrypted
        url = content.get("url")
        if isinstance(url, str):

            async def fetch_plain() -> bytes:
                return await self.download(url, size)

            return fetch_plain
        return None
