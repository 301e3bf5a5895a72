"""The Telegram adapter end to end: python-telegram-bot's real HTTP stack and a Bot API stand-in.

Every test builds the real application with ``bot.bootstrap.build_app`` (Telegram enabled, its
``base_url`` pointing at the stand-in on loopback) and drives it only through Bot API updates; it
then checks the Bot API calls the bot made and what the core stored.
"""

from __future__ import annotations

import asyncio
import socket
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from adapters.mail import MemoryBackend
from adapters.telegram.adapter import TelegramAdapter, file_url
from adapters.telegram.port import Limits, TelegramPort
from adapters.telegram.translate import parse_callback
from bot.bootstrap import build_app
from bot.config import AppConfig, ConfigError, parse_config
from core.delivery import TemporaryDeliveryError
from core.events import AttachmentKind, ForwardOrigin, GroupKind, MessageEvent, Role
from core.ports import Button, OutgoingAlert
from policies.registry import policy_types
from tests.telegram_standin import (
    BotApiStandIn,
    administrator,
    callback_query,
    group,
    left,
    member,
    message,
    my_chat_member,
    photo_sizes,
    private_chat,
    user,
)

TOKEN = "123456:TEST-token"
ADMIN_CHAT = -100900
CLASS_ID, OTHER_ID, PRE_ID = -100123, -100456, -100777
CLASS = group(CLASS_ID, "Klas 2B")
OTHER = group(OTHER_ID, "Voetbal 2B")
PRE = group(PRE_ID, "Klas 3A")  # pre-approved in the config
ADMIN = user(2001, "Ilse", "ilse_ict")
TEACHER = user(3001, "Mevrouw", "mevrouw_j")  # staff by config
STUDENT = user(4001, "Sam", "sam_2b")
OTHER_STUDENT = user(4002, "Noor", "noor_2b")
# Doxxing: someone else's phone number shared to expose him (personal data + harassment policies).
DOXXING = "Bel hem maar op 06-12345678 en zeg wat je van die sukkel vindt"


def needs(*names: str) -> None:
    """The policies this test relies on must be registered; fail loudly (never skip) if not."""
    missing = [n for n in names if n not in policy_types()]
    assert not missing, f"policies not registered yet: {missing}"


@pytest.fixture
async def standin():
    api = BotApiStandIn(token=TOKEN)
    await api.start()
    yield api
    await api.stop()


def make_config(tmp_path: Path, api: BotApiStandIn, **telegram: Any) -> AppConfig:
    return parse_config({
        # Ilse is a configured school admin; being in the admin chat would grant nothing.
        "school": {"name": "Testschool",
                   "admins": [{"name": "ICT", "accounts": [f"telegram:{ADMIN['id']}"]}]},
        "storage": {"url": f"sqlite:///{tmp_path / 'sw.db'}"},
        "mail": {"backend": "memory"},
        "adapters": {"console": {"enabled": False},
                     "telegram": {"enabled": True, "base_url": api.base_url,
                                  "admin_chat_id": ADMIN_CHAT, "staff_user_ids": [TEACHER["id"]],
                                  **telegram}},
        "groups": [{"id": f"telegram:{PRE_ID}", "kind": "class", "title": "Klas 3A"}],
    })


