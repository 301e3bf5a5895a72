"""The Telegram ``ChatPort``: the only place where the core's actions become Bot API calls.

Errors follow the port contract (``core.ports.ChatPort``): what can never succeed (the bot was
removed or blocked, the message is already gone) is logged and answered with False/None; what may
succeed later (network trouble, time-outs, Telegram's flood limit with its ``retry_after``) raises
``TemporaryDeliveryError`` so the outbox retries it. Logs carry ids and error names, never text.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import warnings
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TypeVar

from telegram import Bot, ChatPermissions, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import MessageLimit
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.warnings import PTBDeprecationWarning

from core.delivery import ChatMovedError, TemporaryDeliveryError
from core.ports import Button, OutgoingAlert, SentRef

log = logging.getLogger(__name__)

PLATFORM = "telegram"
CALLBACK_LIMIT = 64  # bytes of callback_data Telegram accepts
LONG_CALLBACK_PREFIX = "cb~"

# Stores and looks up long callback data (see ``TelegramPort.callback_data``).
StateGet = Callable[[str], Awaitable[str | None]]
StateSet = Callable[[str, str], Awaitable[None]]


class PermanentFailure(Exception):
    """Internal: a Bot API call that can never succeed; public methods answer False/None."""

    def __init__(self, method: str, description: str = "") -> None:
        super().__init__(method)
        self.description = description.lower()


def retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # int vs timedelta is in transition in PTB 22; accept both
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


@contextmanager
def bot_api(method: str, chat_id: str | None = None,
            gone: tuple[str, ...] = ()) -> Iterator[None]:
    """Translate Bot API errors into the port contract.

    ``gone``: lower-case fragments of 400 descriptions that mean "nothing left to do" (for example
    "message to delete not found"); these and 403s become ``PermanentFailure``.
    """
    try:
        yield
    except RetryAfter as exc:
        seconds = retry_seconds(exc)
        log.warning("telegram flood limit", extra={"method": method, "chat": chat_id,
                                                   "retry_after_s": seconds})
        raise TemporaryDeliveryError(f"{method}: flood limit", retry_after=seconds) from None
    except Forbidden as exc:
        log.warning("telegram refused: bot removed or blocked",
                    extra={"method": method, "chat": chat_id, "error": exc.message[:120]})
        raise PermanentFailure(method, exc.message) from None
    except ChatMigrated as exc:
        log.warning("telegram group migrated to a supergroup",
                    extra={"method": method, "chat": chat_id, "new_chat": exc.new_chat_id})
        raise ChatMovedError(f"{method}: chat migrated", str(exc.new_chat_id)) from None
    except BadRequest as exc:
        description = exc.message.lower()
        level = logging.INFO if any(g in description for g in gone) else logging.WARNING
        log.log(level, "telegram bad request", extra={"method": method, "chat": chat_id,
                                                      "error": exc.message[:120]})
        raise PermanentFailure(method, exc.message) from None
    except (TimedOut, NetworkError) as exc:  # TimedOut is a NetworkError; both are worth a retry
        log.warning("telegram network error", extra={"method": method, "chat": chat_id,
                                                     "error": type(exc).__name__})
        raise TemporaryDeliveryError(f"{method}: {type(exc).__name__}") from None
    except TelegramError as exc:  # an unknown API error: retried a few times by the outbox
        log.warning("telegram error", extra={"method": method, "chat": chat_id,
                                             "error": type(exc).__name__})
        raise TemporaryDeliveryError(f"{method}: {type(exc).__name__}") from None


T = TypeVar("T")
# Methods that post into a chat: Telegram's limits for messages apply to them (not to deletes).
SEND_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument", "editMessageText"})


class Limits:
    """Telegram's limits, applied before each call instead of learned from 429s.

    Sends: about 30 messages a second for the bot, 20 a minute per group, one a second per private
    chat. Other calls (deletes, restrictions) only share the bot's overall budget. A 429's
    ``retry_after`` blocks that chat for that kind of call (sends or others) until it passes.
    A call that would wait longer than ``inline_wait`` is not held: it raises
    ``TemporaryDeliveryError`` with the wait, and the outbox delivers it when the time comes (the
    pipeline and other chats never stand in line behind a full group)."""

    def __init__(self, *, per_second: int = 30, per_group_minute: int = 20,
                 per_private_second: int = 1, others_per_second: int = 30,
                 inline_wait: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_second = per_second
        self.per_group_minute = per_group_minute
        self.per_private_second = per_private_second
        self.others_per_second = others_per_second
        self.inline_wait = inline_wait
        self.clock = clock
        self._sends: deque[float] = deque()
        self._others: deque[float] = deque()
        self._chats: dict[str, deque[float]] = {}
        self._blocked: dict[tuple[str, bool], float] = {}

    @staticmethod
    def _free_at(times: deque[float], limit: int, window: float, now: float) -> float:
        while times and times[0] <= now - window:
            times.popleft()
        return now if len(times) < limit else times[0] + window

    def wait(self, method: str, chat_id: str | None, now: float | None = None) -> float:
        """Seconds until this call may go (0: now)."""
        now = self.clock() if now is None else now
        send = method in SEND_METHODS
        at = max(now, self._blocked.get((chat_id or "", send), 0.0))
        if send:
            at = max(at, self._free_at(self._sends, self.per_second, 1.0, now))
            if chat_id is not None:
                group = chat_id.startswith("-")
                times = self._chats.setdefault(chat_id, deque())
                at = max(at, self._free_at(times, self.per_group_minute if group else
                                           self.per_private_second, 60.0 if group else 1.0, now))
        else:
            at = max(at, self._free_at(self._others, self.others_per_second, 1.0, now))
        return at - now

    def take(self, method: str, chat_id: str | None) -> None:
        now = self.clock()
        if method in SEND_METHODS:
            self._sends.append(now)
            if chat_id is not None:
                self._chats.setdefault(chat_id, deque()).append(now)
                if len(self._chats) > 10_000:
                    self._chats = {k: v for k, v in self._chats.items() if v}
        else:
            self._others.append(now)

    def block(self, method: str, chat_id: str | None, seconds: float) -> None:
        key = (chat_id or "", method in SEND_METHODS)
        self._blocked[key] = max(self._blocked.get(key, 0.0), self.clock() + seconds)

    async def acquire(self, method: str, chat_id: str | None) -> None:
        while True:
            wait = self.wait(method, chat_id)
            if wait <= 0:
                self.take(method, chat_id)
                return
            if wait > self.inline_wait:
                raise TemporaryDeliveryError(f"{method}: flood limit (waiting {wait:.1f} s)",
                                             retry_after=wait)
            await asyncio.sleep(wait)


def clip(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> str:
    """Telegram refuses texts over 4096 characters; alerts with long evidence are shortened."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


