"""The application object: everything wired once (see ``bot.bootstrap``), started and stopped here.

Adapters receive this object and call its ``on_*`` methods with neutral events; that is the whole
surface an adapter needs. The core owns the event loop's long-running parts: the outbox dispatcher,
the scheduler, and each adapter's own loop.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol

from bot.access import Access
from bot.alerts import AlertService, Router
from bot.approval import ApprovalService
from bot.commands import CommandResult, CommandRouter
from bot.config import AppConfig
from bot.directory import GroupDirectory
from bot.evaluator import Evaluator
from bot.outbox import Dispatcher, Outbox
from bot.pipeline import Decision, Pipeline
from bot.scheduler import Scheduler
from core.events import (
    BotAddedEvent,
    CommandEvent,
    GroupKind,
    MemberJoinedEvent,
    MemberLeftEvent,
    MessageEvent,
)
from core.ports import ChatPort, MailBackend
from policies.base import PolicyEnv
from storage.db import Database
from storage.repositories import Repositories

if TYPE_CHECKING:
    from bot.digest.service import DigestService
    from bot.escalation.incidents import IncidentService
    from bot.feedback import FeedbackService

log = logging.getLogger(__name__)


def _freeze_survivors(phase: str, info: dict[str, int]) -> None:
    """Right after a full collection every object still tracked is alive: freeze them, so the
    next full collection walks only what survived since (a few ms instead of ~100 ms)."""
    if phase == "stop" and info.get("generation") == 2:
        gc.freeze()


def settle_memory() -> None:
    """After start-up: the objects made so far (config, policies, lexicons, models) leave the
    garbage collector's sight, and so do the survivors of every later full collection; a full
    collection no longer walks everything the bot holds (it took up to ~200 ms and set the
    worst-case decision latency). What a frozen object leaves as cyclic garbage later is found
    by ``release_memory`` (nightly)."""
    gc.collect()
    gc.freeze()
    if _freeze_survivors not in gc.callbacks:
        gc.callbacks.append(_freeze_survivors)


def release_memory() -> int:
    """Unfreeze, collect everything once (one long pause: run at a quiet hour), freeze again."""
    gc.unfreeze()
    found = gc.collect()
    gc.freeze()
    return found


class Adapter(Protocol):
    """A chat platform. ``start`` returns once the adapter runs in the background.

    An adapter may also define ``async on_approval(group_key, approval)``: called when a group's
    approval changed in the database, by this process or another (the CLI)."""

    name: str
    port: ChatPort

    async def start(self, app: App) -> None: ...

    async def stop(self) -> None: ...


@dataclass
class App:
    config: AppConfig
    db: Database
    repos: Repositories
    env: PolicyEnv
    evaluator: Evaluator
    directory: GroupDirectory
    outbox: Outbox
    dispatcher: Dispatcher
    router: Router
    alerts: AlertService
    approvals: ApprovalService
    access: Access
    commands: CommandRouter
    pipeline: Pipeline
    scheduler: Scheduler
    mail: MailBackend
    adapters: list[Adapter] = field(default_factory=list)
    # Coroutines that start feature services (escalation, digests) after the core is up.
    starters: list[Callable[[App], Awaitable[None]]] = field(default_factory=list)
    stoppers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    # Feature services, set by each feature's ``install`` (None when the feature is not installed).
    digest: DigestService | None = None
    escalation: IncidentService | None = None
    feedback: FeedbackService | None = None
    _stopped: asyncio.Event = field(default_factory=asyncio.Event)
    _stop_task: asyncio.Future[None] | None = None
    _heartbeat: asyncio.Task[None] | None = None
    _watcher: asyncio.Task[None] | None = None
    _approvals: dict[str, str] | None = None

    HEARTBEAT_SECONDS = 10.0
    # How often the running bot looks for approvals made elsewhere (``schoolwacht groups
    # approve``): one narrow query of the groups table.
    APPROVALS_SECONDS = 2.0

    # --- what adapters call -------------------------------------------------------------------
    async def on_message(self, event: MessageEvent) -> Decision | None:
        # Who the sender is for the school (a configured moderator or staff account) is decided
        # in one place, bot.access, for moderation as for permissions.
        sender = await self.access.with_school_role(event.platform, event.sender,
                                                    event.group_key)
        if sender is not event.sender:
            event = replace(event, sender=sender)
        return await self.pipeline.handle(event)

    async def on_command(self, event: CommandEvent) -> CommandResult:
        return await self.commands.handle(event)

    async def on_bot_added(self, event: BotAddedEvent, kind: GroupKind | None = None) -> str:
        return await self.approvals.on_bot_added(event, kind=kind)

    async def on_member_joined(self, event: MemberJoinedEvent) -> None:
        group = await self.directory.get(event.group_key)
        if group is None or not group.approved:
            return
        await self.repos.db.run(self.repos.members.upsert, event.group_key,
                                event.member.platform_id, event.member.role.value, None)

    async def on_member_left(self, event: MemberLeftEvent) -> None:
        """Someone left: forget them unless a finding in this group still needs their record."""
        await self.repos.db.run(self.repos.members.forget_if_clean, event.group_key,
                                event.member_id)

    async def on_group_migrated(self, old_key: str, new_key: str) -> None:
        """The platform gave a group a new id; it keeps its approval and settings."""
        moved = await self.directory.rekey(old_key, new_key)
        if moved is not None:
            await self.repos.db.run(lambda: self.repos.audit.add(
                "system", "group.migrated", group_key=new_key, target=old_key))

    async def on_rights(self, group_key: str, *, can_delete: bool, can_read_all: bool) -> None:
        """An adapter's rights check: missing rights put the group in observe mode until fixed."""
        row = await self.directory.row(group_key)
        if row is None or (row.can_delete, row.can_read_all) == (can_delete, can_read_all):
            return
        await self.directory.update(group_key, can_delete=can_delete, can_read_all=can_read_all)
        await self.repos.db.run(lambda: self.repos.audit.add(
            "system", "group.rights", group_key=group_key,
            detail={"can_delete": can_delete, "can_read_all": can_read_all}))

    def add_port(self, port: ChatPort) -> None:
        """Make a platform reachable for the pipeline and the outbox."""
        from bot.delivery import chat_handler

        self.pipeline.add_port(port)
        self.dispatcher.register(port.platform, chat_handler(port, self.repos.outbox,
                                                                self.repos.decisions))

    # --- life cycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        from bot import jobs
        from bot.delivery import mail_handler

        await self.directory.sync_config()
        await self.dispatcher.recover()  # what a crash interrupted is delivered again
        self.dispatcher.register("mail", mail_handler(self.mail, self.repos.outbox))
        jobs.register("approval.expire", self.approvals.expire_overdue)
        jobs.register("privacy.purge", self._purge)
        self.scheduler.every("approval.expire", 300, "approval.expire")
        self.scheduler.cron("privacy.purge", "privacy.purge", hour=3, minute=30)
        for starter in self.starters:
            await starter(self)
        for adapter in self.adapters:
            self.add_port(adapter.port)
            await adapter.start(self)
        self.scheduler.start()
        self.dispatcher.start()
        self._heartbeat = asyncio.create_task(self._beat(), name="heartbeat")
        self._approvals = await self.repos.db.run(self.repos.groups.approvals)
        self._watcher = asyncio.create_task(self._watch_approvals(), name="approvals")
        settle_memory()
        await self.approvals.expire_overdue()
        log.info("schoolwacht started", extra={"adapters": ",".join(a.name for a in
                                                                     self.adapters)})

    async def _purge(self) -> None:
        from bot.privacy import purge

        await self.repos.db.run(purge, self.db, self.config.storage.retention)
        # The quiet hour: cyclic garbage among frozen objects is found once (settle_memory).
        log.info("memory released", extra={"objects": release_memory()})

    async def check_approvals(self) -> list[str]:
        """Pick up approval changes made by another process (the CLI): the group's cached policy
        is dropped (messages are judged from now on), the outbox looks at once for the greeting
        the CLI queued, and adapters are told (Matrix joins an approved room it was invited
        to). Returns the keys that changed."""
        now = await self.repos.db.run(self.repos.groups.approvals)
        before = self._approvals if self._approvals is not None else now
        self._approvals = now
        changed = [key for key, state in now.items() if before.get(key) != state]
        for key in changed:
            self.directory.invalidate(key)
            log.info("group approval changed", extra={"group": key, "approval": now[key]})
        if changed:
            self.outbox.wakeup.set()
            for key in changed:
                for adapter in self.adapters:
                    hook = getattr(adapter, "on_approval", None)
                    if hook is not None and key.partition(":")[0] == adapter.name:
                        try:
                            await hook(key, now[key])
                        except Exception:
                            log.exception("approval hook failed", extra={"group": key})
        return changed

    async def _watch_approvals(self) -> None:
        while True:
            await asyncio.sleep(self.APPROVALS_SECONDS)
            try:
                await self.check_approvals()
            except Exception:
                log.exception("approval check failed")

    async def _beat(self) -> None:
        """The running bot's heartbeat (``schoolwacht health``) and a count of dead outbox items
        in the log, so a backlog is seen (``schoolwacht outbox list``)."""
        from datetime import UTC, datetime

        beats = 0
        while True:
            try:
                now = datetime.now(UTC).isoformat()
                await self.repos.db.run(self.repos.state.set, "heartbeat", now)
                if beats % 30 == 0:
                    counts = await self.repos.db.run(self.repos.outbox.counts)
                    level = logging.WARNING if counts.get("dead") else logging.INFO
                    log.log(level, "outbox", extra={"pending": counts.get("pending", 0),
                                                    "dead": counts.get("dead", 0)})
            except Exception:
                log.exception("heartbeat failed")
            beats += 1
            await asyncio.sleep(self.HEARTBEAT_SECONDS)

    async def stop(self) -> None:
        """Stop everything (idempotent: a second caller waits for the same stop)."""
        if self._stop_task is None:
            self._stopped.set()
            self._stop_task = asyncio.ensure_future(self._stop())
        await asyncio.shield(self._stop_task)

    async def _stop(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
        if self._watcher is not None:
            self._watcher.cancel()
        try:  # deliver what is due while the adapters can still send it
            await asyncio.wait_for(self.dispatcher.deliver_due(), 4)
        except Exception:
            log.exception("final outbox pass failed")
        for adapter in reversed(self.adapters):
            try:
                await adapter.stop()
            except Exception:
                log.exception("adapter stop failed", extra={"adapter": adapter.name})
        for stopper in reversed(self.stoppers):
            await stopper()
        await self.pipeline.close()
        await self.dispatcher.stop()
        self.scheduler.shutdown()
        await self.evaluator.aclose()
        if self.env.cpu is not None:
            self.env.cpu.shutdown(wait=False, cancel_futures=True)
        self.db.close()
        from bot import jobs

        jobs.clear()

    async def wait_stopped(self) -> None:
        await self._stopped.wait()