@pytest.fixture
async def start(tmp_path: Path, standin: BotApiStandIn, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SCHOOLWACHT_TELEGRAM_TOKEN", TOKEN)
    apps = []

    async def starter(config: AppConfig | None = None):  # type: ignore[no-untyped-def]
        app = build_app(config or make_config(tmp_path, standin), mail=MemoryBackend())
        await app.start()
        apps.append(app)
        return app

    yield starter
    for app in apps:
        await app.stop()


def sent_to(api: BotApiStandIn, chat_id: int, contains: str = "") -> list[dict[str, Any]]:
    return [c for c in api.calls_of("sendMessage", chat_id=chat_id)
            if contains in str(c.get("text", ""))]


def buttons(call: dict[str, Any]) -> list[str]:
    markup = call.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


async def delivered_alert(app: Any, key: str, timeout: float = 10.0) -> int:
    """The Telegram message id of the delivered approval alert for group ``key``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for item in await app.repos.db.run(app.repos.outbox.list, "sent", "alert"):
            if item.group_key == key and item.ref:
                return int(item.ref["message_id"])
        await asyncio.sleep(0.05)
    raise AssertionError(f"no delivered alert for {key}")


async def added(api: BotApiStandIn, chat: dict[str, Any], *, as_admin: bool = False) -> None:
    bot = api.bot_user
    new = administrator(bot) if as_admin else member(bot)
    if as_admin:
        api.bot_member[chat["id"]] = new
    api.push(my_chat_member(chat, TEACHER, left(bot), new))


# --- the full path ------------------------------------------------------------------------------
async def test_added_approved_moderated_and_rejected_group_left(start, standin) -> None:
    needs("personal_data", "harassment")
    api = standin
    api.admins[ADMIN_CHAT] = [ADMIN]
    app = await start()

    # Polling asks for every update kind the adapter needs (Telegram sends no others).
    polled = await api.wait_for(lambda: api.last_poll)
    assert {"message", "edited_message", "my_chat_member", "chat_member",
            "callback_query"} <= set(polled["allowed_updates"])

    # 1. A teacher adds the bot as a plain member: pending, one waiting message, the admin alert.
    await added(api, CLASS)
    alert = (await api.wait_for(lambda: [c for c in sent_to(api, ADMIN_CHAT) if buttons(c)]))[0]
    assert buttons(alert) == [f"approve:telegram:{CLASS_ID}", f"reject:telegram:{CLASS_ID}"]
    waiting = await api.wait_for(lambda: sent_to(api, CLASS_ID, "goedkeuring"))
    assert len(waiting) == 1
    row = await app.directory.row(f"telegram:{CLASS_ID}")
    assert row is not None and row.approval == "pending"

    # 2. Rights check: neither admin nor privacy off → step-by-step Dutch instructions.
    steps = (await api.wait_for(lambda: sent_to(api, CLASS_ID, "Berichten verwijderen")))[0]
    assert "/setprivacy" in steps["text"] and "1." in steps["text"]
    row = await app.directory.row(f"telegram:{CLASS_ID}")
    assert (row.can_delete, row.can_read_all) == (False, False)

    # The teacher makes the bot admin with 'delete messages': rights ok, said once.
    api.bot_member[CLASS_ID] = administrator(api.bot_user)
    api.push(my_chat_member(CLASS, TEACHER, member(api.bot_user), api.bot_member[CLASS_ID]))
    await api.wait_for(lambda: sent_to(api, CLASS_ID, "Dank je wel"))
    row = await app.directory.row(f"telegram:{CLASS_ID}")
    assert (row.can_delete, row.can_read_all) == (True, True)

    # 3. A student presses Approve in a normal group: refused. The admin presses it: approved.
    alert_message_id = await delivered_alert(app, f"telegram:{CLASS_ID}")
    api.push(callback_query(STUDENT, CLASS, alert_message_id, f"approve:telegram:{CLASS_ID}"))
    refused = (await api.wait_for(lambda: api.calls_of("answerCallbackQuery")))[0]
    assert "schoolleiding" in refused["text"]
    assert (await app.directory.row(f"telegram:{CLASS_ID}")).approval == "pending"
    api.push(callback_query(ADMIN, group(ADMIN_CHAT, "Beheer"), alert_message_id,
                            f"approve:telegram:{CLASS_ID}"))
    await api.wait_for(lambda: len(api.calls_of("answerCallbackQuery")) == 2)
    edit = (await api.wait_for(lambda: api.calls_of("editMessageText", chat_id=ADMIN_CHAT)))[0]
    assert int(edit["message_id"]) == alert_message_id and "goedgekeurd" in edit["text"]
    assert not (edit.get("reply_markup") or {}).get("inline_keyboard")  # buttons gone
    await api.wait_for(lambda: sent_to(api, CLASS_ID, "goedgekeurd door school"))
    row = await app.directory.row(f"telegram:{CLASS_ID}")
    assert row.approval == "approved" and row.decided_by == f"telegram:{ADMIN['id']}"

    # 4. A harassing message from a student: deleted, moderators alerted with feedback buttons.
    bad = message(CLASS, STUDENT, DOXXING)
    bad_id = bad["message"]["message_id"]
    api.push(bad)
    await api.wait_for(lambda: api.calls_of("deleteMessage", chat_id=CLASS_ID,
                                            message_id=bad_id))
    finding_alert = (await api.wait_for(lambda: [
        c for c in sent_to(api, ADMIN_CHAT) if any(b.startswith("fb:") for b in buttons(c))]))[0]
    assert "Sam" in finding_alert["text"] and "06-12345678" not in finding_alert["text"]

    # 5. The same words from a staff member: untouched in the group.
    staff_msg = message(CLASS, TEACHER, DOXXING)
    staff_id = staff_msg["message"]["message_id"]
    api.push(staff_msg, message(CLASS, STUDENT, "/regels"))
    await api.wait_for(lambda: sent_to(api, CLASS_ID, "afspraken in deze groep"))
    assert not api.calls_of("deleteMessage", message_id=staff_id)
    assert not [c for c in sent_to(api, CLASS_ID) if str(c.get("reply_to_message_id")) ==
                str(staff_id)]

    # 6. Another group is rejected with its button: the bot says so and leaves.
    await added(api, OTHER)
    await api.wait_for(lambda: sent_to(api, OTHER_ID, "goedkeuring"))
    other_alert = await delivered_alert(app, f"telegram:{OTHER_ID}")
    api.push(callback_query(ADMIN, group(ADMIN_CHAT, "Beheer"), other_alert,
                            f"reject:telegram:{OTHER_ID}"))
    # Destructive: the admin is first told privately what will happen, and confirms.
    await api.wait_for(lambda: sent_to(api, ADMIN["id"], "Weet je het zeker?"))
    assert (await app.directory.row(f"telegram:{OTHER_ID}")).approval == "pending"
    api.push(message(group(ADMIN_CHAT, "Beheer"), ADMIN, f"/reject telegram:{OTHER_ID} bevestig"))
    await api.wait_for(lambda: api.calls_of("leaveChat", chat_id=OTHER_ID))
    assert sent_to(api, OTHER_ID, "niet goedgekeurd")
    row = await app.directory.row(f"telegram:{OTHER_ID}")
    assert row.approval == "rejected"


async def test_only_school_admins_decide_on_groups(start, standin) -> None:
    api = standin
    api.admins[CLASS_ID] = [TEACHER, STUDENT]  # the student is admin of the class group only
    app = await start()
    await added(api, CLASS)
    await api.wait_for(lambda: sent_to(api, CLASS_ID, "goedkeuring"))
    # Typed in the group by a group admin who is not school staff: refused, group stays pending.
    api.push(message(CLASS, STUDENT, f"/approve telegram:{CLASS_ID}"))
    await api.wait_for(lambda: api.calls_of("sendMessage", chat_id=STUDENT["id"]))
    row = await app.directory.row(f"telegram:{CLASS_ID}")
    assert row.approval == "pending"
    # A button press from a stranger's private chat (not an alert chat): refused as well.
    api.push(callback_query(OTHER_STUDENT, private_chat(OTHER_STUDENT), 1,
                            f"approve:telegram:{CLASS_ID}"))
    answer = (await api.wait_for(lambda: api.calls_of("answerCallbackQuery")))[0]
    assert "schoolleiding" in answer["text"]
    row = await app.directory.row(f"telegram:{CLASS_ID}")
    assert row.approval == "pending"


# --- rights and observe mode ---------------------------------------------------------------------
async def test_missing_delete_right_keeps_group_in_observe_mode(start, standin) -> None:
    needs("personal_data", "harassment")
    api = standin
    api.can_read_all_group_messages = True  # privacy mode off in BotFather, but not an admin
    app = await start()
    await api.wait_for(lambda: sent_to(api, PRE_ID, "Berichten verwijderen"))
    text = sent_to(api, PRE_ID, "Berichten verwijderen")[0]["text"]
    assert "/setprivacy" not in text  # reading is fine; only the delete right is missing
    row = await app.directory.row(f"telegram:{PRE_ID}")
    assert (row.can_delete, row.can_read_all) == (False, True)
    group_now = await app.directory.get(f"telegram:{PRE_ID}")
    assert group_now.observe and group_now.rights_missing

    bad = message(PRE, STUDENT, DOXXING)
    api.push(bad)
    observed = await api.wait_for(lambda: [c for c in sent_to(api, ADMIN_CHAT)
                                           if "observatiemodus" in c["text"]])
    assert observed
    assert not api.calls_of("deleteMessage")


# --- flood limit, blocked, removed ---------------------------------------------------------------
async def test_flood_limit_retry_after_is_honoured_and_alert_sent_once(start, standin) -> None:
    api = standin
    api.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1,
             when=lambda p: str(p.get("chat_id")) == str(ADMIN_CHAT))
    await start()
    await added(api, CLASS)
    await api.wait_for(lambda: [c for c in api.calls if c.method == "sendMessage"
                                and str(c.params["chat_id"]) == str(ADMIN_CHAT)
                                and c.status == 200], timeout=15)
    attempts = [c for c in api.calls if c.method == "sendMessage"
                and str(c.params["chat_id"]) == str(ADMIN_CHAT)]
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 0.9  # waited for Telegram's retry_after
    await asyncio.sleep(0.3)
    assert len([c for c in api.calls if c.method == "sendMessage" and c.status == 200
                and str(c.params["chat_id"]) == str(ADMIN_CHAT)]) == 1


async def test_port_maps_errors_to_the_contract(standin, monkeypatch) -> None:
    from telegram import Bot

    api = standin
    bot = Bot(TOKEN, base_url=api.base_url, base_file_url=file_url(api.base_url))
    async with bot:
        port = TelegramPort(bot)
        api.fail("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
        with pytest.raises(TemporaryDeliveryError) as exc:
            await port.send_alert(str(ADMIN_CHAT), OutgoingAlert("x", (Button("a", "ack:1"),)))
        assert exc.value.retry_after == 7
        # Until retry_after has passed, calls of that kind to that chat are not even made.
        made = len(api.calls)
        with pytest.raises(TemporaryDeliveryError) as exc:
            await port.send_alert(str(ADMIN_CHAT), OutgoingAlert("x"))
        assert len(api.calls) == made and 6 < exc.value.retry_after <= 7
        port.limits = Limits()  # the rest of this test: as if the seven seconds had passed
        api.fail("sendMessage", 403, "Forbidden: bot was kicked from the supergroup chat")
        assert await port.send_message(str(CLASS_ID), "hallo") is None
        api.fail("leaveChat", 403, "Forbidden: bot is not a member of the supergroup chat")
        assert await port.leave_group(str(CLASS_ID)) is False
        assert await port.delete_message(str(CLASS_ID), "77", reason="x") is True
        assert await port.delete_message(str(CLASS_ID), "77", reason="x") is False  # 400 gone
        api.fail("editMessageText", 400, "Bad Request: message is not modified")
        assert await port.edit_alert(await port.send_alert(str(ADMIN_CHAT), OutgoingAlert("y")),
                                     OutgoingAlert("y")) is True
        # Restrict: every permission off, until the given time.
        until = datetime.now(UTC) + timedelta(hours=1)
        assert await port.restrict_member(str(CLASS_ID), str(STUDENT["id"]), until=until) is True
        (restrict,) = api.calls_of("restrictChatMember")
        assert restrict["user_id"] == str(STUDENT["id"])
        assert restrict["permissions"] and not any(restrict["permissions"].values())
        assert int(restrict["until_date"]) == int(until.timestamp())
        # Long callback data (a Matrix room key) is stored and resolved, never cut off.
        stored: dict[str, str] = {}

        async def get(key: str) -> str | None:
            return stored.get(key)

        async def put(key: str, value: str) -> None:
            stored[key] = value

        port.bind_state(get, put)
        long_data = "approve:matrix:!" + "x" * 40 + ":school.example.org"
        markup = await port.keyboard((Button("ok", long_data),))
        data = markup.inline_keyboard[0][0].callback_data
        assert len(data.encode()) <= 64 and await port.resolve_callback(data) == long_data
        # Network failure: temporary.
        await api.stop()
        with pytest.raises(TemporaryDeliveryError):
            await port.send_message(str(CLASS_ID), "hallo")


async def test_blocked_private_reply_falls_back_to_a_note(start, standin) -> None:
    api = standin
    api.never_started.add(STUDENT["id"])
    await start()
    # /status is staff-only: the refusal is private; the student never opened a private chat.
    api.push(message(PRE, STUDENT, "/status"))
    note = (await api.wait_for(lambda: sent_to(api, PRE_ID, "privégesprek")))[0]
    assert f"t.me/{api.username}" in note["text"]
    assert "alleen voor medewerkers" not in note["text"]  # the private text never leaks
    refused = [c for c in api.calls if c.method == "sendMessage" and c.status == 403]
    assert refused and str(refused[0].params["chat_id"]) == str(STUDENT["id"])


async def test_bot_removed_alert_goes_dead_and_bot_keeps_running(start, standin) -> None:
    api = standin
    api.fail("sendMessage", 403, "Forbidden: bot was kicked from the supergroup chat",
             when=lambda p: str(p.get("chat_id")) == str(CLASS_ID))
    app = await start()
    await added(api, CLASS)
    await api.wait_for(lambda: [c for c in api.calls if c.status == 403])
    await api.wait_for(lambda: sent_to(api, ADMIN_CHAT))

    async def dead() -> list[Any]:
        return [i for i in await app.repos.db.run(app.repos.outbox.list, "dead")
                if i.channel == f"telegram:{CLASS_ID}"]

    deadline = time.monotonic() + 5
    while not await dead() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert await dead()
    # Still alive: the next update is handled.
    api.push(message(PRE, STUDENT, "/regels"))
    await api.wait_for(lambda: sent_to(api, PRE_ID, "afspraken"))


# --- at most once --------------------------------------------------------------------------------
async def test_duplicate_update_is_processed_once(start, standin) -> None:
    needs("personal_data", "harassment")
    api = standin
    api.bot_member[PRE_ID] = administrator(api.bot_user)
    app = await start()
    update = message(PRE, STUDENT, DOXXING)
    mid = update["message"]["message_id"]
    update["update_id"] = 41
    api.push(update, dict(update))  # Telegram re-delivers the same update id
    await api.wait_for(lambda: api.calls_of("deleteMessage", message_id=mid))
    api.push(message(PRE, STUDENT, "/regels"))
    await api.wait_for(lambda: sent_to(api, PRE_ID, "afspraken"))
    # Not even attempted twice (a second attempt would have been answered 400 "not found").
    assert len([c for c in api.calls if c.method == "deleteMessage"]) == 1
    findings = await app.repos.db.run(app.repos.findings.for_message, f"telegram:{PRE_ID}",
                                      str(mid))
    assert len({f.policy for f in findings}) == len(findings)  # one record per rule, not two
    assert await app.repos.db.run(app.repos.state.claim_update, "telegram",
                                  str(update["update_id"])) is False


# --- what the pipeline sees ----------------------------------------------------------------------
class Seen:
    def __init__(self) -> None:
        self.events: list[MessageEvent] = []

    async def on_decision(self, decision) -> None:  # type: ignore[no-untyped-def]
        self.events.append(decision.event)


async def test_messages_become_complete_neutral_events(start, standin, tmp_path) -> None:
    api = standin
    config = make_config(tmp_path, api, max_download_bytes=50_000)
    app = await start(config)
    seen = Seen()
    app.pipeline.add_listener(seen)
    api.files = {"p-mid": b"\xff\xd8jpeg-bytes-mid", "doc-1": b"\x89PNG-bytes"}

    original = message(PRE, OTHER_STUDENT, "hoi")
    api.push(original)
    photo = message(PRE, STUDENT, None, caption="kijk @noor_2b en @onbekend", photo=photo_sizes(
        ["p-small", "p-mid", "p-big"], [(90, 60, 1_000), (800, 600, 40_000),
                                        (2560, 1920, 900_000)]),
        caption_entities=[{"type": "mention", "offset": 5, "length": 8},
                          {"type": "mention", "offset": 17, "length": 9}],
        reply_to_message=original["message"],
        forward_origin={"type": "user", "date": 1700000000, "sender_user": OTHER_STUDENT})
    hidden = message(PRE, STUDENT, "doorgestuurd", forward_origin={
        "type": "hidden_user", "date": 1700000000, "sender_user_name": "Iemand"},
        entities=[{"type": "text_mention", "offset": 0, "length": 4, "user": OTHER_STUDENT}])
    media = message(PRE, STUDENT, None, voice={"file_id": "v1", "file_unique_id": "uv1",
                                               "duration": 3},
                    video={"file_id": "vid", "file_unique_id": "uvid", "width": 640,
                           "height": 480, "duration": 5})
    document = message(PRE, STUDENT, None, document={
        "file_id": "doc-1", "file_unique_id": "ud", "file_name": "scherm.png",
        "mime_type": "image/png", "file_size": 10})
    channel_fwd = message(PRE, STUDENT, "nieuws", forward_origin={
        "type": "channel", "date": 1700000000, "message_id": 5,
        "chat": {"id": -100555, "type": "channel", "title": "Kanaal"}})
    edit = message(PRE, STUDENT, "hoi (aangepast)", message_id=original["message"]["message_id"]
                   + 0, edited=True)
    edit["edited_message"]["from"] = OTHER_STUDENT
    api.push(photo, hidden, media, document, channel_fwd, edit)
    await api.wait_for(lambda: len(seen.events) >= 7)

    first, pic, hid, med, doc, chan, edited = seen.events[:7]
    assert first.sender.role is Role.STUDENT and first.group_key == f"telegram:{PRE_ID}"
    assert pic.text.startswith("kijk") and pic.forward_origin is ForwardOrigin.PRIVATE_USER
    assert pic.reply_to_message_id == first.message_id
    assert pic.reply_to_sender_id == str(OTHER_STUDENT["id"])
    assert pic.mentions == (str(OTHER_STUDENT["id"]), "@onbekend")  # known username → id
    (image,) = pic.attachments
    assert image.kind is AttachmentKind.IMAGE and image.file_id == "p-mid"  # largest that fits
    assert image.fetch is not None and await image.fetch() == api.files["p-mid"]
    assert api.calls_of("getFile", file_id="p-mid") and api.calls_of("download")
    assert hid.forward_origin is ForwardOrigin.HIDDEN_USER
    assert hid.mentions == (str(OTHER_STUDENT["id"]),)
    assert sorted(a.kind for a in med.attachments) == [AttachmentKind.VIDEO, AttachmentKind.VOICE]
    assert all(a.fetch is None for a in med.attachments)  # never downloaded
    (img_doc,) = doc.attachments
    assert img_doc.kind is AttachmentKind.IMAGE and await img_doc.fetch() == api.files["doc-1"]
    assert chan.forward_origin is ForwardOrigin.CHANNEL
    assert edited.edited and edited.message_id == first.message_id
    assert edited.text == "hoi (aangepast)"


async def test_join_creates_member_with_role(start, standin) -> None:
    api = standin
    api.admins[PRE_ID] = [TEACHER]
    app = await start()
    api.push(message(PRE, TEACHER, None, new_chat_members=[OTHER_STUDENT, api.bot_user]))
    api.push(message(PRE, STUDENT, "/regels"))
    await api.wait_for(lambda: sent_to(api, PRE_ID, "afspraken"))
    row = await app.repos.db.run(app.repos.members.get, f"telegram:{PRE_ID}",
                                 str(OTHER_STUDENT["id"]))
    assert row is not None and row.role == "student"
    assert await app.repos.db.run(app.repos.members.get, f"telegram:{PRE_ID}",
                                  str(api.bot_id)) is None


# --- /koppel --------------------------------------------------------------------------------------
async def test_link_code_from_cli_makes_a_staff_member(start, standin, tmp_path) -> None:
    needs("personal_data", "harassment")
    api = standin
    api.bot_member[PRE_ID] = administrator(api.bot_user)
    config = make_config(tmp_path, api)
    config_file = tmp_path / "sw.toml"
    config_file.write_text(f'[storage]\nurl = "sqlite:///{tmp_path / "sw.db"}"\n')
    from bot.cli import app as cli

    app = await start(config)
    result = CliRunner().invoke(cli, ["telegram", "link-code", "-c", str(config_file)])
    assert result.exit_code == 0, result.output
    code = result.stdout.strip().splitlines()[0]
    mentor = user(3100, "Meneer", "mentor_b")
    api.push(message(private_chat(mentor), mentor, f"/koppel {code.lower()}"))
    await api.wait_for(lambda: sent_to(api, mentor["id"], "Gelukt"))
    # Once only.
    api.push(message(private_chat(OTHER_STUDENT), OTHER_STUDENT, f"/koppel {code}"))
    await api.wait_for(lambda: sent_to(api, OTHER_STUDENT["id"], "al gebruikt"))
    # The linked mentor's message is not moderated in the group; a student's is.
    staff_msg = message(PRE, mentor, DOXXING)
    student_msg = message(PRE, STUDENT, DOXXING)
    api.push(staff_msg, student_msg)
    await api.wait_for(lambda: api.calls_of("deleteMessage",
                                            message_id=student_msg["message"]["message_id"]))
    assert not api.calls_of("deleteMessage", message_id=staff_msg["message"]["message_id"])
    cli_staff = CliRunner().invoke(cli, ["telegram", "staff", "-c", str(config_file)])
    assert cli_staff.stdout.split() == [str(mentor["id"])]
    # A code posted in a group is deleted there and burned.
    code2 = CliRunner().invoke(cli, ["telegram", "link-code", "-c", str(config_file)]
                               ).stdout.split()[0]
    posted = message(PRE, STUDENT, f"/koppel {code2}")
    api.push(posted)
    await api.wait_for(lambda: api.calls_of("deleteMessage",
                                            message_id=posted["message"]["message_id"]))
    api.push(message(private_chat(STUDENT), STUDENT, f"/koppel {code2}"))
    await api.wait_for(lambda: sent_to(api, STUDENT["id"], "al gebruikt"))
    assert app.repos.state is not None


# --- webhook mode --------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_webhook_mode_checks_the_secret_token(start, standin, tmp_path, monkeypatch) -> None:
    api = standin
    port = free_port()
    monkeypatch.setenv("SCHOOLWACHT_TELEGRAM_WEBHOOK_SECRET", "s3cret-token")
    config = make_config(tmp_path, api, mode="webhook", webhook_url="https://bot.school.example/tg",
                         webhook_listen="127.0.0.1", webhook_port=port)
    await start(config)
    (hook,) = api.calls_of("setWebhook")
    assert hook["url"] == "https://bot.school.example/tg" and hook["secret_token"] == "s3cret-token"
    update = message(PRE, STUDENT, "/regels")
    update["update_id"] = 1
    async with httpx.AsyncClient() as client:
        wrong = await client.post(f"http://127.0.0.1:{port}/tg", json=update,
                                  headers={"X-Telegram-Bot-Api-Secret-Token": "guess"})
        assert wrong.status_code == 403
        right = await client.post(f"http://127.0.0.1:{port}/tg", json=update,
                                  headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"})
        assert right.status_code == 200
    await api.wait_for(lambda: sent_to(api, PRE_ID, "afspraken"))
    assert len(sent_to(api, PRE_ID, "afspraken")) == 1  # the refused post did nothing


# --- configuration and parsing -------------------------------------------------------------------
def test_missing_token_is_a_clear_config_error(tmp_path, standin, monkeypatch) -> None:
    monkeypatch.delenv("SCHOOLWACHT_TELEGRAM_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="SCHOOLWACHT_TELEGRAM_TOKEN"):
        TelegramAdapter(make_config(tmp_path, standin))
    monkeypatch.setenv("SCHOOLWACHT_TELEGRAM_TOKEN", TOKEN)
    monkeypatch.delenv("SCHOOLWACHT_TELEGRAM_WEBHOOK_SECRET", raising=False)
    with pytest.raises(ConfigError, match="SCHOOLWACHT_TELEGRAM_WEBHOOK_SECRET"):
        TelegramAdapter(make_config(tmp_path, standin, mode="webhook",
                                    webhook_url="https://bot.school.example/tg"))


async def test_wrong_token_stops_start_up_with_a_clear_error(tmp_path, standin,
                                                              monkeypatch) -> None:
    monkeypatch.setenv("SCHOOLWACHT_TELEGRAM_TOKEN", "999:not-the-token")
    app = build_app(make_config(tmp_path, standin), mail=MemoryBackend())
    try:
        with pytest.raises(ConfigError, match="refused the bot token"):
            await app.start()
    finally:
        await app.stop()


def test_callback_data_keeps_group_keys_whole() -> None:
    assert parse_callback("approve:telegram:-100123") == ("approve", ("telegram:-100123",))
    assert parse_callback("reject:matrix:!room:example.org") == ("reject",
                                                                 ("matrix:!room:example.org",))
    assert parse_callback("fb:wrong:12") == ("fb", ("wrong", "12"))
    assert parse_callback("ack:5") == ("ack", ("5",))
    assert parse_callback("help") == ("help", ())
    assert file_url("http://127.0.0.1:8081/bot") == "http://127.0.0.1:8081/file/bot"


async def test_group_upgraded_to_supergroup_asks_approval_for_its_new_id(start, standin) -> None:
    api = standin
    app = await start()
    new = group(-100888, "Klas 2B")
    # Telegram's service message in the new supergroup; the bot never saw this id before.
    api.push(message(new, TEACHER, None, migrate_from_chat_id=-4242))
    alert = (await api.wait_for(lambda: [c for c in sent_to(api, ADMIN_CHAT) if buttons(c)]))[0]
    assert buttons(alert)[0] == "approve:telegram:-100888"
    row = await app.directory.row("telegram:-100888")
    assert row is not None and row.approval == "pending"


async def test_approved_group_keeps_its_approval_when_it_becomes_a_supergroup(start, standin
                                                                             ) -> None:
    api = standin
    app = await start()
    old_id, new_id = -4343, -100999
    await app.directory.register(f"telegram:{old_id}", title="Klas 2C", kind=GroupKind.CLASS,
                                 deadline=None)
    await app.directory.update(f"telegram:{old_id}", approval="approved")
    basic_group = {**group(old_id, "Klas 2C"), "type": "group"}  # basic groups get migrated
    api.push(message(basic_group, TEACHER, None, migrate_to_chat_id=new_id))
    for _ in range(100):
        row = await app.directory.row(f"telegram:{new_id}")
        if row is not None:
            break
        await asyncio.sleep(0.05)
    assert row is not None and row.approval == "approved" and row.kind == "class"
    assert (await app.directory.row(f"telegram:{old_id}")).approval == "left"
    assert "group.migrated" in [a.action for a in app.repos.audit.list(f"telegram:{new_id}")]