class TelegramPort:
    """Carries out the core's actions with a python-telegram-bot ``Bot``."""

    platform = PLATFORM

    def __init__(self, bot: Bot, *, state_get: StateGet | None = None,
                 state_set: StateSet | None = None, limits: Limits | None = None) -> None:
        self.bot = bot
        self.limits = limits or Limits()
        self._state_get = state_get
        self._state_set = state_set

    async def call(self, method: str, chat_id: str | None, make: Callable[[], Awaitable[T]],
                   gone: tuple[str, ...] = ()) -> T:
        """One Bot API call within the limits; a 429 blocks the chat for its ``retry_after``."""
        await self.limits.acquire(method, chat_id)
        try:
            with bot_api(method, chat_id, gone):
                return await make()
        except TemporaryDeliveryError as exc:
            if exc.retry_after and not isinstance(exc, ChatMovedError):
                self.limits.block(method, chat_id, exc.retry_after)
            raise

    def bind_state(self, state_get: StateGet, state_set: StateSet) -> None:
        self._state_get, self._state_set = state_get, state_set

    # --- buttons ---------------------------------------------------------------------------------
    async def callback_data(self, data: str) -> str:
        """Callback data as Telegram accepts it (at most 64 bytes).

        Long data (an approve button for a Matrix room with a long server name) is stored in the
        adapter state under a short hash, and ``resolve_callback`` turns the hash back.
        """
        if len(data.encode()) <= CALLBACK_LIMIT or self._state_set is None:
            return data
        digest = hashlib.sha256(data.encode()).hexdigest()[:24]
        await self._state_set(f"telegram:callback:{digest}", data)
        return LONG_CALLBACK_PREFIX + digest

    async def resolve_callback(self, data: str) -> str | None:
        if not data.startswith(LONG_CALLBACK_PREFIX):
            return data
        if self._state_get is None:
            return None
        return await self._state_get(f"telegram:callback:{data[len(LONG_CALLBACK_PREFIX):]}")

    async def keyboard(self, buttons: tuple[Button, ...]) -> InlineKeyboardMarkup | None:
        if not buttons:
            return None
        keys = [InlineKeyboardButton(b.label, callback_data=await self.callback_data(b.data))
                for b in buttons]
        return InlineKeyboardMarkup([keys[i:i + 2] for i in range(0, len(keys), 2)])

    # --- ChatPort --------------------------------------------------------------------------------
    async def send_message(self, chat_id: str, text: str, *, reply_to: str | None = None,
                           notice: bool = True) -> SentRef | None:
        try:
            message = await self.call("sendMessage", chat_id, lambda: self.bot.send_message(
                chat_id=int(chat_id), text=clip(text),
                reply_to_message_id=int(reply_to) if reply_to else None,
                allow_sending_without_reply=True if reply_to else None))
        except PermanentFailure:
            return None
        return SentRef(str(message.chat_id), str(message.message_id))

    async def delete_message(self, chat_id: str, message_id: str, *, reason: str) -> bool:
        # ``reason`` is for platforms that record one (Matrix redactions); Telegram has no field.
        try:
            return bool(await self.call(
                "deleteMessage", chat_id, lambda: self.bot.delete_message(
                    chat_id=int(chat_id), message_id=int(message_id)),
                gone=("message to delete not found", "message can't be deleted")))
        except PermanentFailure:
            return False

    async def restrict_member(self, chat_id: str, member_id: str, *, until: datetime) -> bool:
        try:
            return bool(await self.call("restrictChatMember", chat_id,
                                        lambda: self.bot.restrict_chat_member(
                                            chat_id=int(chat_id), user_id=int(member_id),
                                            permissions=ChatPermissions.no_permissions(),
                                            until_date=until,
                                            use_independent_chat_permissions=True)))
        except PermanentFailure:
            return False

    async def leave_group(self, chat_id: str) -> bool:
        try:
            return bool(await self.call("leaveChat", chat_id,
                                        lambda: self.bot.leave_chat(chat_id=int(chat_id)),
                                        gone=("chat not found",)))
        except PermanentFailure:
            return False

    async def send_alert(self, chat_id: str, alert: OutgoingAlert) -> SentRef | None:
        markup = await self.keyboard(alert.buttons)
        try:
            message = await self.call("sendMessage", chat_id, lambda: self.bot.send_message(
                chat_id=int(chat_id), text=clip(alert.text), reply_markup=markup))
        except PermanentFailure:
            return None
        return SentRef(str(message.chat_id), str(message.message_id))

    async def edit_alert(self, ref: SentRef, alert: OutgoingAlert) -> bool:
        """Replace an alert's text; without buttons the keyboard disappears (decided, handled)."""
        markup = await self.keyboard(alert.buttons)
        try:
            await self.call("editMessageText", ref.chat_id, lambda: self.bot.edit_message_text(
                chat_id=int(ref.chat_id), message_id=int(ref.message_id), text=clip(alert.text),
                reply_markup=markup), gone=("message is not modified", "message to edit not found"))
        except PermanentFailure as exc:
            return "not modified" in exc.description  # already showing this text: done
        return True

    async def send_private(self, user_id: str, text: str) -> SentRef | None:
        """A private message; None when the person never opened a chat with the bot (403)."""
        return await self.send_message(user_id, text)
