"""The Matrix adapter: one nio client, one sync loop, neutral events out, ``MatrixPort`` actions in.

Why its own sync loop instead of nio's ``sync_forever``: the sync token must be saved only *after*
the events of a sync (and of every sync before it) were handled, so a crash replays rather than
loses them; every event id is claimed once in the database (so a replay never moderates twice), and
an unreachable homeserver must lead to a patient backoff instead of an exception. The rooms of a
sync are handled concurrently, each in its own lane (a room's events in timeline order, across
syncs), and the loop goes on syncing meanwhile: one room's burst never delays another room.
After each sync the loop does what ``sync_forever`` does for encryption: send to-device messages,
upload, query and claim keys.

B.1 on Matrix: the bot does not join a room before the school approved it. An invite to a room
listed in the config (or from configured staff, or to the management room) is accepted; any other
invite is registered as pending and the admins are alerted in the management room. The room is
joined once approved (by ``!sw approve`` or the CLI) and the invite is declined when rejected or
expired. Until then the core's "waiting for approval" notice cannot be posted (the bot is not in
the room) and is dropped by the outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import ClientError
from nio import (
    AsyncClient,
    AsyncClientConfig,
    ErrorResponse,
    InviteMemberEvent,
    InviteNameEvent,
    JoinResponse,
    MegolmEvent,
    RoomGetStateEventResponse,
    SyncError,
    SyncResponse,
)

from adapters.matrix import session as sessions
from adapters.matrix.media import MediaClient
from adapters.matrix.port import MatrixPort
from adapters.matrix.powers import Powers, creators_from, role_for
from adapters.matrix.translate import PLATFORM, ParsedCommand, parse_command, to_message
from bot.commands import CommandResult, Reply
from bot.config import AppConfig, secret
from bot.i18n import t
from core.delivery import TemporaryDeliveryError
from core.events import BotAddedEvent, CommandEvent, GroupKind, MemberJoinedEvent, Role, Sender
from core.permissions import Action, Resource, may
from core.ports import OutgoingAlert

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

SYNC_FILTER: dict[str, Any] = {
    "room": {"timeline": {"limit": 100}, "account_data": {"not_types": ["*"]}},
    "presence": {"not_types": ["*"]},
}
# Commands that accept a target room as first argument in the management room.
TARGETED = {"status", "beleid", "policy"}
UNDECRYPTED_GIVE_UP_S = 600.0
# Syncs whose events are still being handled before the loop waits for the oldest of them.
MAX_UNSAVED_SYNCS = 200


class _DirectRooms:
    """Which room is the bot's direct chat with a user (kept in the adapter state table)."""

    def __init__(self, adapter: MatrixAdapter) -> None:
        self.adapter = adapter

    async def get(self, user_id: str) -> str | None:
        app = self.adapter.app
        return None if app is None else await app.repos.db.run(app.repos.state.get,
                                                               f"matrix:dm:{user_id}")

    async def set(self, user_id: str, room_id: str) -> None:
        app = self.adapter.app
        if app is not None:
            await app.repos.db.run(app.repos.state.set, f"matrix:dm:{user_id}", room_id)


