"""Outbox handlers: how an item of each kind is delivered through a chat port or a mail backend."""

from __future__ import annotations

from email import message_from_string, policy
from email.message import EmailMessage
from typing import Any

from bot.outbox import Handler
from core.delivery import PermanentDeliveryError, TemporaryDeliveryError
from core.ports import Button, ChatPort, MailBackend, OutgoingAlert, SentRef
from storage.models import OutboxItem
from storage.repositories import OutboxRepository


def alert_payload(alert: OutgoingAlert) -> dict[str, Any]:
    return {"text": alert.text, "buttons": [[b.label, b.data] for b in alert.buttons],
            "ref": alert.ref}


def alert_from_payload(payload: dict[str, Any]) -> OutgoingAlert:
    return OutgoingAlert(text=payload["text"],
                         buttons=tuple(Button(label, data) for label, data in payload.get("buttons", [])),
                         ref=payload.get("ref"))


def _ref(sent: SentRef | None) -> dict[str, Any]:
    if sent is None:
        raise PermanentDeliveryError("the platform refused the message")
    return {"chat_id": sent.chat_id, "message_id": sent.message_id}


def chat_handler(port: ChatPort, repo: OutboxRepository) -> Handler:
    async def handle(item: OutboxItem) -> dict[str, Any] | None:
        target = item.channel.partition(":")[2]
        payload = item.payload
        if item.kind == "alert":
            return _ref(await port.send_alert(target, alert_from_payload(payload)))
        if item.kind == "chat":
            return _ref(await port.send_message(target, payload["text"],
                                                reply_to=payload.get("reply_to")))
        if item.kind == "private":
            return _ref(await port.send_private(target, payload["text"]))
        if item.kind == "leave":
            await port.leave_group(target)
            return None
        if item.kind == "edit":
            original = await repo.db.run(repo.by_key, payload["original"])
            if original is not None and original.status == "pending":
                raise TemporaryDeliveryError("the alert to edit is not delivered yet")
            if original is None or not original.ref:
                raise PermanentDeliveryError("nothing to edit")
            ref = SentRef(chat_id=str(original.ref["chat_id"]),
                          message_id=str(original.ref["message_id"]))
            await port.edit_alert(ref, alert_from_payload(payload))
            return None
        raise PermanentDeliveryError(f"unknown outbox kind {item.kind}")

    return handle


def mail_handler(backend: MailBackend) -> Handler:
    async def handle(item: OutboxItem) -> dict[str, Any] | None:
        message = message_from_string(item.payload["raw"], policy=policy.SMTP)
        assert isinstance(message, EmailMessage)
        await backend.send_messages([message])
        return {"message_id": message.get("Message-ID")}

    return handle
