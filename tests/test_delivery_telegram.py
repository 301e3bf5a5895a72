"""Delivery on Telegram (issue 16): flood limits honoured for every call, deletes included, per
chat and per method; bursts in one group never delay another; queued items follow a migration.

The real application (``build_app``) against the Bot API stand-in, through python-telegram-bot's
real HTTP stack.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from tests.telegram_standin import BotApiStandIn, administrator, group, message, user
from tests.test_telegram import ADMIN_CHAT, PRE, PRE_ID, STUDENT, needs, sent_to
from tests.test_telegram import DOXXING as INSULT
from tests.test_telegram import standin as standin_fixture
from tests.test_telegram import start as start_fixture

standin, start = standin_fixture, start_fixture  # the same fixtures as tests/test_telegram.py

OTHER_ID = -100555
OTHER = group(OTHER_ID, "Klas 4C")


def attempts(api: BotApiStandIn, method: str, **match: Any) -> list[Any]:
    return [c for c in api.calls if c.method == method
            and all(str(c.params.get(k)) == str(v) for k, v in match.items())]


def alerts(api: BotApiStandIn) -> list[dict[str, Any]]:
    return [c for c in sent_to(api, ADMIN_CHAT) if "Gedaan" in c["text"]]


async def test_429_on_delete_is_retried_and_the_alert_waits_for_the_removal(start, standin
                                                                            ) -> None:
    needs("personal_data", "harassment")
    api = standin
    api.bot_member[PRE_ID] = administrator(api.bot_user)
    api.fail("deleteMessage", 429, "Too Many Requests: retry after 2", retry_after=2)
    await start()
    update = message(PRE, STUDENT, INSULT)
    mid = update["message"]["message_id"]
    api.push(update)
    await api.wait_for(lambda: api.calls_of("deleteMessage", message_id=mid), timeout=15)
    tries = attempts(api, "deleteMessage", message_id=mid)
    assert [c.status for c in tries] == [429, 200]
    assert tries[1].at - tries[0].at >= 1.9  # Telegram's retry_after, honoured
    (alert,) = await api.wait_for(lambda: alerts(api), timeout=10)
    assert "bericht verwijderd" in alert["text"]
    first_alert = next(c for c in api.calls if c.method == "sendMessage"
                       and str(c.params["chat_id"]) == str(ADMIN_CHAT) and "Gedaan" in
                       c.params.get("text", ""))
    assert first_alert.at >= tries[1].at  # never claimed before it was true
    await asyncio.sleep(0.5)  # nothing more arrives
    assert len(alerts(api)) == 1 and len(api.calls_of("deleteMessage", message_id=mid)) == 1


async def test_429_on_the_warning_delivers_it_once(start, standin) -> None:
    needs("personal_data", "harassment")
    api = standin
    api.bot_member[PRE_ID] = administrator(api.bot_user)
    api.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1,
             when=lambda p: str(p.get("chat_id")) == str(PRE_ID) and "rights" not in str(p))
    app = await start()
    await api.wait_for(lambda: app.pipeline.ports)
    api.push(message(PRE, STUDENT, INSULT))
    await api.wait_for(lambda: alerts(api), timeout=15)
    warnings = [c for c in attempts(api, "sendMessage", chat_id=PRE_ID)]
    assert [c.status for c in warnings][-2:] == [429, 200]
    assert len([c for c in warnings if c.status == 200]) == 1
    assert "afzender aangesproken" in alerts(api)[0]["text"]


async def test_a_burst_in_one_group_never_delays_another(start, standin) -> None:
    needs("personal_data", "harassment")
    api = standin
    for chat in (PRE_ID, OTHER_ID):
        api.bot_member[chat] = administrator(api.bot_user)
    app = await start()
    from core.events import GroupKind

    await app.directory.register(f"telegram:{OTHER_ID}", title="Klas 4C", kind=GroupKind.CLASS,
                                 deadline=None)
    await app.directory.update(f"telegram:{OTHER_ID}", approval="approved", can_delete=True,
                               can_read_all=True)
    students = [user(5000 + i, f"Leerling{i}") for i in range(30)]
    burst = [message(PRE, s, f"{INSULT} {i}") for i, s in enumerate(students)]
    began = time.monotonic()
    for i, update in enumerate(burst):  # 30 insults in 5 seconds
        api.push(update)
        if i == 10:
            other = message(OTHER, STUDENT, INSULT)
            other_at = time.monotonic()
            api.push(other)
        await asyncio.sleep(5 / 30)
    await api.wait_for(lambda: api.calls_of("deleteMessage", chat_id=OTHER_ID), timeout=10)
    other_delete = attempts(api, "deleteMessage", chat_id=OTHER_ID)[0]
    assert other_delete.at - other_at < 2.0
    # The burst's deletes are not held back by the group's send limit (20 messages a minute).
    await api.wait_for(lambda: len(api.calls_of("deleteMessage", chat_id=PRE_ID)) == 30,
                       timeout=15)
    last = max(c.at for c in attempts(api, "deleteMessage", chat_id=PRE_ID))
    assert last - began < 8.0
    sends = [c for c in attempts(api, "sendMessage", chat_id=PRE_ID) if c.status == 200]
    window = [c for c in sends if c.at - sends[0].at < 60]
    assert len(window) <= 20  # the group's limit is kept; the rest waits in the outbox
    assert not [c for c in api.calls if c.status == 429]


async def test_a_queued_item_follows_a_migrated_chat(start, standin) -> None:
    api = standin
    old, new = -4545, -100454545
    api.fail("sendMessage", 400, "Bad Request: group chat was upgraded to a supergroup chat",
             when=lambda p: str(p.get("chat_id")) == str(old), migrate_to_chat_id=new)
    app = await start()
    await app.outbox.put(kind="chat", channel=f"telegram:{old}", payload={"text": "Hallo klas"},
                         dedupe_key="migrate-test", group_key=f"telegram:{old}")
    await api.wait_for(lambda: sent_to(api, new, "Hallo klas"), timeout=10)
    item = await app.repos.db.run(app.repos.outbox.by_key, "migrate-test")
    assert item.status == "sent" and item.channel == f"telegram:{new}"
