"""Who is who on Telegram: staff (config ids or a redeemed ``/koppel`` code), group admins, members.

Group admins come from ``getChatAdministrators``, cached per chat and dropped whenever Telegram says
a member's status changed. When that call fails the last known list is used; with no list at all the
sender is treated as a plain member for this message only (nothing is cached), and the failure is
logged — an API error is never silently remembered as "not an admin".
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from telegram import Bot, Chat, User
from telegram.error import TelegramError

from core.events import GroupKind, Role, Sender

log = logging.getLogger(__name__)

# Telegram's placeholder user for admins posting anonymously "as the group".
ANONYMOUS_ADMIN_ID = 1087968824
DEFAULT_ROLE = {GroupKind.CLASS: Role.STUDENT, GroupKind.PARENT: Role.PARENT,
                GroupKind.STAFF: Role.STAFF}


class RoleResolver:
    ADMIN_TTL = 600.0
    LINKED_TTL = 60.0  # an account unlinked with the CLI loses staff rights within a minute
    MAX_USERNAMES = 20_000

    def __init__(self, bot: Bot, staff_ids: set[str],
                 load_linked: Callable[[], Awaitable[set[str]]], *,
                 admins_moderate: bool = False) -> None:
        self.bot = bot
        # ``[permissions] chat_admins = "moderator"``: a group admin's messages count as a
        # teacher's. Off by default: students can be admins of a group too.
        self.admins_moderate = admins_moderate
        self.staff_ids = staff_ids
        self._load_linked = load_linked
        self._linked: set[str] = set()
        self._linked_at = float("-inf")
        self._admins: dict[int, tuple[float, frozenset[str]]] = {}
        # @username → user id of people seen, so mentions can name the member they target.
        self.usernames: OrderedDict[str, str] = OrderedDict()

    async def is_staff(self, user_id: str) -> bool:
        if user_id in self.staff_ids:
            return True
        if time.monotonic() - self._linked_at > self.LINKED_TTL:
            try:
                self._linked = await self._load_linked()
                self._linked_at = time.monotonic()
            except Exception:
                log.exception("loading linked staff failed")
        return user_id in self._linked

    def linked(self, user_id: str) -> None:
        """A code was just redeemed: recognise the account at once."""
        self._linked.add(user_id)

    def forget_admins(self, chat_id: int) -> None:
        self._admins.pop(chat_id, None)

    async def admins(self, chat_id: int) -> frozenset[str]:
        cached = self._admins.get(chat_id)
        if cached is not None and time.monotonic() - cached[0] < self.ADMIN_TTL:
            return cached[1]
        try:
            members = await self.bot.get_chat_administrators(chat_id)
        except TelegramError as exc:
            log.warning("admin list unavailable", extra={"chat": chat_id,
                                                         "error": type(exc).__name__})
            return cached[1] if cached is not None else frozenset()
        ids = frozenset(str(m.user.id) for m in members)
        self._admins[chat_id] = (time.monotonic(), ids)
        return ids

    def remember(self, user: User) -> None:
        if user.username:
            self.usernames[user.username.lower()] = str(user.id)
            self.usernames.move_to_end(user.username.lower())
            while len(self.usernames) > self.MAX_USERNAMES:
                self.usernames.popitem(last=False)

    async def sender(self, user: User | None, chat: Chat, kind: GroupKind,
                     sender_chat: Chat | None = None) -> Sender:
        """The neutral sender of a message in ``chat`` (a group, or a private chat)."""
        if user is None or (user.id == ANONYMOUS_ADMIN_ID and sender_chat is not None
                            and sender_chat.id == chat.id):
            # Posted anonymously by a group admin, "as the group".
            return Sender(platform_id=str(chat.id), display_name=chat.title or "admin",
                          role=Role.TEACHER if self.admins_moderate else DEFAULT_ROLE[kind],
                          is_group_admin=True)
        if sender_chat is not None and sender_chat.id != chat.id:
            # Posted as a channel: nobody's personal account, treated as a member.
            return Sender(platform_id=str(sender_chat.id),
                          display_name=sender_chat.title or "channel", role=DEFAULT_ROLE[kind])
        self.remember(user)
        uid = str(user.id)
        is_admin = chat.type in (Chat.GROUP, Chat.SUPERGROUP) and uid in await self.admins(chat.id)
        if await self.is_staff(uid):
            role = Role.STAFF
        elif is_admin and self.admins_moderate:
            role = Role.TEACHER
        else:
            role = DEFAULT_ROLE[kind]
        return Sender(platform_id=uid, display_name=user.full_name, role=role,
                      is_group_admin=is_admin)
