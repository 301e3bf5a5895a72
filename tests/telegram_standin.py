"""A Bot API stand-in on loopback, for python-telegram-bot's real HTTP stack.

Telegram cannot be reached from the test machines, so the tests point ``base_url`` here. The server
speaks the Bot API's HTTP shape (``POST /bot<token>/<method>`` with form fields, ``{"ok": true,
"result": ...}`` answers, ``GET /file/bot<token>/<path>`` downloads), hands out queued updates
through long-polling ``getUpdates`` with offsets as Telegram does, records every call, and can be
told to fail a method once (429 with ``retry_after``, 403, 400) to exercise error handling.

The builders at the bottom produce updates shaped like the Bot API documentation's objects
(``Update``, ``Message``, ``ChatMemberUpdated``, ``MessageOrigin*``, ``PhotoSize``,
``CallbackQuery``), as plain JSON dictionaries.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

JSON_FIELDS = {"reply_markup", "permissions", "allowed_updates", "reply_parameters", "entities",
               "link_preview_options"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int = 200  # the HTTP status the stand-in answered with
    at: float = field(default_factory=time.monotonic)


@dataclass
class Failure:
    method: str
    status: int
    description: str
    retry_after: int | None = None
    times: int = 1
    when: Callable[[dict[str, Any]], bool] | None = None
    migrate_to_chat_id: int | None = None


@dataclass
class BotApiStandIn:
    token: str = "123456:TEST-token"
    bot_id: int = 5000
    username: str = "schoolwacht_test_bot"
    can_read_all_group_messages: bool = False
    calls: list[Call] = field(default_factory=list)
    # The bot's own membership per chat (getChatMember for the bot's id), as ChatMember JSON.
    bot_member: dict[int, dict[str, Any]] = field(default_factory=dict)
    # Administrators per chat (getChatAdministrators), as User JSON; the first is the owner.
    admins: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    # Users who never opened a private chat with the bot: sendMessage to them answers 403.
    never_started: set[int] = field(default_factory=set)
    failures: list[Failure] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._queue: list[dict[str, Any]] = []
        self._last_id = 0  # update ids grow, as Telegram's do
        self._message_ids = itertools.count(9000)
        self._deleted: set[tuple[str, str]] = set()
        self._runner: web.AppRunner | None = None
        self._closing = False
        self.last_poll: dict[str, Any] = {}  # parameters of the latest getUpdates
        self.port = 0
        self._holds: dict[str, asyncio.Event] = {}

    # --- server ----------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        self._closing = True  # ends a long poll still held open
        for method in list(self._holds):
            self.release(method)
        if self._runner is not None:
            await self._runner.cleanup()

    # --- what tests do ---------------------------------------------------------------------------
    def push(self, *updates: dict[str, Any]) -> list[int]:
        """Queue updates for getUpdates; an update without ``update_id`` gets the next one."""
        ids = []
        for update in updates:
            update.setdefault("update_id", self._last_id + 1)
            self._last_id = max(self._last_id, update["update_id"])
            self._queue.append(update)
            ids.append(update["update_id"])
        return ids

    def fail(self, method: str, status: int, description: str, *, retry_after: int | None = None,
             times: int = 1, when: Callable[[dict[str, Any]], bool] | None = None,
             migrate_to_chat_id: int | None = None) -> None:
        self.failures.append(Failure(method, status, description, retry_after, times, when,
                                     migrate_to_chat_id))

    def hold(self, method: str) -> None:
        """Answer ``method`` only after ``release(method)``: the bot waits in that call (the call
        is recorded when it arrives)."""
        self._holds[method] = asyncio.Event()

    def release(self, method: str) -> None:
        event = self._holds.pop(method, None)
        if event is not None:
            event.set()

    def calls_of(self, method: str, **match: Any) -> list[dict[str, Any]]:
        """Parameters of the successful calls of ``method`` matching ``match`` (compared as str)."""
        return [c.params for c in self.calls if c.method == method and c.status == 200
                and all(str(c.params.get(k)) == str(v) for k, v in match.items())]

    def methods(self) -> list[str]:
        return [c.method for c in self.calls]

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = predicate()
            if result:
                return result
            await asyncio.sleep(0.02)
        raise AssertionError(f"condition not met within {timeout} s; calls: {self.methods()}")

    async def drained(self, timeout: float = 10.0) -> None:
        """Wait until the bot confirmed every queued update (the next getUpdates moved past it)."""
        await self.wait_for(lambda: not self._queue, timeout)

    # --- Bot API ---------------------------------------------------------------------------------
    @property
    def bot_user(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": "Schoolwacht",
                "username": self.username}

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                for key, value in (await request.post()).items():
                    params[key] = value if isinstance(value, str) else value.file.read()
        for key in JSON_FIELDS & params.keys():
            if isinstance(params[key], str):
                params[key] = json.loads(params[key])
        return params

    @staticmethod
    def _ok(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _error(status: int, description: str, retry_after: int | None = None,
               migrate_to_chat_id: int | None = None) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        if migrate_to_chat_id is not None:
            body["parameters"] = {"migrate_to_chat_id": migrate_to_chat_id}
        return web.json_response(body, status=status)

    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await self._params(request)
        call = Call(method, params)
        if method != "getUpdates":
            self.calls.append(call)
        response = await self._answer(method, params)
        call.status = response.status
        return response

    async def _answer(self, method: str, params: dict[str, Any]) -> web.Response:
        held = self._holds.get(method)
        if held is not None:
            await held.wait()
        for failure in self.failures:
            if failure.method == method and failure.times > 0 and (
                    failure.when is None or failure.when(params)):
                failure.times -= 1
                return self._error(failure.status, failure.description, failure.retry_after,
                                   failure.migrate_to_chat_id)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return self._ok(True)  # setWebhook, deleteWebhook, answerCallbackQuery, leaveChat, …
        return await handler(params)

    async def _m_getMe(self, params: dict[str, Any]) -> web.Response:
        return self._ok({**self.bot_user, "can_join_groups": True,
                         "can_read_all_group_messages": self.can_read_all_group_messages,
                         "supports_inline_queries": False})

    async def _m_getUpdates(self, params: dict[str, Any]) -> web.Response:
        self.last_poll = params
        offset = int(params.get("offset") or 0)
        self._queue = [u for u in self._queue if u["update_id"] >= offset]  # confirmed
        wait = min(float(params.get("timeout") or 0), 30.0)
        deadline = time.monotonic() + wait
        while not self._queue and time.monotonic() < deadline and not self._closing:
            await asyncio.sleep(0.02)
        return self._ok(list(self._queue))

    def _message(self, chat_id: Any, text: str | None, **extra: Any) -> dict[str, Any]:
        chat_id = int(chat_id)
        chat = ({"id": chat_id, "type": "supergroup", "title": "groep"} if chat_id < 0
                else {"id": chat_id, "type": "private", "first_name": "x"})
        message = {"message_id": next(self._message_ids), "date": int(time.time()), "chat": chat,
                   "from": self.bot_user, **extra}
        if text is not None:
            message["text"] = text
        return message

    async def _m_sendMessage(self, params: dict[str, Any]) -> web.Response:
        if int(params["chat_id"]) in self.never_started:
            return self._error(403, "Forbidden: bot can't initiate conversation with a user")
        extra = {"reply_markup": params["reply_markup"]} if params.get("reply_markup") else {}
        return self._ok(self._message(params["chat_id"], params.get("text"), **extra))

    async def _m_editMessageText(self, params: dict[str, Any]) -> web.Response:
        message = self._message(params["chat_id"], params.get("text"))
        message["message_id"] = int(params["message_id"])
        message["edit_date"] = int(time.time())
        return self._ok(message)

    async def _m_deleteMessage(self, params: dict[str, Any]) -> web.Response:
        key = (str(params["chat_id"]), str(params["message_id"]))
        if key in self._deleted:
            return self._error(400, "Bad Request: message to delete not found")
        self._deleted.add(key)
        return self._ok(True)

    async def _m_getChatMember(self, params: dict[str, Any]) -> web.Response:
        chat_id, user_id = int(params["chat_id"]), int(params["user_id"])
        if user_id == self.bot_id and chat_id in self.bot_member:
            return self._ok(self.bot_member[chat_id])
        for user in self.admins.get(chat_id, []):
            if user["id"] == user_id:
                return self._ok(administrator(user))
        return self._ok({"status": "member", "user": {"id": user_id, "is_bot": False,
                                                      "first_name": "x"}})

    async def _m_getChatAdministrators(self, params: dict[str, Any]) -> web.Response:
        users = self.admins.get(int(params["chat_id"]), [])
        members = [({"status": "creator", "user": u, "is_anonymous": False} if i == 0
                    else administrator(u)) for i, u in enumerate(users)]
        return self._ok(members)

    async def _m_getFile(self, params: dict[str, Any]) -> web.Response:
        file_id = params["file_id"]
        if file_id not in self.files:
            return self._error(400, "Bad Request: invalid file_id")
        return self._ok({"file_id": file_id, "file_unique_id": f"u-{file_id}",
                         "file_size": len(self.files[file_id]),
                         "file_path": f"photos/{file_id}.jpg"})

    async def _file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        path = request.match_info["path"]
        file_id = path.rsplit("/", 1)[-1].removesuffix(".jpg")
        self.calls.append(Call("download", {"path": path}))
        if file_id not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[file_id], content_type="image/jpeg")


# --- Bot API objects (shapes from https://core.telegram.org/bots/api) -----------------------------
_message_ids = itertools.count(100)


def user(user_id: int, first_name: str, username: str | None = None, *,
         is_bot: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {"id": user_id, "is_bot": is_bot, "first_name": first_name,
                            "language_code": "nl"}
    if username:
        data["username"] = username
    return data


def group(chat_id: int, title: str) -> dict[str, Any]:
    return {"id": chat_id, "title": title, "type": "supergroup"}


def private_chat(person: dict[str, Any]) -> dict[str, Any]:
    return {"id": person["id"], "type": "private", "first_name": person["first_name"]}


def administrator(person: dict[str, Any], *, can_delete_messages: bool = True) -> dict[str, Any]:
    """A ``ChatMemberAdministrator``."""
    return {"status": "administrator", "user": person, "can_be_edited": False,
            "is_anonymous": False, "can_manage_chat": True,
            "can_delete_messages": can_delete_messages, "can_manage_video_chats": False,
            "can_restrict_members": True, "can_promote_members": False, "can_change_info": False,
            "can_invite_users": True, "can_post_stories": False, "can_edit_stories": False,
            "can_delete_stories": False, "can_pin_messages": True}


def member(person: dict[str, Any]) -> dict[str, Any]:
    return {"status": "member", "user": person}


def left(person: dict[str, Any]) -> dict[str, Any]:
    return {"status": "left", "user": person}


def my_chat_member(chat: dict[str, Any], by: dict[str, Any], old: dict[str, Any],
                   new: dict[str, Any]) -> dict[str, Any]:
    """An ``Update`` with ``my_chat_member`` (a ``ChatMemberUpdated``)."""
    return {"my_chat_member": {"chat": chat, "from": by, "date": int(time.time()),
                               "old_chat_member": old, "new_chat_member": new}}


def message(chat: dict[str, Any], sender: dict[str, Any], text: str | None = None, *,
            message_id: int | None = None, edited: bool = False, **extra: Any) -> dict[str, Any]:
    """An ``Update`` with a ``message`` (or ``edited_message``)."""
    msg: dict[str, Any] = {"message_id": message_id or next(_message_ids),
                           "date": int(time.time()), "chat": chat, "from": sender, **extra}
    if text is not None:
        msg["text"] = text
        if text.startswith("/"):
            msg["entities"] = [{"type": "bot_command", "offset": 0,
                                "length": len(text.split()[0])}]
    if edited:
        msg["edit_date"] = int(time.time())
        return {"edited_message": msg}
    return {"message": msg}


def photo_sizes(file_ids: list[str], sizes: list[tuple[int, int, int]]) -> list[dict[str, Any]]:
    """``PhotoSize`` objects: (width, height, file_size) each, smallest first as Telegram sends."""
    return [{"file_id": fid, "file_unique_id": f"u-{fid}", "width": w, "height": h,
             "file_size": size} for fid, (w, h, size) in zip(file_ids, sizes, strict=True)]


def callback_query(sender: dict[str, Any], chat: dict[str, Any], message_id: int, data: str,
                   text: str = "alert") -> dict[str, Any]:
    """An ``Update`` with a ``callback_query`` pressed under a message the bot sent."""
    return {"callback_query": {
        "id": f"cq-{next(_message_ids)}", "from": sender, "chat_instance": "ci-1", "data": data,
        "message": {"message_id": message_id, "date": int(time.time()), "chat": chat,
                    "from": {"id": 5000, "is_bot": True, "first_name": "Schoolwacht"},
                    "text": text}}}
