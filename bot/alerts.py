"""Who hears about what, and how an alert reaches them: always through the outbox.

Channels are strings ``telegram:<chat>``, ``matrix:<room>``, ``mail:<address>`` or
``console:<name>``; a contact may have several. A group's moderators come from its config entry; a
group without any falls back to the school's admins (the Telegram admin chat, the Matrix management
room and ``[[school.admins]]``), so no alert is ever addressed to nobody.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from email.message import EmailMessage
from typing import Any

from bot.config import AppConfig, Contact
from bot.delivery import alert_payload, build_mail
from bot.groups import EffectiveGroup
from bot.outbox import Outbox
from core.ports import OutgoingAlert
from storage.decisions_repo import outbox_row

log = logging.getLogger(__name__)


def _channels(contacts: Iterable[Contact]) -> list[str]:
    out: list[str] = []
    for contact in contacts:
        for channel in contact.channels:
            if channel not in out:
                out.append(channel)
    return out


class Router:
    def __init__(self, config: AppConfig) -> None:
        self.config = config

    def admins(self) -> list[str]:
        channels = _channels(self.config.school.admins)
        telegram = self.config.adapters.telegram
        if telegram.enabled and telegram.admin_chat_id is not None:
            channels.append(f"telegram:{telegram.admin_chat_id}")
        matrix = self.config.adapters.matrix
        if matrix.enabled and matrix.management_room:
            channels.append(f"matrix:{matrix.management_room}")
        if not channels and self.config.adapters.console.enabled:
            channels.append("console:beheer")
        return list(dict.fromkeys(channels))

    def moderators(self, group: EffectiveGroup) -> list[str]:
        return _channels(group.moderators) or self.admins()

    def team_leaders(self) -> list[str]:
        return _channels(self.config.school.team_leaders) or self.leadership()

    def leadership(self) -> list[str]:
        return _channels(self.config.school.leadership) or self.admins()

    def confidential_adviser(self) -> list[str]:
        adviser = self.config.school.confidential_adviser
        return _channels([adviser]) if adviser else []


class AlertService:
    def __init__(self, config: AppConfig, outbox: Outbox, router: Router) -> None:
        self.config = config
        self.outbox = outbox
        self.router = router

    def rows(self, channels: Sequence[str], alert: OutgoingAlert, *, key: str,
             group_key: str | None = None, subject: str | None = None,
             extra: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """The outbox rows of one alert, one per channel; ``key`` makes it idempotent per
        channel. ``extra`` goes into each payload (``after``: the actions it reports)."""
        rows = []
        for channel in channels:
            dedupe = f"{key}@{channel}"
            if channel.startswith("mail:"):
                mail = self.config.mail
                payload = {"from": mail.from_address, "from_name": self.config.sender_name,
                           "to": channel[5:], "subject": subject or alert.text.splitlines()[0],
                           "body": alert.text, **(extra or {})}
                rows.append(outbox_row(kind="mail", channel=channel, payload=payload,
                                       dedupe_key=dedupe, group_key=group_key))
            else:
                rows.append(outbox_row(kind="alert", channel=channel,
                                       payload={**alert_payload(alert), **(extra or {})},
                                       dedupe_key=dedupe, group_key=group_key))
        if not channels:
            log.warning("alert without recipients", extra={"alert": key})
        return rows

    async def send(self, channels: Sequence[str], alert: OutgoingAlert, *, key: str,
                   group_key: str | None = None, subject: str | None = None) -> int:
        """Queue one alert for every channel; ``key`` makes it idempotent per channel."""
        queued = 0
        for row in self.rows(channels, alert, key=key, group_key=group_key, subject=subject):
            stored = await self.outbox.put(kind=row["kind"], channel=row["channel"],
                                           payload=row["payload"], dedupe_key=row["dedupe_key"],
                                           group_key=group_key)
            queued += int(stored)
        return queued

    async def edit(self, channels: Sequence[str], alert: OutgoingAlert, *, key: str,
                   version: str) -> None:
        """Edit an alert already delivered (for example: acknowledged by a moderator)."""
        for channel in channels:
            if channel.startswith("mail:"):
                continue  # a sent mail cannot be edited
            original = await self.outbox.repo.db.run(self.outbox.repo.by_key, f"{key}@{channel}")
            if original is None:
                continue  # that alert was never sent here (for example: approved on invite)
            await self.outbox.put(kind="edit", channel=channel,
                                  payload={**alert_payload(alert), "original": f"{key}@{channel}"},
                                  dedupe_key=f"{key}@{channel}#{version}")

    def mail(self, to: str, subject: str, body: str, key: str) -> EmailMessage:
        return build_mail(sender=self.config.mail.from_address,
                          sender_name=self.config.sender_name, to=to, subject=subject, body=body,
                          key=key)