class MatrixAdapter:
    name = "matrix"

    def __init__(self, config: AppConfig, *, sync_timeout_ms: int = 30_000,
                 backoff_start: float = 1.0, backoff_max: float = 60.0) -> None:
        self.config = config
        self.settings = config.adapters.matrix
        self.store = Path(self.settings.store_path)
        self.store.mkdir(parents=True, exist_ok=True, mode=0o700)
        store_key = secret(self.settings.store_key_env)
        if store_key is None:
            log.warning("matrix key store is protected by file permissions only; set the "
                        "environment variable named in adapters.matrix.store_key_env",
                        extra={"env": self.settings.store_key_env})
        client_config = AsyncClientConfig(max_timeouts=1, backoff_factor=0.5, request_timeout=30,
                                          encryption_enabled=True, store_sync_tokens=False,
                                          **({"pickle_key": store_key} if store_key else {}))
        self.client = AsyncClient(self.settings.homeserver, self.settings.user_id,
                                  store_path=str(self.store), config=client_config)
        self.lang = config.school.language
        self.port = MatrixPort(self.client, lang=lambda: self.lang,
                               before_send=self._ensure_room,
                               dm_rooms=_DirectRooms(self))
        self.media = MediaClient(self.settings.homeserver, lambda: self.client.access_token,
                                 self.settings.max_download_bytes)
        self.sync_timeout_ms = sync_timeout_ms
        self.backoff_start = backoff_start
        self.backoff_max = backoff_max
        self.app: App | None = None
        self.user_id = self.settings.user_id
        self.management_room = self.settings.management_room
        self.staff = frozenset(self.settings.staff)
        self.mods_moderate = config.permissions.chat_admins == "moderator"
        # Observable state (used by `schoolwacht status` style checks and by the tests).
        self.ready = asyncio.Event()
        self.connected = False
        self.reconnects = 0
        self.synced = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._state: dict[str, dict[str, Mapping[str, Any]]] = {}
        self._rights_checked: set[str] = set()
        self._senders: OrderedDict[str, str] = OrderedDict()
        self._undecrypted: dict[str, tuple[str, MegolmEvent, float]] = {}
        self._joining: set[str] = set()
        self._seen_rooms: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._room_tails: dict[str, asyncio.Task[None]] = {}  # each room's latest lane task
        self._saving: asyncio.Task[bool] | None = None  # saves the newest handled sync token
        self._unsaved = 0

    # --- life cycle -----------------------------------------------------------------------------
    async def start(self, app: App) -> None:
        self.app = app
        self.lang = app.config.school.language
        app.commands.register("kick", self._kick_command, action=Action.MEMBER_REMOVE,
                              resource=self._removal_room)
        app.commands.register("ban", self._ban_command, action=Action.MEMBER_REMOVE,
                              resource=self._removal_room)
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="matrix")

    async def stop(self) -> None:
        self._stopping = True
        for task in [self._task, *self._tasks, self._saving]:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._task = None
        await self.media.close()
        await self.client.close()

    @property
    def _token_key(self) -> str:
        return f"matrix:next_batch:{self.user_id}"

    async def _sleep_backoff(self, delay: float) -> float:
        await asyncio.sleep(delay)
        return min(self.backoff_max, delay * 2)

    async def _run(self) -> None:
        try:
            if not await self._login():
                return
            await self._sync_loop()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("matrix adapter stopped after an unexpected error")

    async def _login(self) -> bool:
        delay = self.backoff_start
        while not self._stopping:
            try:
                found = await sessions.login(self.client, self.settings)
            except sessions.MatrixLoginError as exc:
                log.error("matrix login impossible: %s", exc)
                return False
            except (ClientError, TimeoutError, OSError) as exc:
                log.warning("homeserver unreachable at login", extra={
                    "error": type(exc).__name__, "retry_in_s": delay})
                delay = await self._sleep_backoff(delay)
                continue
            self.client.restore_login(found.user_id, found.device_id, found.access_token)
            self.user_id = found.user_id
            log.info("matrix session ready", extra={"device": found.device_id,
                                                    "encryption": self.client.olm is not None})
            return True
        return False

    async def _sync_loop(self) -> None:
        assert self.app is not None
        state = self.app.repos.state
        since = await self.app.repos.db.run(state.get, self._token_key)
        resumed = since is not None
        first = True
        delay = self.backoff_start
        while not self._stopping:
            try:
                response = await self.client.sync(
                    timeout=0 if first else self.sync_timeout_ms, sync_filter=SYNC_FILTER,
                    since=since, full_state=True if first else None)
            except (ClientError, TimeoutError, OSError) as exc:
                if self.connected:
                    log.warning("matrix connection lost", extra={"error": type(exc).__name__})
                self.connected = False
                delay = await self._sleep_backoff(delay)
                continue
            if isinstance(response, SyncError) or not isinstance(response, SyncResponse):
                code = str(getattr(response, "status_code", "?"))
                log.warning("matrix sync failed", extra={"code": code, "retry_in_s": delay})
                if code == "M_UNKNOWN_TOKEN":
                    self.connected = False
                    if not await self._login():
                        return
                    continue
                delay = await self._sleep_backoff(delay)
                continue
            if not self.connected and not first:
                self.reconnects += 1
                log.info("matrix connection restored", extra={"reconnects": self.reconnects})
            self.connected = True
            delay = self.backoff_start
            # On the very first start there is no token: existing history is not moderated.
            lanes = await self._handle_sync(response, moderate=resumed or not first,
                                            resumed_first=resumed and first)
            since = response.next_batch
            self._unsaved += 1
            self._saving = asyncio.create_task(self._save_after(since, lanes, self._saving))
            if first or self._unsaved > MAX_UNSAVED_SYNCS:
                await asyncio.wait([self._saving])  # start-up: the first sync is handled
            first = False
            await self._housekeeping()
            self.ready.set()
            self.synced.set()
            self.synced.clear()

    async def _housekeeping(self) -> None:
        """Encryption upkeep (as nio's ``sync_forever``), late decryption, approved invites."""
        client = self.client
        try:
            await client.send_to_device_messages()
            if client.should_upload_keys:
                await client.keys_upload()
            if client.should_query_keys:
                await client.keys_query()
            if client.should_claim_keys:
                await client.keys_claim(client.get_users_for_key_claiming())
        except (ClientError, TimeoutError, OSError) as exc:
            log.warning("matrix key upkeep failed", extra={"error": type(exc).__name__})
        await self._retry_undecrypted()
        for room_id in list(client.invited_rooms):
            if room_id not in self._joining:
                await self._join_if_approved(room_id, wait=False)

    async def _save_after(self, token: str, lanes: list[asyncio.Task[None]],
                          previous: asyncio.Task[bool] | None) -> bool:
        """Save a sync's token once its events and those of every earlier sync were handled.
        A lane cut short by a stop (cancelled) leaves this token and every later one unsaved:
        the next start replays from the last sync handled in full."""
        assert self.app is not None
        try:
            if previous is not None:
                await asyncio.wait([previous])
                if previous.cancelled() or previous.exception() is not None or \
                        not previous.result():
                    return False
            if lanes:
                await asyncio.wait(lanes)
                if any(lane.cancelled() for lane in lanes):
                    return False
            await self.app.repos.db.run(self.app.repos.state.set, self._token_key, token)
            return True
        finally:
            self._unsaved -= 1

    def _in_lane(self, room_id: str, work: Any) -> asyncio.Task[None]:
        """Run ``work`` (a coroutine) after everything queued before for this room."""
        previous = self._room_tails.get(room_id)

        async def run() -> None:
            if previous is not None:
                await asyncio.wait([previous])
            try:
                await work
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("room handling failed", extra={"room": room_id})

        task = asyncio.create_task(run(), name=f"matrix:room:{room_id}")
        self._room_tails[room_id] = task
        self._tasks.add(task)  # stop() cancels every lane, not only each room's newest

        def done(t: asyncio.Task[None]) -> None:
            self._tasks.discard(t)
            if self._room_tails.get(room_id) is t:
                del self._room_tails[room_id]

        task.add_done_callback(done)
        return task

    # --- sync handling --------------------------------------------------------------------------
    async def _handle_sync(self, response: SyncResponse, *, moderate: bool,
                           resumed_first: bool = False) -> list[asyncio.Task[None]]:
        """Invites now; each joined room's events in that room's lane. Returns the lanes' tasks
        for this sync."""
        # The management room first: alerts about the other invites go there.
        invites = sorted(response.rooms.invite.items(),
                         key=lambda item: item[0] != self.management_room)
        for room_id, info in invites:
            try:
                await self._on_invite(room_id, info.invite_state)
            except Exception:
                log.exception("invite handling failed", extra={"room": room_id})
        return [self._in_lane(room_id, self._handle_room(room_id, info, moderate=moderate,
                                                         resumed_first=resumed_first))
                for room_id, info in response.rooms.join.items()]

    async def _handle_room(self, room_id: str, info: Any, *, moderate: bool,
                           resumed_first: bool) -> None:
        for event in info.state:
            self._remember_state(room_id, event.source)
        known = room_id in self._seen_rooms or resumed_first
        if info.timeline.limited and moderate and known:
            log.warning("sync gap: older events of this room were not seen",
                        extra={"room": room_id})
        # A newly joined room's timeline starts with history from before the bot was
        # there; the bot moderates from its own join on.
        live = known
        rights_changed = room_id not in self._rights_checked
        for event in info.timeline.events:
            source = event.source if isinstance(event.source, Mapping) else {}
            if source.get("type") in ("m.room.power_levels", "m.room.create") and \
                    "state_key" in source:
                self._remember_state(room_id, source)
                rights_changed = True
            if not live:
                live = source.get("type") == "m.room.member" and \
                    source.get("state_key") == self.user_id and \
                    (source.get("content") or {}).get("membership") == "join"
                continue
            try:
                await self._on_timeline(room_id, event, moderate=moderate)
            except Exception:
                log.exception("event handling failed", extra={
                    "room": room_id, "event": source.get("event_id")})
        self._seen_rooms.add(room_id)
        if rights_changed:
            await self._check_rights(room_id)

    def _remember_state(self, room_id: str, source: Mapping[str, Any]) -> None:
        kind = source.get("type")
        if kind in ("m.room.power_levels", "m.room.create") and source.get("state_key") == "":
            self._state.setdefault(room_id, {})[str(kind)] = source

    async def _on_timeline(self, room_id: str, event: Any, *, moderate: bool) -> None:
        if isinstance(event, MegolmEvent):
            self._undecryptable(room_id, event)
            return
        source: Mapping[str, Any] = event.source
        sender = str(source.get("sender", ""))
        event_id = str(source.get("event_id", ""))
        kind = source.get("type")
        if sender == self.user_id or not moderate:
            return
        if kind == "m.room.member":
            await self._on_member(room_id, source)
            return
        if kind not in ("m.room.message", "m.sticker"):
            return
        self._remember_sender(event_id, sender)
        assert self.app is not None
        state = self.app.repos.state
        if await self.app.repos.db.run(state.processed, PLATFORM, event_id):
            return  # already handled before a restart
        await self._on_message(room_id, source)
        # Marked only once handled: a crash before this handles the event again after the
        # restart (the sync token is saved after the sync), and the decision is idempotent.
        await self.app.repos.db.run(state.claim_update, PLATFORM, event_id)

    def _remember_sender(self, event_id: str, sender: str) -> None:
        self._senders[event_id] = sender
        while len(self._senders) > 5000:
            self._senders.popitem(last=False)

    def _undecryptable(self, room_id: str, event: MegolmEvent) -> None:
        """Keep it for a later try (its key may still arrive) and log without contents."""
        if event.event_id not in self._undecrypted:
            log.warning("matrix event could not be decrypted (yet)", extra={
                "room": room_id, "event": event.event_id, "session": event.session_id})
            self._undecrypted[event.event_id] = (room_id, event, time.monotonic())
            try:
                self.client.request_room_key(event)
            except Exception:  # key requests are best effort
                log.debug("room key request not sent", exc_info=True)

    async def _retry_undecrypted(self) -> None:
        for event_id, (room_id, event, seen) in list(self._undecrypted.items()):
            try:
                decrypted = self.client.decrypt_event(event)
            except Exception:
                if time.monotonic() - seen > UNDECRYPTED_GIVE_UP_S:
                    log.warning("matrix event stays undecryptable", extra={
                        "room": room_id, "event": event_id, "session": event.session_id})
                    del self._undecrypted[event_id]
                continue
            del self._undecrypted[event_id]
            self._in_lane(room_id, self._on_timeline(room_id, decrypted, moderate=True))

    # --- invites, joins, rights -----------------------------------------------------------------
    async def _on_invite(self, room_id: str, invite_state: list[Any]) -> None:
        assert self.app is not None
        inviter: str | None = None
        title: str | None = None
        for event in invite_state:
            # nio strips "content" from invite-state sources; its attributes carry it.
            if isinstance(event, InviteMemberEvent):
                if event.state_key == self.user_id and event.membership == "invite":
                    inviter = event.sender
            elif isinstance(event, InviteNameEvent) and isinstance(event.name, str):
                title = event.name
        if inviter is None:
            return  # our invite is not (or no longer) in this state
        key = f"{PLATFORM}:{room_id}"
        configured = self.config.group(key)
        log.info("matrix invite", extra={"room": room_id, "configured": configured is not None})
        if room_id == self.management_room:
            await self._join(room_id)
            return
        kind = configured.kind if configured else GroupKind.CLASS
        role, is_mod = role_for(inviter, None, kind=kind, staff=self.staff)
        event = BotAddedEvent(platform=PLATFORM, group_id=room_id, group_title=title,
                              added_by=Sender(inviter, inviter, role, is_mod))
        if configured is not None and configured.approved:
            await self.app.on_bot_added(event)
            await self._join(room_id)
            return
        actor = await self.app.access.actor(PLATFORM, event.added_by or Sender(inviter, inviter,
                                                                                 role))
        if may(actor, Action.GROUP_APPROVE, await self.app.access.group_resource(key)):
            await self._approve_by_staff(room_id, key, title, inviter, kind)
            await self._join(room_id)
            return
        state = await self.app.on_bot_added(event)
        log.info("matrix invite not accepted", extra={"room": room_id, "approval": state})

    async def _approve_by_staff(self, room_id: str, key: str, title: str | None, inviter: str,
                                kind: GroupKind) -> None:
        """A configured staff member invited the bot: that is the school's approval (B.1)."""
        assert self.app is not None
        row = await self.app.directory.row(key)
        if row is not None and row.approval == "approved":
            return
        await self.app.directory.register(key, title=title, kind=kind, deadline=None)
        await self.app.approvals.decide(key, approve=True, actor=f"{PLATFORM}:{inviter}")
        text = t("matrix.staff_invite", self.lang, title=title or room_id, key=key,
                 inviter=inviter)
        await self.app.alerts.send(self.app.router.admins(), OutgoingAlert(text=text, ref=key),
                                   key=f"matrix:staff-invite:{key}", group_key=key)

    async def _join(self, room_id: str) -> bool:
        try:
            response = await self.client.join(room_id)
        except (ClientError, TimeoutError, OSError) as exc:
            log.warning("matrix join failed", extra={"room": room_id,
                                                     "error": type(exc).__name__})
            return False
        if not isinstance(response, JoinResponse):
            log.warning("matrix join refused", extra={
                "room": room_id, "code": str(getattr(response, "status_code", "?"))})
            return False
        log.info("matrix room joined", extra={"room": room_id})
        return True

    async def _ensure_room(self, room_id: str) -> bool:
        """Before sending: True when the bot is in the room (joining an approved room or the
        management room it is invited to). False means never (the outbox drops the item);
        TemporaryDeliveryError means not yet (not synced, or not yet invited to the management
        room)."""
        if not self.ready.is_set():
            try:
                await asyncio.wait_for(self.ready.wait(), 30)
            except TimeoutError:
                raise TemporaryDeliveryError("matrix: not connected yet") from None
        if room_id in self.client.rooms:
            return True
        if room_id == self.management_room:
            if room_id in self.client.invited_rooms and await self._join(room_id):
                return await self._wait_joined(room_id)
            log.error("the bot is not in the management room: invite it",
                      extra={"room": room_id})
            raise TemporaryDeliveryError("matrix: not in the management room")
        return await self._join_if_approved(room_id)

    async def _wait_joined(self, room_id: str) -> bool:
        for _ in range(200):  # the sync loop sees the join within moments
            if room_id in self.client.rooms:
                self._joining.discard(room_id)
                return True
            await asyncio.sleep(0.05)
        return room_id in self.client.rooms

    async def on_approval(self, key: str, approval: str) -> None:
        """A room was approved elsewhere (the CLI): join it now, not at the next sync."""
        room_id = key.partition(":")[2]
        if approval == "approved" and room_id in self.client.invited_rooms and \
                room_id not in self._joining:
            await self._join_if_approved(room_id, wait=False)

    async def _join_if_approved(self, room_id: str, wait: bool = True) -> bool:
        """Join an invited room once the school approved it; True when the bot is in it."""
        if room_id in self.client.rooms:
            return True
        if self.app is None or room_id not in self.client.invited_rooms:
            return False
        # Read afresh: the approval may come from another process (the CLI) a moment ago.
        self.app.directory.invalidate(f"{PLATFORM}:{room_id}")
        group = await self.app.directory.get(f"{PLATFORM}:{room_id}")
        if group is None or not group.approved:
            return False
        if room_id not in self._joining:
            self._joining.add(room_id)
            if not await self._join(room_id):
                self._joining.discard(room_id)
                return False
        return await self._wait_joined(room_id) if wait else False

    async def powers(self, room_id: str) -> Powers:
        """The room's power levels with v12 creators, from the synced state (fetched if absent)."""
        state = self._state.setdefault(room_id, {})
        for kind in ("m.room.create", "m.room.power_levels"):
            if kind not in state:
                try:
                    response = await self.client.room_get_state_event(room_id, kind)
                except (ClientError, TimeoutError, OSError):
                    response = None
                if isinstance(response, RoomGetStateEventResponse):
                    state[kind] = {"type": kind, "state_key": "", "content": response.content,
                                   "sender": getattr(response, "sender", None) or ""}
        create = state.get("m.room.create") or {}
        creators = creators_from(create)
        if create and not create.get("sender"):
            room = self.client.rooms.get(room_id)
            if room is not None and room.creator:
                creators = creators_from({**create, "sender": room.creator})
        power_event = state.get("m.room.power_levels") or {}
        return Powers.from_content(power_event.get("content"), creators)

    async def _check_rights(self, room_id: str) -> None:
        """Can the bot redact here? Tell the core (observe mode until it can) and the room."""
        assert self.app is not None
        self._rights_checked.add(room_id)
        if room_id == self.management_room:
            return
        key = f"{PLATFORM}:{room_id}"
        row = await self.app.directory.row(key)
        if row is None or row.approval != "approved":
            return
        powers = await self.powers(room_id)
        can_delete = powers.can_redact_others(self.user_id)
        before = row.can_delete
        await self.app.on_rights(key, can_delete=can_delete, can_read_all=True)
        if can_delete == before:
            return
        group = await self.app.directory.get(key)
        lang = group.language if group else self.lang
        pl_id = str((self._state.get(room_id, {}).get("m.room.power_levels") or {})
                    .get("event_id", "none"))
        if not can_delete:
            admins = [u for u in powers.admins() if u != self.user_id]
            level = max(powers.redact_level_needed(), self.settings.required_power_to_redact)
            text = t("matrix.rights_missing", lang, admins=f" ({', '.join(admins)})"
                     if admins else "", level=level, bot=self.user_id)
            log.info("matrix bot lacks redact rights: observe mode", extra={"group": key})
        elif before is False:
            text = t("matrix.rights_ok", lang)
        else:
            return
        await self.app.outbox.put(kind="chat", channel=key, payload={"text": text},
                                  dedupe_key=f"matrix:rights:{key}:{pl_id}:{can_delete}",
                                  group_key=key)

    async def _group_kind(self, room_id: str) -> GroupKind:
        assert self.app is not None
        group = await self.app.directory.get(f"{PLATFORM}:{room_id}")
        if group is not None:
            return group.kind
        configured = self.config.group(f"{PLATFORM}:{room_id}")
        return configured.kind if configured else GroupKind.CLASS

    async def sender(self, room_id: str, user_id: str) -> Sender:
        room = self.client.rooms.get(room_id)
        name = (room.user_name(user_id) if room is not None else None) or \
            user_id.split(":", 1)[0].lstrip("@")
        powers = await self.powers(room_id)
        if room_id == self.management_room:
            # Power in the management room is a fact about the room, not a school role.
            is_mod = powers.level(user_id) >= 50
            return Sender(user_id, name, Role.STAFF if user_id in self.staff else Role.STUDENT,
                          is_mod)
        role, is_mod = role_for(user_id, powers, kind=await self._group_kind(room_id),
                                staff=self.staff, mods_moderate=self.mods_moderate)
        return Sender(user_id, name, role, is_mod)

    async def _on_member(self, room_id: str, source: Mapping[str, Any]) -> None:
        assert self.app is not None
        content = source.get("content") or {}
        prev = ((source.get("unsigned") or {}).get("prev_content") or {}).get("membership")
        if content.get("membership") != "join" or prev == "join":
            return
        member = str(source.get("state_key", ""))
        if not member or member == self.user_id or room_id == self.management_room:
            return
        await self.app.on_member_joined(MemberJoinedEvent(
            platform=PLATFORM, group_id=room_id, member=await self.sender(room_id, member)))

    # --- messages and commands ------------------------------------------------------------------
    async def _on_message(self, room_id: str, source: Mapping[str, Any]) -> None:
        assert self.app is not None
        content = source.get("content") or {}
        body = content.get("body") if isinstance(content.get("body"), str) else ""
        in_management = room_id == self.management_room
        parsed = parse_command(body or "", allow_slash=not in_management) \
            if content.get("msgtype") in ("m.text", "m.notice", None) else None
        if parsed is not None:
            await self._on_command(room_id, source, parsed)
            return
        if in_management:
            return  # the moderators' own talk is not moderated
        user_id = str(source.get("sender"))
        room = self.client.rooms.get(room_id)
        event = to_message(source, room_id=room_id, sender=await self.sender(room_id, user_id),
                           room_title=room.display_name if room is not None else None,
                           fetcher=self.media.fetcher, reply_sender=self._senders.get)
        await self.app.on_message(event)

    async def _on_command(self, room_id: str, source: Mapping[str, Any],
                          parsed: ParsedCommand) -> None:
        assert self.app is not None
        user_id = str(source.get("sender"))
        event_id = str(source.get("event_id"))
        sender = await self.sender(room_id, user_id)
        group_id: str | None = room_id
        args = parsed.args
        if room_id == self.management_room:
            group_id = None
            if parsed.name in TARGETED and args:
                target = args[0].removeprefix(f"{PLATFORM}:")
                if target.startswith("!"):
                    group_id, args = target, args[1:]
        content = source.get("content") or {}
        reply = ((content.get("m.relates_to") or {}).get("m.in_reply_to") or {}).get("event_id")
        command = CommandEvent(platform=PLATFORM, group_id=group_id, sender=sender,
                               name=parsed.name, args=args, message_id=event_id,
                               reply_to_message_id=reply,
                               reply_to_sender_id=self._senders.get(reply) if reply else None)
        log.info("matrix command", extra={"command": parsed.name, "room": room_id,
                                          "staff": sender.role.is_staff or sender.is_group_admin})
        result = await self.app.on_command(command)
        # Sent beside the sync loop: a private reply may need a new direct chat, which only
        # the sync loop can see appear.
        task = asyncio.create_task(self._deliver_replies(room_id, event_id, user_id, result))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver_replies(self, room_id: str, event_id: str, user_id: str,
                               result: CommandResult) -> None:
        try:
            await self._send_replies(room_id, event_id, user_id, result)
        except TemporaryDeliveryError as exc:
            log.warning("command reply not sent", extra={"room": room_id, "error": str(exc)})
        except Exception:
            log.exception("command reply failed", extra={"room": room_id})

    async def _send_replies(self, room_id: str, event_id: str, user_id: str,
                            result: CommandResult) -> None:
        if result.delete_command:
            await self.port.delete_message(room_id, event_id, reason="schoolwacht")
        for reply in result.replies:
            if reply.to == "private" and room_id != self.management_room:
                sent = await self.port.send_private(user_id, reply.text)
                if sent is not None or result.delete_command:
                    continue  # a quiet command (/meld, /digest) never falls back to the room
            await self.port.send_message(room_id, reply.text,
                                         reply_to=None if result.delete_command else event_id)

    # --- moderator commands: kick and ban -------------------------------------------------------
    async def _removal_room(self, event: CommandEvent) -> Resource:
        """The room a kick or ban acts on: the named room, else the room it was typed in."""
        assert self.app is not None
        named = next((a.removeprefix(f"{PLATFORM}:") for a in event.args
                      if a.removeprefix(f"{PLATFORM}:").startswith("!")), None)
        room = named or (event.group_id if event.group_id != self.management_room else None)
        return await self.app.access.group_resource(f"{PLATFORM}:{room}" if room else None)

    async def _kick_command(self, event: CommandEvent, lang: str) -> CommandResult:
        return await self._remove(event, lang, ban=False)

    async def _ban_command(self, event: CommandEvent, lang: str) -> CommandResult:
        return await self._remove(event, lang, ban=True)

    async def _remove(self, event: CommandEvent, lang: str, *, ban: bool) -> CommandResult:
        """``!sw kick @user [room] reason``: only on a moderator's explicit command."""
        assert self.app is not None
        command = "ban" if ban else "kick"
        if event.platform != PLATFORM:
            return CommandResult([Reply(t("command.unknown", lang))])
        args = list(event.args)
        user = next((a for a in args if a.startswith("@") and ":" in a), None)
        if user is None:
            return CommandResult([Reply(t("matrix.kick_usage", lang, command=command))])
        args.remove(user)
        room_id = event.group_id if event.group_id and event.group_id != self.management_room \
            else None
        named = next((a for a in args if a.removeprefix(f"{PLATFORM}:").startswith("!")), None)
        if named is not None:
            args.remove(named)
            room_id = named.removeprefix(f"{PLATFORM}:")
        if room_id is None:
            rooms = [r for r, room in self.client.rooms.items()
                     if r != self.management_room and user in room.users]
            if not rooms:
                return CommandResult([Reply(t("matrix.kick_not_member", lang, user=user))])
            if len(rooms) > 1:
                return CommandResult([Reply(t("matrix.kick_no_room", lang, user=user,
                                              rooms=", ".join(rooms)))])
            room_id = rooms[0]
        reason = " ".join(args) or t("matrix.reason_default", lang)
        actor = event.sender.platform_id
        call = self.client.room_ban if ban else self.client.room_kick
        try:
            response = await call(room_id, user, reason=f"{reason} ({actor})")
        except (ClientError, TimeoutError, OSError) as exc:
            response = None
            error = type(exc).__name__
        else:
            error = str(getattr(response, "status_code", "")) or ""
        room = self.client.rooms.get(room_id)
        title = room.display_name if room is not None else room_id
        if response is None or isinstance(response, ErrorResponse):
            return CommandResult([Reply(t("matrix.kick_failed", lang, error=error or "?",
                                          room=title))])
        await self.app.repos.db.run(lambda: self.app.repos.audit.add(  # type: ignore[union-attr]
            f"{PLATFORM}:{actor}", f"member.{command}", group_key=f"{PLATFORM}:{room_id}",
            target=user))
        return CommandResult([Reply(t(f"matrix.{command}_done", lang, user=user, room=title,
                                      actor=actor, reason=reason))])

