"""The Telegram adapter: python-telegram-bot 22 (asyncio), run inside the core's event loop.

The core owns the loop, so this never calls ``run_polling``: ``start`` calls ``initialize()``,
``start()`` and then runs our own ``getUpdates`` loop (``adapters/telegram/polling.py``: the offset
moves past an update only once it was handled), or PTB's ``start_webhook()`` in webhook mode, and
``stop`` undoes them. Every update goes through one handler that skips update ids already
processed, translates the update into a neutral event for the core and marks the id processed
afterwards (one chat's updates in order, chats concurrently): messages and edits, joins and leaves,
the bot being added or its rights changing, commands and button presses. Actions come back
through ``TelegramPort``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from telegram import Chat, ChatMember, Message, Update, User
from telegram.constants import ChatMemberStatus
from telegram.error import Forbidden, InvalidToken, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from adapters.telegram import linking
from adapters.telegram.polling import UpdatePoller
from adapters.telegram.port import PLATFORM, TelegramPort
from adapters.telegram.roles import RoleResolver
from adapters.telegram.translate import (
    attachments,
    forward_origin,
    mentions,
    parse_callback,
    parse_command,
    reply_target,
)
from bot.commands import CommandResult, Reply, canonical
from bot.config import AppConfig, ConfigError, secret
from bot.i18n import t
from core.delivery import TemporaryDeliveryError
from core.events import (
    BotAddedEvent,
    CommandEvent,
    GroupKind,
    MemberJoinedEvent,
    MemberLeftEvent,
    MessageEvent,
    Sender,
    group_key,
)
from core.permissions import Action

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ("message", "edited_message", "my_chat_member", "chat_member", "callback_query")
GROUP_TYPES = (Chat.GROUP, Chat.SUPERGROUP)
IN_GROUP = (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
TOAST_LIMIT = 200  # answerCallbackQuery text


def file_url(base_url: str) -> str:
    """The file download base that belongs to a Bot API base URL (``…/bot`` → ``…/file/bot``)."""
    base = base_url.rstrip("/")
    if base.endswith("/bot"):
        return base[: -len("bot")] + "file/bot"
    return base + "/file/bot"


def _is_member(member: ChatMember) -> bool:
    if member.status in IN_GROUP:
        return True
    return member.status == ChatMemberStatus.RESTRICTED and bool(getattr(member, "is_member",
                                                                         False))


class TelegramAdapter:
    name = PLATFORM

    def __init__(self, config: AppConfig, *, poll_timeout: int = 10) -> None:
        settings = config.adapters.telegram
        token = secret(settings.token_env)
        if not token:
            raise ConfigError(f"adapters.telegram: no bot token: set the environment variable "
                              f"{settings.token_env} (the token BotFather gave you)")
        self.webhook_secret: str | None = None
        if settings.mode == "webhook":
            if not settings.webhook_url:
                raise ConfigError("adapters.telegram.webhook_url: required when mode = "
                                  "\"webhook\" (the public https address Telegram posts to)")
            self.webhook_secret = secret(settings.webhook_secret_env)
            if not self.webhook_secret:
                raise ConfigError(f"adapters.telegram: webhook mode needs a secret token: set the "
                                  f"environment variable {settings.webhook_secret_env}")
        self.config = config
        self.settings = settings
        self.poll_timeout = poll_timeout
        # Updates of different chats are handled concurrently (one group's burst never delays
        # another); ``_on_update`` keeps the order within a chat. Telegram's limits are applied
        # by ``TelegramPort`` per method and per chat (``Limits``), not by PTB's rate limiter,
        # which held deletes back behind a group's send limit.
        builder = ApplicationBuilder().token(token).concurrent_updates(256)
        if settings.base_url:
            builder = builder.base_url(settings.base_url).base_file_url(
                file_url(settings.base_url))
        self.application: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        self.bot = self.application.bot
        self.port = TelegramPort(self.bot)
        self.roles = RoleResolver(self.bot, {str(i) for i in settings.staff_user_ids},
                                  self._load_linked,
                                  admins_moderate=config.permissions.chat_admins == "moderator")
        self._app: App | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._started = False
        self._chat_locks: dict[int, asyncio.Lock] = {}
        self.poller: UpdatePoller | None = None

    @property
    def app(self) -> App:
        assert self._app is not None, "TelegramAdapter.start() has not run"
        return self._app

    async def _is_linked(self, identity: str) -> bool:
        """Staff accounts linked with a ``/koppel`` code (and the configured staff ids)."""
        scheme, _, user_id = identity.partition(":")
        return scheme == PLATFORM and await self.roles.is_staff(user_id)

    async def _load_linked(self) -> set[str]:
        return await self.app.repos.db.run(linking.linked_staff, self.app.repos.db)

    # --- life cycle ------------------------------------------------------------------------------
    async def start(self, app: App) -> None:
        self._app = app
        state = app.repos.state

        async def state_get(key: str) -> str | None:
            return await app.repos.db.run(state.get, key)

        async def state_set(key: str, value: str) -> None:
            await app.repos.db.run(state.set, key, value)

        self.port.bind_state(state_get, state_set)
        app.commands.register("koppel", self._koppel, action=Action.LINK_ACCOUNT)
        app.access.add_linked(self._is_linked)
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)
        try:
            await self.application.initialize()  # getMe: a wrong token fails here
        except InvalidToken:
            raise ConfigError(f"adapters.telegram: Telegram refused the bot token in "
                              f"{self.settings.token_env}; copy it again from BotFather") from None
        await self.application.start()
        updater = self.application.updater
        assert updater is not None
        if self.settings.mode == "webhook":
            assert self.settings.webhook_url is not None
            path = urlparse(self.settings.webhook_url).path.strip("/") or "telegram"
            await updater.start_webhook(
                listen=self.settings.webhook_listen, port=self.settings.webhook_port,
                url_path=path, webhook_url=self.settings.webhook_url,
                allowed_updates=list(ALLOWED_UPDATES), secret_token=self.webhook_secret)
        else:
            try:  # getUpdates is refused while a webhook is set
                await self.bot.delete_webhook()
            except TelegramError as exc:
                self._polling_error(exc)
            self.poller = UpdatePoller(self.bot, self._on_update, timeout=self.poll_timeout,
                                       allowed_updates=ALLOWED_UPDATES,
                                       on_error=self._polling_error)
            self.poller.start()
        self._started = True
        self._spawn(self._check_known_groups())
        log.info("telegram adapter started", extra={"mode": self.settings.mode,
                                                    "bot_id": self.bot.id})

    async def stop(self) -> None:
        if not self._started:
            return
        self._started = False
        for task in list(self._tasks):
            task.cancel()
        if self.poller is not None:
            await self.poller.stop()
            self.poller = None
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
        log.info("telegram adapter stopped")

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    def _polling_error(exc: TelegramError) -> None:
        # The polling loop keeps trying with back-off; only the kind of error is logged.
        log.warning("telegram polling error", extra={"error": type(exc).__name__})

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("telegram update failed", extra={"update": update_id,
                                                   "error": type(error).__name__},
                  exc_info=error)

    # --- routing ---------------------------------------------------------------------------------
    async def _on_update(self, update: Update,
                         context: ContextTypes.DEFAULT_TYPE | None = None) -> None:
        """One update, in order within its chat. It is marked processed only after it was
        handled: a crash before that handles it again (the decision itself is idempotent, see
        docs/delivery.md), a re-delivery after it is skipped."""
        chat = update.effective_chat
        chat_id = chat.id if chat is not None else 0
        lock = self._chat_locks.get(chat_id)
        if lock is None:
            lock = self._chat_locks[chat_id] = asyncio.Lock()
        try:
            async with lock:
                await self._handle_update(update)
        finally:
            if not lock.locked() and not lock._waiters:  # type: ignore[attr-defined]
                self._chat_locks.pop(chat_id, None)

    async def _handle_update(self, update: Update) -> None:
        app = self.app
        state = app.repos.state
        if await app.repos.db.run(state.processed, PLATFORM, str(update.update_id)):
            log.info("telegram update already processed", extra={"update": update.update_id})
            return
        if update.my_chat_member is not None:
            await self._on_my_chat_member(update)
        elif update.chat_member is not None:
            self.roles.forget_admins(update.chat_member.chat.id)  # someone's status changed
        elif update.callback_query is not None:
            await self._on_callback(update)
        elif update.message is not None:
            await self._on_message(update.message, edited=False)
        elif update.edited_message is not None:
            await self._on_message(update.edited_message, edited=True)
        await app.repos.db.run(state.claim_update, PLATFORM, str(update.update_id))

    async def _kind(self, key: str) -> GroupKind:
        group = await self.app.directory.get(key)
        if group is not None:
            return group.kind
        return self.app.directory.kind_of(key) or GroupKind.CLASS

    async def _language(self, key: str | None) -> str:
        if key is not None and (group := await self.app.directory.get(key)) is not None:
            return group.language
        return self.config.school.language

    # --- the bot itself: added, removed, rights (B.1) --------------------------------------------
    async def _on_my_chat_member(self, update: Update) -> None:
        change = update.my_chat_member
        assert change is not None
        chat = change.chat
        if chat.type not in GROUP_TYPES:
            return  # a private chat started/blocked, or a channel: not a group to moderate
        self.roles.forget_admins(chat.id)
        was_in, is_in = _is_member(change.old_chat_member), _is_member(change.new_chat_member)
        key = group_key(PLATFORM, str(chat.id))
        if is_in and not was_in:
            await self._bot_added(chat, change.from_user)
        elif was_in and not is_in:
            log.info("bot removed from group", extra={"group": key,
                                                      "status": change.new_chat_member.status})
        else:
            await self.check_rights(chat.id)

    async def _bot_added(self, chat: Chat, added_by: User | None) -> str:
        key = group_key(PLATFORM, str(chat.id))
        sender = None
        if added_by is not None:
            sender = await self.roles.sender(added_by, chat, await self._kind(key))
        state = await self.app.on_bot_added(BotAddedEvent(
            platform=PLATFORM, group_id=str(chat.id), group_title=chat.title, added_by=sender))
        log.info("bot added to group", extra={"group": key, "approval": state})
        if state != "rejected":
            await self.check_rights(chat.id)
        return state

    async def check_rights(self, chat_id: int) -> tuple[bool, bool] | None:
        """Can the bot delete messages and read all of them? Tells the teacher how to fix it."""
        key = group_key(PLATFORM, str(chat_id))
        try:
            member = await self.bot.get_chat_member(chat_id, self.bot.id)
            me = await self.bot.get_me()
        except Forbidden:
            log.info("rights check skipped: bot not in group", extra={"group": key})
            return None
        except TelegramError as exc:
            log.warning("rights check failed", extra={"group": key, "error": type(exc).__name__})
            return None
        is_admin = member.status == ChatMemberStatus.ADMINISTRATOR
        can_delete = is_admin and bool(getattr(member, "can_delete_messages", False))
        # Administrators receive every message; otherwise only with privacy mode off (BotFather).
        can_read_all = is_admin or bool(me.can_read_all_group_messages)
        before = await self.app.directory.row(key)
        if before is None:
            return can_delete, can_read_all
        previous = (before.can_delete, before.can_read_all)
        await self.app.on_rights(key, can_delete=can_delete, can_read_all=can_read_all)
        log.info("rights checked", extra={"group": key, "can_delete": can_delete,
                                          "can_read_all": can_read_all})
        if previous == (can_delete, can_read_all) or before.approval in ("rejected", "left"):
            return can_delete, can_read_all
        lang = before.language or self.config.school.language
        bot_name = f"@{self.bot.username}" if self.bot.username else "schoolwacht"
        stamp = int(asyncio.get_running_loop().time() * 1000)
        if not (can_delete and can_read_all):
            parts = [t("telegram.rights.missing_header", lang)]
            if not can_delete:
                parts.append(t("telegram.rights.delete_steps", lang, bot=bot_name))
                if not can_read_all:
                    parts.append(t("telegram.rights.read_steps", lang, bot=bot_name))
            else:
                parts.append(t("telegram.rights.read_steps_only", lang, bot=bot_name))
            parts.append(t("telegram.rights.footer", lang))
            suffix = f"rights:missing:{int(can_delete)}{int(can_read_all)}:{stamp}"
            text = "\n\n".join(parts)
        elif False in previous:
            suffix, text = f"rights:ok:{stamp}", t("telegram.rights.ok", lang)
        else:
            return can_delete, can_read_all
        await self.app.outbox.put(kind="chat", channel=key, payload={"text": text},
                                  dedupe_key=f"group:{key}:{suffix}", group_key=key)
        return can_delete, can_read_all

    async def _check_known_groups(self) -> None:
        """After a restart, re-check the rights in every Telegram group still in use."""
        rows = await self.app.repos.db.run(self.app.repos.groups.all)
        admin_chat = self.settings.admin_chat_id
        for row in rows:
            if row.chat_id == str(admin_chat):
                continue  # the admin chat only receives alerts: the bot needs no rights there
            if row.platform == PLATFORM and row.approval in ("pending", "approved"):
                try:
                    await self.check_rights(int(row.chat_id))
                except Exception:
                    log.exception("rights check failed", extra={"group": row.key})

    # --- messages --------------------------------------------------------------------------------
    async def _on_message(self, message: Message, *, edited: bool) -> None:
        chat = message.chat
        if chat.type == Chat.PRIVATE:
            parsed = None if edited else parse_command(message, self.bot.username)
            if parsed is not None:
                await self._on_command(message, *parsed)
            return
        if chat.type not in GROUP_TYPES:
            return
        key = group_key(PLATFORM, str(chat.id))
        if message.migrate_to_chat_id is not None:
            new_key = group_key(PLATFORM, str(message.migrate_to_chat_id))
            log.info("group became a supergroup with a new id",
                     extra={"group": key, "new_group": new_key})
            await self.app.on_group_migrated(key, new_key)
            return
        if message.new_chat_members or message.left_chat_member is not None:
            await self._on_members(message)
            return
        if await self.app.directory.row(key) is None and self.config.group(key) is None:
            # Added while the bot was offline for longer than Telegram keeps updates.
            await self._bot_added(chat, None)
            return
        if not edited and (parsed := parse_command(message, self.bot.username)) is not None:
            name, args = parsed
            addressed = "@" in (message.text or "").split()[0]
            if addressed or canonical(name)[0] in self.app.commands.commands:
                await self._on_command(message, name, args)
                return
        kind = await self._kind(key)
        sender = await self.roles.sender(message.from_user, chat, kind, message.sender_chat)
        files = attachments(message, self.bot, self.settings.max_download_bytes)
        text = message.text or message.caption or ""
        if not text and not files:
            return  # service messages (pins, title changes) carry nothing to judge
        reply_to, reply_sender = reply_target(message)
        event = MessageEvent(
            platform=PLATFORM, group_id=str(chat.id), message_id=str(message.message_id),
            sender=sender, text=text, attachments=files, reply_to_message_id=reply_to,
            reply_to_sender_id=reply_sender, mentions=mentions(message, self.roles.usernames),
            forward_origin=forward_origin(message),
            sent_at=(message.edit_date if edited and message.edit_date else message.date),
            edited=edited, group_title=chat.title)
        decision = await self.app.on_message(event)
        log.debug("telegram message handled", extra={
            "group": key, "message_id": message.message_id, "edited": edited,
            "findings": len(decision.verdict.findings) if decision else None})

    async def _on_members(self, message: Message) -> None:
        chat = message.chat
        key = group_key(PLATFORM, str(chat.id))
        kind = await self._kind(key)
        for user in message.new_chat_members or ():
            if user.id == self.bot.id:
                continue  # handled by my_chat_member
            self.roles.forget_admins(chat.id)
            member = await self.roles.sender(user, chat, kind)
            await self.app.on_member_joined(MemberJoinedEvent(
                platform=PLATFORM, group_id=str(chat.id), member=member))
        left = message.left_chat_member
        if left is not None and left.id != self.bot.id:
            self.roles.forget_admins(chat.id)
            event = MemberLeftEvent(platform=PLATFORM, group_id=str(chat.id),
                                    member_id=str(left.id))
            await self.app.on_member_left(event)
            log.info("member left", extra={"group": key})

    # --- commands and buttons --------------------------------------------------------------------
    async def _command_sender(self, user: User | None, chat: Chat,
                              sender_chat: Chat | None = None) -> Sender:
        """Who typed or pressed: the platform's facts only. What they may do is decided by the
        school's roles in ``core.permissions`` (via ``bot.access``), never by this role."""
        key = group_key(PLATFORM, str(chat.id))
        kind = await self._kind(key) if chat.type in GROUP_TYPES else GroupKind.CLASS
        return await self.roles.sender(user, chat, kind, sender_chat)

    async def _on_command(self, message: Message, name: str, args: tuple[str, ...]) -> None:
        chat = message.chat
        in_group = chat.type in GROUP_TYPES
        sender = await self._command_sender(message.from_user, chat, message.sender_chat)
        reply_to, reply_sender = reply_target(message)
        event = CommandEvent(platform=PLATFORM, group_id=str(chat.id) if in_group else None,
                             sender=sender, name=name, args=args,
                             message_id=str(message.message_id), reply_to_message_id=reply_to,
                             reply_to_sender_id=reply_sender)
        result = await self.app.on_command(event)
        deleted = False
        if result.delete_command and in_group:
            deleted = await self._quietly(self.port.delete_message(
                str(chat.id), str(message.message_id), reason="command"))
        await self._deliver(result, event, chat, user=message.from_user,
                            reply_to=None if deleted or not in_group else str(message.message_id))
        log.info("telegram command handled", extra={"command": canonical(name)[0],
                                                    "in_group": in_group,
                                                    "replies": len(result.replies)})

    async def _deliver(self, result: CommandResult, event: CommandEvent, chat: Chat,
                       user: User | None, reply_to: str | None) -> None:
        private_chat = chat.type == Chat.PRIVATE
        for reply in result.replies:
            if reply.to == "private" and not private_chat and user is not None:
                sent = await self._quietly(self.port.send_private(str(user.id), reply.text))
                if not sent and result.delete_command:
                    # A quiet command (/meld, /digest): the report is filed all the same, and
                    # nothing in the group may show that this member used it.
                    continue
                if not sent:  # never started a chat with the bot: a note, never the text itself
                    lang = await self._language(event.group_key)
                    link = f"https://t.me/{self.bot.username}" if self.bot.username else "@bot"
                    note = t("telegram.private.fallback", lang, name=user.first_name, link=link)
                    await self._quietly(self.port.send_message(str(chat.id), note,
                                                               reply_to=reply_to))
            else:
                await self._quietly(self.port.send_message(str(chat.id), reply.text,
                                                           reply_to=reply_to))

    @staticmethod
    async def _quietly(call: Any) -> Any:
        """A direct reply that fails for now is logged (by the port) and dropped, not retried:
        the person can simply ask again."""
        try:
            return await call
        except TemporaryDeliveryError:
            return None

    async def _on_callback(self, update: Update) -> None:
        query = update.callback_query
        assert query is not None
        message = query.message if isinstance(query.message, Message) else None
        chat = message.chat if message is not None else None
        data = await self.port.resolve_callback(query.data or "")
        lang = self.config.school.language
        if not data or chat is None:
            await self._answer(query, t("telegram.callback.expired", lang))
            return
        name, args = parse_callback(data)
        in_group = chat.type in GROUP_TYPES
        sender = await self._command_sender(query.from_user, chat)
        event = CommandEvent(platform=PLATFORM, group_id=str(chat.id) if in_group else None,
                             sender=sender, name=name, args=args,
                             message_id=str(message.message_id) if message else None)
        result = await self.app.on_command(event)
        # Only the person who pressed sees the toast, so it may carry a private answer too; what
        # does not fit goes into the chat (or privately) as a message.
        replies = list(result.replies)
        toast = t("telegram.callback.done", lang)
        if replies and len(replies[0].text) <= TOAST_LIMIT:
            toast = replies.pop(0).text
        await self._answer(query, toast)
        rest = CommandResult(replies)
        if rest.replies:
            await self._deliver(rest, event, chat, user=query.from_user, reply_to=None)
        log.info("telegram button handled", extra={"command": canonical(name)[0],
                                                   "chat": chat.id})

    @staticmethod
    async def _answer(query: Any, text: str) -> None:
        try:
            await query.answer(text=text)
        except TelegramError as exc:  # an old press (answers expire): nothing to do
            log.info("callback answer failed", extra={"error": type(exc).__name__})

    # --- /koppel ---------------------------------------------------------------------------------
    async def _koppel(self, event: CommandEvent, lang: str) -> CommandResult:
        if event.platform != PLATFORM:
            return CommandResult([Reply(t("command.unknown", lang))])
        if not event.args:
            return CommandResult([Reply(t("telegram.link.usage", lang), to="private")])
        code = "".join(event.args)
        db = self.app.repos.db
        if event.group_id is not None:
            await db.run(linking.burn, db, code)  # seen by the whole group: never valid again
            return CommandResult([Reply(t("telegram.link.private_only", lang), to="private")],
                                 delete_command=True)
        outcome = await db.run(linking.redeem, db, code, event.sender.platform_id)
        if outcome == "linked":
            self.roles.linked(event.sender.platform_id)
            await db.run(lambda: self.app.repos.audit.add(
                f"{PLATFORM}:{event.sender.platform_id}", "staff.linked"))
        log.info("link code redeemed", extra={"outcome": outcome})
        return CommandResult([Reply(t(f"telegram.link.{outcome}", lang))])
