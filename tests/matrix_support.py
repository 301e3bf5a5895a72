"""Helpers for the Matrix tests: real nio clients (teacher, student…) and the real bot.

A ``Person`` is a matrix-nio client with encryption and its own store, syncing in the background
and keeping every timeline event it sees (decrypted where it can) so tests can wait for what the
bot did: a redaction, a notice, a join.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from nio import (
    AsyncClient,
    AsyncClientConfig,
    InviteMemberEvent,
    JoinResponse,
    MegolmEvent,
    RoomCreateResponse,
    RoomSendResponse,
    SyncResponse,
)

from bot.app import App
from bot.bootstrap import build_app
from bot.config import AppConfig, parse_config
from tests.synapse_fixture import Synapse, User

Source = Mapping[str, Any]


async def eventually(check: Callable[[], Awaitable[Any] | Any], timeout: float = 20.0,
                     what: str = "condition") -> Any:
    """Poll ``check`` until it returns something truthy; fail with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


class Person:
    def __init__(self, synapse: Synapse, user: User, store: Path) -> None:
        store.mkdir(parents=True, exist_ok=True)
        self.user = user
        self.user_id = user.user_id
        self.client = AsyncClient(synapse.url, user.user_id, device_id=user.device_id,
                                  store_path=str(store),
                                  config=AsyncClientConfig(encryption_enabled=True,
                                                           max_timeout_retry_wait_time=1,
                                                           backoff_factor=0.2))
        self.client.restore_login(user.user_id, user.device_id, user.access_token)
        self.events: dict[str, list[Source]] = {}
        self.invites: set[str] = set()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._sync_once(0)
        self._task = asyncio.create_task(self._loop())

    async def _loop(self) -> None:
        while True:
            try:
                await self._sync_once(1000)
            except asyncio.CancelledError:
                raise
            except Exception:
                await asyncio.sleep(0.3)

    async def _sync_once(self, timeout: int) -> None:
        client = self.client
        response = await client.sync(timeout=timeout)
        if not isinstance(response, SyncResponse):
            await asyncio.sleep(0.3)
            return
        for room_id, info in response.rooms.invite.items():
            for event in info.invite_state:
                if isinstance(event, InviteMemberEvent) and event.state_key == self.user_id:
                    self.invites.add(room_id)
        for room_id, info in response.rooms.join.items():
            for event in info.timeline.events:
                source = dict(event.source)
                if isinstance(event, MegolmEvent):
                    source["undecrypted"] = True
                elif getattr(event, "decrypted", False):
                    source["was_encrypted"] = True
                self.events.setdefault(room_id, []).append(source)
        await client.send_to_device_messages()
        if client.should_upload_keys:
            await client.keys_upload()
        if client.should_query_keys:
            await client.keys_query()
        if client.should_claim_keys:
            await client.keys_claim(client.get_users_for_key_claiming())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.client.close()

    # --- actions --------------------------------------------------------------------------------
    async def create_room(self, name: str, *, invite: tuple[str, ...] = (),
                          encrypted: bool = False, powers: dict[str, int] | None = None) -> str:
        state = [{"type": "m.room.encryption", "state_key": "",
                  "content": {"algorithm": "m.megolm.v1.aes-sha2"}}] if encrypted else []
        override = {"users": powers} if powers is not None else None
        response = await self.client.room_create(name=name, invite=list(invite),
                                                 initial_state=state,
                                                 power_level_override=override)
        assert isinstance(response, RoomCreateResponse), response
        await eventually(lambda: response.room_id in self.client.rooms, what="room synced")
        return response.room_id

    async def join(self, room_id: str) -> None:
        await eventually(lambda: room_id in self.invites, what=f"invite for {self.user_id}")
        response = await self.client.join(room_id)
        assert isinstance(response, JoinResponse), response
        await eventually(lambda: room_id in self.client.rooms, what="joined room synced")

    async def say(self, room_id: str, text: str) -> str:
        """Send a text message (encrypted in encrypted rooms) and return its event id."""
        await eventually(lambda: room_id in self.client.rooms, what="room known")
        response = await self.client.room_send(room_id, "m.room.message",
                                               {"msgtype": "m.text", "body": text},
                                               ignore_unverified_devices=True)
        assert isinstance(response, RoomSendResponse), response
        return response.event_id

    async def set_power(self, room_id: str, user_id: str, level: int) -> None:
        current = await self.client.room_get_state_event(room_id, "m.room.power_levels")
        content = dict(current.content)  # type: ignore[union-attr]
        content["users"] = {**content.get("users", {}), user_id: level}
        response = await self.client.room_put_state(room_id, "m.room.power_levels", content)
        assert hasattr(response, "event_id"), response

    async def members(self, room_id: str) -> set[str]:
        response = await self.client.joined_members(room_id)
        return {m.user_id for m in getattr(response, "members", [])}

    # --- observations ---------------------------------------------------------------------------
    def notices(self, room_id: str, sender: str | None = None) -> list[Source]:
        return [e for e in self.events.get(room_id, [])
                if e.get("type") == "m.room.message"
                and (e.get("content") or {}).get("msgtype") == "m.notice"
                and (sender is None or e.get("sender") == sender)]

    def notice_containing(self, room_id: str, *parts: str) -> Source | None:
        for event in self.notices(room_id):
            body = str((event.get("content") or {}).get("body", ""))
            if all(p in body for p in parts):
                return event
        return None

    def redaction_of(self, room_id: str, event_id: str) -> Source | None:
        for event in self.events.get(room_id, []):
            if event.get("type") == "m.room.redaction" and (
                    event.get("redacts") == event_id
                    or (event.get("content") or {}).get("redacts") == event_id):
                return event
        return None


def bot_config(tmp_path: Path, synapse: Synapse, bot: User, *, management_room: str,
               groups: list[dict[str, Any]] = (), staff: list[str] = (),  # type: ignore[assignment]
               token_env: str | None = "SW_TEST_MATRIX_TOKEN",
               password_env: str | None = None, admins: list[str] = (),  # type: ignore[assignment]
               **extra: Any) -> AppConfig:
    return parse_config({
        "school": {"name": "Testcollege",
                   "admins": [{"name": "Beheer", "accounts": [f"matrix:{a}" for a in admins]}]},
        "storage": {"url": f"sqlite:///{tmp_path / 'bot.db'}"},
        "mail": {"backend": "memory"},
        "adapters": {
            "console": {"enabled": False},
            "matrix": {"enabled": True, "homeserver": synapse.url, "user_id": bot.user_id,
                       "access_token_env": token_env, "password_env": password_env,
                       "store_path": str(tmp_path / "matrix-store"),
                       "management_room": management_room, "staff": list(staff)},
        },
        "groups": list(groups),
        **extra,
    })


async def start_bot(config: AppConfig) -> tuple[App, Any]:
    from adapters.mail import MemoryBackend

    app = build_app(config, mail=MemoryBackend())
    await app.start()
    adapter = app.adapters[0]
    await asyncio.wait_for(adapter.ready.wait(), 30)
    return app, adapter
