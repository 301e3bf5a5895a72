"""Outbox handlers: how an item of each kind is delivered through a chat port or a mail backend.

In-group actions (``delete``, ``chat`` warnings, ``restrict``) are outbox items too, stored with the
decision; the pipeline carries them out at once and the dispatcher retries what failed for now. An
alert that reports them (payload ``after``) waits until they are done, then says what really
happened: a removal still waiting for a flood limit is never reported as done.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from email import message_from_string, policy
from email.message import EmailMessage
from email.utils import formataddr
from typing import Any

from bot.i18n import t
from bot.outbox import Handler, NotYet
from core.clock import now_utc
from core.delivery import PermanentDeliveryError, TemporaryDeliveryError
from core.ports import Button, ChatPort, MailBackend, OutgoingAlert, SentRef
from storage.decisions_repo import DecisionRepository
from storage.models import OutboxItem
from storage.repositories import OutboxRepository

# Placeholder for "what was done" in an alert rendered before its actions were carried out.
DONE_MARK = "\u2063{done}\u2063"
# How long an alert waits for its actions (a flood limit on the delete) before it is sent saying
# which of them are not done yet.
ALERT_WAIT = timedelta(seconds=60)
IN_GROUP_KINDS = ("delete", "chat", "restrict")


def alert_payload(alert: OutgoingAlert) -> dict[str, Any]:
    return {"text": alert.text, "buttons": [[b.label, b.data] for b in alert.buttons],
            "ref": alert.ref}


def alert_from_payload(payload: dict[str, Any]) -> OutgoingAlert:
    return OutgoingAlert(text=payload["text"],
                         buttons=tuple(Button(label, data) for label, data in payload.get("buttons", [])),
                         ref=payload.get("ref"))


def message_id_for(key: str, domain: str) -> str:
    """A Message-ID derived from the outbox item's dedupe key: the same mail always carries the
    same id, so a mail sent again after a crash is recognisable as the same message."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def build_mail(*, sender: str, sender_name: str, to: str, subject: str, body: str,
               key: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = formataddr((sender_name, sender))
    msg["To"] = to
    msg["Subject"] = subject[:150]
    msg["Message-ID"] = message_id_for(key, sender.rpartition("@")[2] or "schoolwacht.local")
    msg.set_content(body)
    return msg


def done_text(results: dict[str, bool], lang: str, observe: bool) -> str:
    """What happened in the group, in words ("Gedaan: …")."""
    done = [t(f"done.{kind}", lang) for kind, ok in results.items() if ok]
    failed = [t(f"failed.{kind}", lang) for kind, ok in results.items() if not ok]
    text = ", ".join(done) if done else t("alert.done_none", lang)
    if observe:
        return f"{text} {t('alert.observe', lang)}"
    if failed:
        return "; ".join([text, *failed])
    return text


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


async def render_after(item: OutboxItem, repo: OutboxRepository, text: str) -> str:
    """Fill in what was done, once the actions the alert reports are settled."""
    after: dict[str, str] = item.payload.get("after") or {}
    if not after and DONE_MARK not in text:
        return text
    results: dict[str, bool] = dict(item.payload.get("known") or {})
    waiting = False
    for action, key in after.items():
        dep = await repo.db.run(repo.by_key, key)
        if dep is None or dep.status == "dead":
            results[action] = False
        elif dep.status == "sent":
            results[action] = bool((dep.ref or {}).get("ok", True))
        else:
            waiting = True
            results[action] = False
    if waiting and now_utc() - _aware(item.created_at) < ALERT_WAIT:
        raise NotYet("waiting for the actions it reports", retry_after=1.0)
    ordered = {k: results[k] for k in item.payload.get("order", list(results)) if k in results}
    lang = item.payload.get("lang", "nl")
    return text.replace(DONE_MARK, done_text(ordered, lang, bool(item.payload.get("observe"))))


def _ref(sent: SentRef | None) -> dict[str, Any]:
    if sent is None:
        raise PermanentDeliveryError("the platform refused the message")
    return {"chat_id": sent.chat_id, "message_id": sent.message_id}


