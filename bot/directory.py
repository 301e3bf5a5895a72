"""The groups the bot knows, with their effective policy cached in memory.

Resolving a group validates every policy layer, which is too slow to do per message; the directory
caches the result per group and drops it whenever the group changes (approval, ``/beleid``, rights).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.config import AppConfig
from bot.groups import EffectiveGroup, PolicyResolver
from core.clock import now_utc
from core.events import GroupKind
from storage.models import Group
from storage.repositories import Repositories


class GroupDirectory:
    # Changes made by another process (the CLI approving a group) show up within this many
    # seconds: one query re-reads all group rows in the background and drops changed entries.
    REFRESH_SECONDS = 10.0

    def __init__(self, config: AppConfig, resolver: PolicyResolver, repos: Repositories) -> None:
        self.config = config
        self.resolver = resolver
        self.repos = repos
        self._cache: dict[str, EffectiveGroup] = {}
        self._rows: dict[str, tuple[Any, ...]] = {}  # the row each cached entry was built from
        self._refreshed = time.monotonic()
        self._refreshing: asyncio.Task[None] | None = None
        self._preloaded: dict[str, Group] = {}

    async def refresh(self) -> None:
        """Drop cached groups whose stored row changed (for example approved by the CLI)."""
        rows = await self.repos.db.run(self.repos.groups.signatures)
        self._refreshed = time.monotonic()
        for key, values in rows.items():
            if self._rows.get(key) not in (None, values):
                self.invalidate(key)

    def _maybe_refresh(self) -> None:
        if time.monotonic() - self._refreshed < self.REFRESH_SECONDS:
            return
        if self._refreshing is None or self._refreshing.done():
            self._refreshed = time.monotonic()
            self._refreshing = asyncio.create_task(self.refresh())

    def _admin_rooms(self) -> list[str]:
        """The Telegram admin chat and the Matrix management room: the school's own rooms."""
        rooms = []
        telegram, matrix = self.config.adapters.telegram, self.config.adapters.matrix
        if telegram.enabled and telegram.admin_chat_id is not None:
            rooms.append(f"telegram:{telegram.admin_chat_id}")
        if matrix.enabled and matrix.management_room:
            rooms.append(f"matrix:{matrix.management_room}")
        return rooms

    async def sync_config(self) -> None:
        """Make sure every group listed in the config exists as approved (pre-approval, B.1), and
        so do the admin chat and the management room (they are the school's own)."""

        def work() -> None:
            with self.repos.db.session() as s:  # one transaction, however many groups
                for key in self._admin_rooms():
                    row = s.get(Group, key)
                    if row is None or row.approval != "approved":
                        platform, _, chat_id = key.partition(":")
                        row = row or Group(key=key, platform=platform, chat_id=chat_id,
                                           kind=GroupKind.STAFF.value, title="beheer")
                        row.approval, row.decided_at, row.decided_by = ("approved", now_utc(),
                                                                        "config")
                        s.add(row)
                for group in self.config.groups:
                    row = s.get(Group, group.id)
                    platform, _, chat_id = group.id.partition(":")
                    if row is None:
                        row = Group(key=group.id, platform=platform, chat_id=chat_id,
                                    title=group.title, kind=group.kind.value)
                    row.kind = group.kind.value
                    if group.approved and row.approval in ("pending", "rejected", "left"):
                        row.approval = "approved"
                        row.decided_at = now_utc()
                        row.decided_by = "config"
                    s.add(row)
                s.commit()

        await self.repos.db.run(work)
        self._cache.clear()
        self._rows.clear()
        # One query for every known group, so the first message of each group needs no read.
        self._preloaded = {row.key: row for row in await self.repos.db.run(self.repos.groups.all)}

    async def get(self, key: str) -> EffectiveGroup | None:
        self._maybe_refresh()
        cached = self._cache.get(key)
        row: Group | None = None
        if cached is not None:
            if cached.approved:
                return cached
            # Not approved (yet): the school may approve it from another process (the CLI) at
            # any moment, so its row is read again (one primary-key read, only for such groups).
            row = await self.repos.db.run(self.repos.groups.get, key)
            if row is None or self._rows.get(key) == self.repos.groups.signature(row):
                return cached
            self.invalidate(key)
        row = row or self._preloaded.pop(key, None) or await self.repos.db.run(
            self.repos.groups.get, key)
        config_group = self.config.group(key)
        if row is None and config_group is None:
            return None
        effective = self.resolver.resolve(row, config_group)
        self._cache[key] = effective
        if row is not None:
            self._rows[key] = self.repos.groups.signature(row)
        return effective

    def invalidate(self, key: str) -> None:
        self._cache.pop(key, None)
        self._rows.pop(key, None)
        self._preloaded.pop(key, None)

    async def row(self, key: str) -> Group | None:
        return await self.repos.db.run(self.repos.groups.get, key)

    async def register(self, key: str, *, title: str | None, kind: GroupKind,
                       deadline: datetime | None) -> Group:
        """Store a newly seen group as pending (or return the existing row unchanged)."""

        def work() -> Group:
            row = self.repos.groups.get(key)
            if row is not None:
                if row.approval == "left":
                    row.approval = "pending"
                    row.approval_deadline = deadline
                    row.requested_at = now_utc()
                if title:
                    row.title = title
                return self.repos.groups.upsert(row)
            platform, _, chat_id = key.partition(":")
            return self.repos.groups.upsert(Group(key=key, platform=platform, chat_id=chat_id,
                                                  title=title, kind=kind.value,
                                                  approval_deadline=deadline))

        row = await self.repos.db.run(work)
        self.invalidate(key)
        return row

    async def update(self, key: str, **values: Any) -> Group | None:
        row = await self.repos.db.run(lambda: self.repos.groups.update(key, **values))
        self.invalidate(key)
        return row

    async def rekey(self, old: str, new: str) -> Group | None:
        """A chat got a new id (a Telegram group upgraded to a supergroup): the group keeps its
        approval, kind and settings under the new key; the old key is marked left."""

        def work() -> Group | None:
            with self.repos.db.session() as s:  # one transaction: never two approved copies
                row = s.get(Group, old)
                if row is None:
                    return None
                platform, _, chat_id = new.partition(":")
                moved = s.merge(Group(**{**row.model_dump(), "key": new, "platform": platform,
                                         "chat_id": chat_id}))
                row.approval, row.decided_at, row.decided_by = "left", now_utc(), "system:migrated"
                s.add(row)
                s.commit()
                return moved

        moved = await self.repos.db.run(work)
        self.invalidate(old)
        self.invalidate(new)
        return moved

    async def set_override(self, key: str, policy: str, values: Mapping[str, Any]) -> Group | None:
        """Store validated run-time overrides for one policy of a group (``/beleid``)."""
        row = await self.row(key)
        if row is None:
            return None
        overrides = {name: dict(v) for name, v in (row.overrides or {}).items()}
        overrides.setdefault(policy, {}).update(values)
        return await self.update(key, overrides=overrides)

    def kind_of(self, key: str) -> GroupKind | None:
        group = self.config.group(key)
        return group.kind if group else None
