"""The B.3 e-mail mirror: queue what the group needs, compose digests, keep subscribers honest.

The service listens to every pipeline decision. A message that passed moderation and fits the
group's ``include`` is queued as a ``DigestItem`` (only what the mail needs); a flagged or deleted
message is withdrawn and never mailed. Scheduled jobs (or an important message) compose the queued
items into one mail per confirmed subscriber, in one transaction with consuming the items (see
``storage.digest_repo``), and the persistent outbox delivers them with retries.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import re
import secrets
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from bot.config import AppConfig, GroupDigestSettings
from bot.config import secret as env_secret
from bot.digest.render import Renderer, build_message, guess_name
from bot.digest.schedule import Schedule, parse_schedule
from bot.digest.tokens import CONFIRM_DAYS, TokenSigner
from bot.outbox import Handler
from core.delivery import MailPermanentError, PermanentDeliveryError
from core.events import AttachmentKind, MessageEvent
from core.findings import Severity
from storage.db import Database
from storage.digest_repo import DigestRepository, fingerprint
from storage.models import DigestItem, OutboxItem, Subscriber

if TYPE_CHECKING:
    from bot.pipeline import Decision

log = logging.getLogger(__name__)

EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
PEOPLE_MEDIA = (AttachmentKind.IMAGE, AttachmentKind.VIDEO)  # may show recognisable people (A.5)
RECENT_LIMIT = 2000  # clean messages remembered in memory only, to quote what a reply answers
SNIPPET = 300


def valid_email(value: str) -> bool:
    return len(value) <= 254 and EMAIL_RE.match(value.strip()) is not None


class DigestService:
    def __init__(self, config: AppConfig, db: Database, *,
                 wakeup: Callable[[], None] | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.config = config
        self.db = db
        self.repo = DigestRepository(db)
        self.wakeup = wakeup or (lambda: None)
        self.clock = clock
        self.renderer = Renderer(school=config.school.name, timezone=config.school.timezone)
        self._signer: TokenSigner | None = None
        self._locks: dict[str, asyncio.Lock] = {}
        self._recent: OrderedDict[tuple[str, str], str] = OrderedDict()
        self.tag = config.digest.important_tag.strip()
        self._tag_re = re.compile(rf"(?<!\w){re.escape(self.tag)}(?!\w)", re.IGNORECASE) \
            if self.tag else None
        for group in config.groups:  # a bad schedule stops start-up with a clear message
            if group.digest.enabled:
                parse_schedule(group.digest.schedule)

    # --- configuration --------------------------------------------------------------------------
    def settings(self, group_key: str) -> GroupDigestSettings | None:
        group = self.config.group(group_key)
        return group.digest if group is not None and group.digest.enabled else None

    def schedule(self, group_key: str) -> Schedule | None:
        settings = self.settings(group_key)
        return parse_schedule(settings.schedule) if settings else None

    def enabled_groups(self) -> list[str]:
        return [g.id for g in self.config.groups if g.digest.enabled]

    def title(self, group_key: str) -> str:
        group = self.config.group(group_key)
        return (group.title if group and group.title else None) or group_key

    def language(self, group_key: str) -> str:
        group = self.config.group(group_key)
        return (group.language if group and group.language else None) or \
            self.config.school.language

    async def signer(self) -> TokenSigner:
        """The HMAC key: from the environment variable named in [digest].secret_env, else one
        generated once and kept in the database, so links in sent mails keep working."""
        if self._signer is None:
            value = env_secret(self.config.digest.secret_env)
            if value is None:
                value, created = await self.db.run(self.repo.secret,
                                                   lambda: secrets.token_urlsafe(32))
                if created:
                    log.warning("digest signing secret generated and stored in the database",
                                extra={"secret_env": self.config.digest.secret_env})
            self._signer = TokenSigner(value.encode())
        return self._signer

    def _lock(self, group_key: str) -> asyncio.Lock:
        return self._locks.setdefault(group_key, asyncio.Lock())

    def url(self, path: str, token: str) -> str:
        return f"{self.config.digest.public_url.rstrip('/')}/digest/{path}?token={token}"

    # --- what is mirrored -----------------------------------------------------------------------
    async def on_decision(self, decision: Decision) -> None:
        event, group_key = decision.event, decision.group.key
        settings = self.settings(group_key)
        if settings is None:
            return
        # A finding of severity "none" is information (a topic score), not a flag.
        if decision.verdict.severity > Severity.NONE or decision.deleted:
            self._recent.pop((group_key, event.message_id), None)
            await self.db.run(self.repo.withdraw, group_key, event.message_id)
            log.info("digest item withdrawn", extra={"group": group_key,
                                                     "message_id": event.message_id})
            return
        reply_to = self._reply_context(group_key, event)
        if event.text:
            self._remember(group_key, event)
        if settings.include == "staff" and not event.sender.role.is_staff:
            return
        important = bool(event.sender.role.is_staff and self._tag_re
                         and self._tag_re.search(event.text))
        text = self._strip_tag(event.text) if important else event.text
        item = DigestItem(
            group_key=group_key, message_id=event.message_id,
            sender_name=event.sender.display_name, sender_role=event.sender.role.value,
            text=text, reply_to_text=reply_to, important=important,
            attachments=await self._attachments(event, settings),
            sent_at=event.sent_at, edited_at=event.sent_at if event.edited else None)
        if not item.text and not item.attachments:
            return
        stored = await self.db.run(self.repo.put_item, item)
        if stored is None:
            return
        log.info("digest item queued", extra={"group": group_key, "item": stored.id,
                                              "important": stored.important})
        schedule = parse_schedule(settings.schedule)
        if stored.important or schedule.immediate:
            assert stored.id is not None
            await self.compose(group_key, ids=[stored.id], important=stored.important)

    def _strip_tag(self, text: str) -> str:
        assert self._tag_re is not None
        return re.sub(r"[ \t]{2,}", " ", self._tag_re.sub("", text)).strip()

    def _remember(self, group_key: str, event: MessageEvent) -> None:
        snippet = event.text if len(event.text) <= SNIPPET else event.text[:SNIPPET] + "…"
        self._recent[(group_key, event.message_id)] = f"{event.sender.display_name}: {snippet}"
        self._recent.move_to_end((group_key, event.message_id))
        while len(self._recent) > RECENT_LIMIT:
            self._recent.popitem(last=False)

    def _reply_context(self, group_key: str, event: MessageEvent) -> str | None:
        if not event.reply_to_message_id:
            return None
        quoted = self._recent.get((group_key, event.reply_to_message_id))
        if quoted is not None:
            return self._strip_tag(quoted) if self._tag_re else quoted
        from bot.i18n import t

        return t("digest.reply_unknown", self.language(group_key))

    async def _attachments(self, event: MessageEvent,
                           settings: GroupDigestSettings) -> list[dict[str, Any]]:
        """Staff files within the size limit are attached; photos and videos only with consent on
        file (A.5); everything else is listed so the reader knows to look in the group."""
        out: list[dict[str, Any]] = []
        budget = settings.max_attachment_bytes
        for index, att in enumerate(event.attachments, start=1):
            if att.kind is AttachmentKind.STICKER:
                continue
            name = att.file_name or guess_name(att.kind.value, att.mime_type, index)
            entry: dict[str, Any] = {"name": name, "kind": att.kind.value, "mime": att.mime_type,
                                     "size": att.size}
            if att.kind in PEOPLE_MEDIA and not settings.consent_on_file:
                entry["status"] = "no_consent"
            elif not event.sender.role.is_staff:
                entry["status"] = "not_staff"
            elif att.size is not None and att.size > budget:
                entry["status"] = "too_large"
            elif att.fetch is None:
                entry["status"] = "unavailable"
            else:
                try:
                    data = await att.fetch()
                except Exception as exc:
                    log.warning("digest attachment fetch failed",
                                extra={"group": event.group_key, "error": type(exc).__name__})
                    data = None
                if data is None:
                    entry["status"] = "unavailable"
                elif len(data) > budget:
                    entry["status"] = "too_large"
                else:
                    budget -= len(data)
                    entry.update(status="attached", size=len(data),
                                 data=base64.b64encode(data).decode("ascii"))
            out.append(entry)
        return out

    # --- composing ------------------------------------------------------------------------------
    async def compose(self, group_key: str, *, ids: list[int] | None = None,
                      important: bool = False, important_only: bool = False) -> int:
        """Turn queued items into one mail per confirmed subscriber; returns mails enqueued.
        Nothing is sent for a period without messages."""
        settings = self.settings(group_key)
        if settings is None:
            return 0
        async with self._lock(group_key):
            for _ in range(5):
                await self.db.run(self.repo.withdraw_flagged, group_key)
                items = await self.db.run(lambda: self.repo.pending(
                    group_key, important_only=important_only, ids=ids))
                if not items:
                    return 0
                subscribers = await self.db.run(lambda: self.repo.list(group_key, "confirmed"))
                batch = await self.db.run(self.repo.next_batch, group_key)
                now = self.clock()
                is_important = important or any(i.important for i in items)
                mails = [await self._digest_mail(group_key, settings, items, sub, batch, now,
                                                 is_important)
                         for sub in subscribers]
                stamps = {i.id: fingerprint(i) for i in items if i.id is not None}
                if await self.db.run(self.repo.commit_batch, group_key, batch, stamps, mails):
                    log.info("digest composed", extra={"group": group_key, "batch": batch,
                                                       "items": len(items), "mails": len(mails)})
                    if mails:
                        self.wakeup()
                    return len(mails)
            log.warning("digest compose kept changing underneath; will retry on schedule",
                        extra={"group": group_key})
            return 0

    async def _digest_mail(self, group_key: str, settings: GroupDigestSettings,
                           items: list[DigestItem], sub: Subscriber, batch: int, now: datetime,
                           important: bool) -> dict[str, Any]:
        assert sub.id is not None
        lang = self.language(group_key)
        signer = await self.signer()
        unsubscribe = self.url("unsubscribe", signer.make("unsubscribe", sub.id, sub.email,
                                                          group_key))
        message = self.render_digest(group_key, items, to=sub.email, unsubscribe_url=unsubscribe,
                                     now=now, important=important, lang=lang,
                                     include=settings.include, hint=f"digest.{batch}.{sub.id}")
        local = self.renderer.local(now)
        period = f"{local:%Y-%m-%d}#{batch}"
        return {"dedupe_key": f"digest:{group_key}:{sub.id}:{period}",
                "channel": f"mail:{sub.email}",
                "payload": {"raw": message.as_string(),
                            "digest": {"type": "digest", "subscriber_id": sub.id,
                                       "group": group_key, "batch": batch}}}

    def render_digest(self, group_key: str, items: list[DigestItem], *, to: str,
                      unsubscribe_url: str, now: datetime, important: bool, lang: str,
                      include: str, hint: str) -> EmailMessage:
        title = self.title(group_key)
        composed = self.renderer.digest(
            items=items, group=title, period=self.renderer.period(items, now, lang), lang=lang,
            include=include, important=important, unsubscribe_url=unsubscribe_url,
            today=self.renderer.local(now).date()
            if all(self.renderer.local(i.sent_at).date() == self.renderer.local(now).date()
                   for i in items) else None)
        return build_message(composed, from_name=self.config.sender_name,
                             from_address=self.config.mail.from_address, to=to,
                             unsubscribe_url=unsubscribe_url, list_id=self.list_id(group_key),
                             now=now, msgid_hint=hint)

    def list_id(self, group_key: str) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", group_key.lower()).strip("-")
        domain = self.config.mail.from_address.rpartition("@")[2] or "localhost"
        return f"<{slug}.digest.{domain}>"

    async def preview(self, group_key: str) -> EmailMessage | None:
        """The next digest as it would look now, addressed to nobody in particular."""
        settings = self.settings(group_key)
        if settings is None:
            return None
        await self.db.run(self.repo.withdraw_flagged, group_key)
        items = await self.db.run(lambda: self.repo.pending(group_key))
        if not items:
            return None
        return self.render_digest(group_key, items, to="voorbeeld@example.invalid",
                                  unsubscribe_url=self.url("unsubscribe", "voorbeeld"),
                                  now=self.clock(), important=False,
                                  lang=self.language(group_key), include=settings.include,
                                  hint="preview")

    async def scheduled_send(self, group_key: str) -> int:
        return await self.compose(group_key)

    async def send_important_backlog(self) -> int:
        """Important items queued but not composed (a crash right after queuing) go out now."""
        groups = await self.db.run(self.repo.groups_with_important)
        return sum([await self.compose(g, important_only=True, important=True) for g in groups])

    async def withdraw(self, group_key: str, message_id: str) -> None:
        """For other features that remove a message later (a moderator's deletion): never mail
        it."""
        await self.db.run(self.repo.withdraw, group_key, message_id)

    async def mark_important(self, group_key: str, message_id: str) -> int | None:
        item = await self.db.run(self.repo.mark_important, group_key, message_id)
        if item is None or item.id is None:
            return None
        return await self.compose(group_key, ids=[item.id], important=True)

    # --- subscribers ----------------------------------------------------------------------------
    async def subscribe(self, group_key: str, email: str, actor: str) -> str:
        """Add an address (double opt-in). Returns ``added``, ``already``, ``invalid`` or
        ``disabled``."""
        if self.settings(group_key) is None:
            return "disabled"
        if not valid_email(email):
            return "invalid"
        sub, send = await self.db.run(self.repo.subscribe, group_key, email)
        assert sub.id is not None
        if not send:
            return "already"
        await self._audit(actor, "digest.subscribe", group_key, sub.id)
        await self._enqueue_confirm(group_key, sub)
        return "added"

    async def _enqueue_confirm(self, group_key: str, sub: Subscriber) -> None:
        assert sub.id is not None
        signer = await self.signer()
        lang = self.language(group_key)
        confirm = self.url("confirm", signer.make("confirm", sub.id, sub.email, group_key))
        unsubscribe = self.url("unsubscribe", signer.make("unsubscribe", sub.id, sub.email,
                                                          group_key))
        composed = self.renderer.confirm(group=self.title(group_key), lang=lang,
                                         confirm_url=confirm, unsubscribe_url=unsubscribe)
        now = self.clock()
        message = build_message(composed, from_name=self.config.sender_name,
                                from_address=self.config.mail.from_address, to=sub.email,
                                unsubscribe_url=unsubscribe, list_id=self.list_id(group_key),
                                now=now, msgid_hint=f"confirm.{sub.id}")
        # One confirmation per address per day at most, however often a teacher adds it.
        mail = {"dedupe_key": f"digest-confirm:{group_key}:{sub.id}:{now:%Y-%m-%d}",
                "channel": f"mail:{sub.email}",
                "payload": {"raw": message.as_string(),
                            "digest": {"type": "confirm", "subscriber_id": sub.id,
                                       "group": group_key}}}
        if await self.db.run(self.repo.enqueue_mail, mail, group_key, None):
            self.wakeup()

    async def unsubscribe(self, group_key: str, email: str, actor: str) -> bool:
        sub = await self.db.run(self.repo.find, group_key, email)
        if sub is None or sub.id is None:
            return False
        await self.db.run(self.repo.set_state, sub.id, "unsubscribed", None)
        await self._audit(actor, "digest.unsubscribe", group_key, sub.id)
        return True

    async def subscriber_for(self, purpose: str, token: str) -> Subscriber | None:
        """The subscriber a link is for, when its signature (and age, for confirm) checks out."""
        subscriber_id = TokenSigner.subscriber_id(token)
        if subscriber_id is None:
            return None
        sub = await self.db.run(self.repo.get, subscriber_id)
        if sub is None:
            return None
        signer = await self.signer()
        max_age = CONFIRM_DAYS if purpose == "confirm" else None
        if not signer.verify(purpose, token, sub.email, sub.group_key, max_age):
            return None
        return sub

    async def confirm_link(self, token: str) -> Subscriber | None:
        sub = await self.subscriber_for("confirm", token)
        if sub is None or sub.id is None or sub.state == "unsubscribed":
            return None
        if sub.state != "confirmed":
            await self.db.run(self.repo.set_state, sub.id, "confirmed", None)
            await self._audit("link", "digest.confirm", sub.group_key, sub.id)
        return sub

    async def unsubscribe_link(self, token: str) -> Subscriber | None:
        sub = await self.subscriber_for("unsubscribe", token)
        if sub is None or sub.id is None:
            return None
        if sub.state != "unsubscribed":
            await self.db.run(self.repo.set_state, sub.id, "unsubscribed", None)
            await self._audit("link", "digest.unsubscribe", sub.group_key, sub.id)
        return sub

    async def _audit(self, actor: str, action: str, group_key: str, subscriber_id: int) -> None:
        from storage.repositories import AuditRepository

        audit = AuditRepository(self.db)
        await self.db.run(lambda: audit.add(actor, action, group_key=group_key,
                                            target=f"subscriber:{subscriber_id}"))

    # --- delivery -------------------------------------------------------------------------------
    def wrap_mail_handler(self, inner: Handler) -> Handler:
        """Digest mails go only to active subscribers; a permanent refusal (5xx) marks the
        subscriber bouncing. Other mails pass straight through."""

        async def handle(item: OutboxItem) -> dict[str, Any] | None:
            info = item.payload.get("digest") if isinstance(item.payload, dict) else None
            if not info:
                return await inner(item)
            sub = await self.db.run(self.repo.get, int(info["subscriber_id"]))
            wanted = "pending" if info.get("type") == "confirm" else "confirmed"
            if sub is None or sub.state != wanted:
                raise PermanentDeliveryError("subscriber no longer active")
            try:
                return await inner(item)
            except MailPermanentError as exc:
                if not exc.recipients:  # the message, not the address, was refused
                    raise
                await self.db.run(self.repo.set_state, int(info["subscriber_id"]), "bouncing",
                                  str(exc))
                log.warning("digest subscriber bouncing",
                            extra={"group": info.get("group"), "subscriber": sub.id})
                raise

        return handle

    async def purge(self) -> None:
        removed = await self.db.run(self.repo.purge_subscribers,
                                    self.config.storage.retention.digest_days)
        log.info("digest subscribers purged", extra={"deleted": removed})