def chat_handler(port: ChatPort, repo: OutboxRepository,
                 decisions: DecisionRepository | None = None) -> Handler:
    async def action_done(item: OutboxItem, action: str) -> None:
        payload = item.payload
        if decisions is not None and payload.get("message_id") and item.group_key:
            await repo.db.run(decisions.action_done, item.group_key, payload["message_id"],
                              action)

    async def handle(item: OutboxItem) -> dict[str, Any] | None:
        target = item.channel.partition(":")[2]
        payload = item.payload
        if item.kind == "alert":
            alert = alert_from_payload(payload)
            text = await render_after(item, repo, alert.text)
            return _ref(await port.send_alert(target, OutgoingAlert(text, alert.buttons,
                                                                    alert.ref)))
        if item.kind == "delete":
            ok = await port.delete_message(target, payload["message_id"],
                                           reason=payload.get("reason", ""))
            if not ok and item.attempts > 0 and "flood limit" not in (item.last_error or ""):
                # An earlier attempt may have removed it (a crash or time-out before the answer
                # was recorded): a message that is gone now is not up. (A flood limit means the
                # earlier attempt did nothing.)
                ok = True
            if ok:
                await action_done(item, "delete")
            return {"ok": ok}
        if item.kind == "restrict":
            until = datetime.fromisoformat(payload["until"])
            ok = await port.restrict_member(target, payload["member_id"], until=until)
            if ok:
                await action_done(item, "restrict")
            return {"ok": ok}
        if item.kind == "chat" and payload.get("private_to"):
            # A warning or reminder about a member's own message: privately to the member; the
            # group gets the neutral notice (naming nobody) after a removal, or when the member
            # cannot be reached privately.
            private = await port.send_private(payload["private_to"], payload["private_text"])
            sent = None
            if payload.get("notice") == "always" or private is None:
                sent = await port.send_message(target, payload["text"], reply_to=None)
            ok = private is not None or sent is not None
            if ok:
                await action_done(item, payload["action"])
            return {"ok": ok, **(_ref(sent) if sent else {})}
        if item.kind == "chat":
            sent = await port.send_message(target, payload["text"],
                                           reply_to=payload.get("reply_to"))
            if payload.get("action"):  # a warning or reminder of the pipeline
                if sent is not None:
                    await action_done(item, payload["action"])
                return {"ok": sent is not None, **(_ref(sent) if sent else {})}
            return _ref(sent)
        if item.kind == "private":
            return _ref(await port.send_private(target, payload["text"]))
        if item.kind == "leave":
            await port.leave_group(target)
            return None
        if item.kind == "edit":
            original = await repo.db.run(repo.by_key, payload["original"])
            if original is not None and original.status in ("pending", "sending"):
                raise TemporaryDeliveryError("the alert to edit is not delivered yet")
            if original is None or not original.ref:
                raise PermanentDeliveryError("nothing to edit")
            ref = SentRef(chat_id=str(original.ref["chat_id"]),
                          message_id=str(original.ref["message_id"]))
            await port.edit_alert(ref, alert_from_payload(payload))
            return None
        raise PermanentDeliveryError(f"unknown outbox kind {item.kind}")

    return handle


def mail_handler(backend: MailBackend, repo: OutboxRepository | None = None) -> Handler:
    async def handle(item: OutboxItem) -> dict[str, Any] | None:
        payload = item.payload
        if "raw" in payload:
            message = message_from_string(payload["raw"], policy=policy.SMTP)
            assert isinstance(message, EmailMessage)
        else:  # an alert by mail, rendered once its actions are settled
            body = payload["body"]
            if repo is not None:
                body = await render_after(item, repo, body)
            message = build_mail(sender=payload["from"], sender_name=payload["from_name"],
                                 to=payload["to"], subject=payload["subject"], body=body,
                                 key=item.dedupe_key)
        await backend.send_messages([message])
        return {"message_id": message.get("Message-ID")}

    return handle
