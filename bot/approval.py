"""B.1: the bot works only in groups the school approved.

When the bot is added to a group it is stored as pending, says once that it waits for approval, and
the admins get an alert with Approve / Reject buttons. A group listed in the config is approved at
once. Rejected, or not approved before the deadline: the bot says so and leaves. Every decision goes
into the audit log. Messages to groups go through the outbox, so a decision taken with the CLI while
the bot runs elsewhere is still carried out, exactly once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.alerts import AlertService, Router
from bot.config import AppConfig
from bot.directory import GroupDirectory
from bot.i18n import t
from bot.outbox import Outbox
from core.clock import now_utc
from core.events import BotAddedEvent, GroupKind
from core.ports import Button, OutgoingAlert
from storage.repositories import Repositories

log = logging.getLogger(__name__)


def _chat(key: str) -> tuple[str, str]:
    platform, _, chat_id = key.partition(":")
    return platform, chat_id


async def queue_group_message(outbox: Outbox, key: str, text_key: str, lang: str,
                              suffix: str, **values: str) -> None:
    await outbox.put(kind="chat", channel=key, payload={"text": t(text_key, lang, **values)},
                     dedupe_key=f"group:{key}:{suffix}", group_key=key)


class ApprovalService:
    def __init__(self, config: AppConfig, directory: GroupDirectory, repos: Repositories,
                 outbox: Outbox, alerts: AlertService, router: Router) -> None:
        self.config = config
        self.directory = directory
        self.repos = repos
        self.outbox = outbox
        self.alerts = alerts
        self.router = router
        self.lang = config.school.language

    async def on_bot_added(self, event: BotAddedEvent, *, kind: GroupKind | None = None) -> str:
        """Register the group; returns its approval state after this event."""
        key = event.group_key
        configured = self.config.group(key)
        if configured is not None and configured.approved:
            await self.directory.sync_config()
            await self.repos.db.run(lambda: self.repos.audit.add(
                "system", "group.approved", group_key=key, detail={"by": "config"}))
            return "approved"
        existing = await self.directory.row(key)
        if existing is not None and existing.approval == "approved":
            return "approved"
        deadline = now_utc() + timedelta(hours=self.config.approval.timeout_hours)
        row = await self.directory.register(
            key, title=event.group_title,
            kind=kind or (configured.kind if configured else GroupKind.CLASS), deadline=deadline)
        if row.approval == "rejected":
            await self._leave(key, "approval.rejected", f"rejected-again:{now_utc().timestamp()}")
            return "rejected"
        stamp = int(row.requested_at.timestamp())
        await queue_group_message(self.outbox, key, "approval.waiting", self.lang,
                                  f"waiting:{stamp}", school=self.config.school.name)
        added_by = event.added_by.display_name if event.added_by else "?"
        text = t("approval.admin_request", self.lang, title=event.group_title or key, key=key,
                 added_by=added_by,
                 deadline=self._local(row.approval_deadline or deadline))
        buttons = (Button(t("approval.button_approve", self.lang), f"approve:{key}"),
                   Button(t("approval.button_reject", self.lang), f"reject:{key}"))
        await self.alerts.send(self.router.admins(), OutgoingAlert(text=text, buttons=buttons,
                                                                   ref=key),
                               key=f"approval:{key}:{stamp}", group_key=key)
        await self.repos.db.run(lambda: self.repos.audit.add(
            "system", "group.pending", group_key=key,
            detail={"added_by": event.added_by.platform_id if event.added_by else None}))
        log.info("group pending approval", extra={"group": key})
        return "pending"

    def _local(self, when: datetime) -> str:
        from zoneinfo import ZoneInfo

        if when.tzinfo is None:
            from datetime import UTC

            when = when.replace(tzinfo=UTC)
        return when.astimezone(ZoneInfo(self.config.school.timezone)).strftime("%d-%m-%Y %H:%M")

    async def decide(self, key: str, *, approve: bool, actor: str,
                     kind: GroupKind | None = None) -> tuple[bool, str]:
        """Approve or reject; returns (changed, a line for the person who decided)."""
        row = await self.directory.row(key)
        if row is None:
            return False, t("approval.unknown_group", self.lang, key=key)
        target = "approved" if approve else "rejected"
        if row.approval == target:
            return False, t("approval.already", self.lang, key=key,
                            state=t(f"approval.word_{target}", self.lang))
        values: dict[str, object] = {"approval": target, "decided_at": now_utc(),
                                     "decided_by": actor}
        if kind is not None:
            values["kind"] = kind.value
        await self.directory.update(key, **values)
        await self.repos.db.run(lambda: self.repos.audit.add(
            actor, f"group.{target}", group_key=key))
        stamp = int(now_utc().timestamp())
        if approve:
            await queue_group_message(self.outbox, key, "approval.approved", self.lang,
                                      f"approved:{stamp}")
        else:
            await self._leave(key, "approval.rejected", f"rejected:{stamp}")
        decision = t(f"approval.word_{target}", self.lang)
        line = t("approval.admin_decided", self.lang, title=row.title or key, key=key,
                 decision=decision, actor=actor)
        await self.alerts.edit(self.router.admins(), OutgoingAlert(text=line, ref=key),
                               key=f"approval:{key}:{int(row.requested_at.timestamp())}",
                               version=f"decided:{stamp}")
        return True, line

    async def _leave(self, key: str, text_key: str, suffix: str) -> None:
        await queue_group_message(self.outbox, key, text_key, self.lang, suffix)
        await self.outbox.put(kind="leave", channel=key, payload={},
                              dedupe_key=f"group:{key}:leave:{suffix}", group_key=key)

    async def expire_overdue(self) -> int:
        """Leave every group whose approval deadline passed (run by the scheduler)."""
        overdue = await self.repos.db.run(self.repos.groups.overdue_pending, now_utc())
        for row in overdue:
            await self.directory.update(row.key, approval="left", decided_at=now_utc(),
                                        decided_by="system:timeout")
            await self.repos.db.run(lambda k=row.key: self.repos.audit.add(
                "system", "group.expired", group_key=k))
            await self._leave(row.key, "approval.expired",
                              f"expired:{int(row.requested_at.timestamp())}")
        return len(overdue)


def decide_offline(config: AppConfig, repos: Repositories, key: str, *, approve: bool,
                   actor: str, kind: str | None = None) -> tuple[bool, str]:
    """The CLI's path: same service, its own short-lived event loop and outbox writer."""
    import asyncio

    from bot.groups import PolicyResolver
    from policies.registry import policy_types

    async def main() -> tuple[bool, str]:
        directory = GroupDirectory(config, PolicyResolver(config, policy_types()), repos)
        outbox = Outbox(repos.outbox)
        router = Router(config)
        service = ApprovalService(config, directory, repos, outbox,
                                  AlertService(config, outbox, router), router)
        return await service.decide(key, approve=approve, actor=actor,
                                    kind=GroupKind(kind) if kind else None)

    return asyncio.run(main())
