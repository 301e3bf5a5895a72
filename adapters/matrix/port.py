"""``MatrixPort``: the core's ChatPort carried out with matrix-nio.

Error contract (``core.ports.ChatPort``): an error that can never succeed (no such room, the bot was
removed, forbidden) is logged and answered with False/None; network trouble, time-outs and rate
limits raise ``TemporaryDeliveryError`` so the outbox retries.

Everything the bot sends is an ``m.notice`` (clients and other bots do not answer notices) and is
encrypted in encrypted rooms. Devices are not verified interactively: the bot shares its keys with
every device in the room (``ignore_unverified_devices=True``), the same trust a member gets who
never verifies anyone; see docs/matrix.md.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiohttp import ClientError
from nio import (
    AsyncClient,
    ErrorResponse,
    LocalProtocolError,
    RoomCreateResponse,
    RoomSendResponse,
    SendRetryError,
)
from nio.api import RoomPreset

from bot.i18n import t
from core.delivery import TemporaryDeliveryError, delivery_key
from core.ports import Button, OutgoingAlert, SentRef

log = logging.getLogger(__name__)

PLATFORM = "matrix"
_TEMPORARY_CODES = {"M_LIMIT_EXCEEDED"}


def button_command(button: Button) -> str:
    """A button as the command a moderator types (the same split as Telegram's buttons).

    ``approve:matrix:!r`` becomes ``!sw approve matrix:!r`` (a group key stays whole);
    ``fb:correct:7`` becomes ``!sw fb correct 7``.
    """
    name, _, rest = button.data.partition(":")
    if rest.partition(":")[0] in ("matrix", "telegram", "console"):
        return f"!sw {name} {rest}"
    return " ".join(["!sw", name, *[part for part in rest.split(":") if part]])


def render_alert(alert: OutgoingAlert, lang: str = "nl") -> tuple[str, str]:
    """Plain and HTML text of an alert; buttons become command hints."""
    from html import escape

    plain = alert.text
    html = escape(alert.text).replace("\n", "<br>")
    if alert.buttons:
        lines = [f"{b.label}: {button_command(b)}" for b in alert.buttons]
        plain += "\n\n" + t("matrix.alert_actions", lang) + "\n" + "\n".join(lines)
        html += "<br><br>" + escape(t("matrix.alert_actions", lang)) + "<br>" + "<br>".join(
            f"{escape(b.label)}: <code>{escape(button_command(b))}</code>" for b in alert.buttons)
    return plain, html


def transaction_id() -> str | None:
    """The Matrix transaction id for what the outbox delivers now: derived from the item's dedupe
    key, so the same item always sends with the same id and the homeserver answers a repeat
    (after a crash, before the item was marked sent) with the first event instead of posting it
    again. None outside the outbox (a command reply): nio makes a fresh one."""
    key = delivery_key.get()
    if key is None:
        return None
    return "sw-" + hashlib.sha256(key.encode()).hexdigest()[:32]


def _is_temporary(response: ErrorResponse) -> bool:
    """Rate limits and server-side errors are worth retrying; M_FORBIDDEN and friends are not."""
    code = str(getattr(response, "status_code", "") or "")
    transport = getattr(response, "transport_response", None)
    status = int(getattr(transport, "status", 0) or 0)
    return code in _TEMPORARY_CODES or status == 429 or status >= 500


class MatrixPort:
    platform = PLATFORM

    def __init__(self, client: AsyncClient, *, lang: Callable[[], str] = lambda: "nl",
                 before_send: Callable[[str], Awaitable[bool]] | None = None,
                 dm_rooms: Any = None) -> None:
        self.client = client
        self.lang = lang
        # Called before sending into a room the bot has not joined (yet): returns True when the
        # room may be joined now (an approved group) and was joined.
        self.before_send = before_send
        self.dm_rooms = dm_rooms  # get(user) / set(user, room) for direct-message rooms

    # --- helpers --------------------------------------------------------------------------------
    async def _call(self, what: str, chat_id: str, coro: Awaitable[Any]) -> Any:
        """Run one nio call; map transport errors to TemporaryDeliveryError."""
        try:
            response = await coro
        except (ClientError, TimeoutError, OSError) as exc:
            raise TemporaryDeliveryError(f"matrix {what}: {type(exc).__name__}") from None
        except (LocalProtocolError, SendRetryError) as exc:
            log.warning("matrix call refused locally", extra={"call": what, "room": chat_id,
                                                              "error": type(exc).__name__})
            return None
        if isinstance(response, ErrorResponse):
            if _is_temporary(response):
                retry = getattr(response, "retry_after_ms", None)
                raise TemporaryDeliveryError(f"matrix {what}: {response.status_code}",
                                             retry_after=retry / 1000 if retry else None)
            log.warning("matrix call failed", extra={"call": what, "room": chat_id,
                                                     "code": str(response.status_code)})
            return None
        return response

    async def _joined(self, room_id: str) -> bool:
        if room_id in self.client.rooms:
            return True
        if self.before_send is not None:
            return await self.before_send(room_id)
        return False

    async def _send(self, room_id: str, content: dict[str, Any]) -> SentRef | None:
        if not await self._joined(room_id):
            log.info("not in room, message not sent", extra={"room": room_id})
            return None
        response = await self._call("send", room_id, self.client.room_send(
            room_id, "m.room.message", content, tx_id=transaction_id(),
            ignore_unverified_devices=True))
        if isinstance(response, RoomSendResponse):
            return SentRef(chat_id=room_id, message_id=response.event_id)
        return None

    # --- ChatPort -------------------------------------------------------------------------------
    async def send_message(self, chat_id: str, text: str, *, reply_to: str | None = None,
                           notice: bool = True) -> SentRef | None:
        content: dict[str, Any] = {"msgtype": "m.notice" if notice else "m.text", "body": text,
                                   "m.mentions": {}}
        if reply_to:
            content["m.relates_to"] = {"m.in_reply_to": {"event_id": reply_to}}
        return await self._send(chat_id, content)

    async def delete_message(self, chat_id: str, message_id: str, *, reason: str) -> bool:
        if chat_id not in self.client.rooms:
            return False
        response = await self._call("redact", chat_id,
                                    self.client.room_redact(chat_id, message_id, reason=reason,
                                                            tx_id=transaction_id()))
        return response is not None

    async def restrict_member(self, chat_id: str, member_id: str, *, until: datetime) -> bool:
        """Matrix has no timed mute; changing power levels behind the moderators' back is not
        what a school wants, so this is reported as not done (the alert says so)."""
        log.info("restrict not supported on matrix", extra={"room": chat_id})
        return False

    async def leave_group(self, chat_id: str) -> bool:
        """Leave a room, or decline the invite to it (B.1)."""
        response = await self._call("leave", chat_id, self.client.room_leave(chat_id))
        if response is None:
            return False
        await self._call("forget", chat_id, self.client.room_forget(chat_id))
        self.client.invited_rooms.pop(chat_id, None)
        return True

    async def send_alert(self, chat_id: str, alert: OutgoingAlert) -> SentRef | None:
        plain, html = render_alert(alert, self.lang())
        return await self._send(chat_id, {"msgtype": "m.notice", "body": plain,
                                          "format": "org.matrix.custom.html",
                                          "formatted_body": html, "m.mentions": {}})

    async def edit_alert(self, ref: SentRef, alert: OutgoingAlert) -> bool:
        plain, html = render_alert(alert, self.lang())
        new = {"msgtype": "m.notice", "body": plain, "format": "org.matrix.custom.html",
               "formatted_body": html, "m.mentions": {}}
        content = {**new, "body": f"* {plain}", "formatted_body": f"* {html}",
                   "m.new_content": new,
                   "m.relates_to": {"rel_type": "m.replace", "event_id": ref.message_id}}
        return await self._send(ref.chat_id, content) is not None

    async def send_private(self, user_id: str, text: str) -> SentRef | None:
        room_id = await self._dm_room(user_id)
        if room_id is None:
            return None
        return await self.send_message(room_id, text)

    async def _dm_room(self, user_id: str) -> str | None:
        if not user_id.startswith("@"):
            return None
        if self.dm_rooms is not None:
            known = await self.dm_rooms.get(user_id)
            if known and known in self.client.rooms:
                return str(known)
        response = await self._call("create dm", user_id, self.client.room_create(
            is_direct=True, invite=[user_id], preset=RoomPreset.private_chat,
            initial_state=[{"type": "m.room.encryption", "state_key": "",
                            "content": {"algorithm": "m.megolm.v1.aes-sha2"}}]))
        if not isinstance(response, RoomCreateResponse):
            return None
        room_id = response.room_id
        if self.dm_rooms is not None:
            await self.dm_rooms.set(user_id, room_id)
        # The new room and the invite are known to nio only after a sync (maybe two); the key
        # of the encrypted message is shared with the invited user's devices only once nio
        # knows the invite.
        def ready() -> bool:
            room = self.client.rooms.get(room_id)
            return room is not None and user_id in room.users

        for _ in range(100):
            if ready():
                break
            await asyncio.sleep(0.1)
        return room_id if ready() else None
