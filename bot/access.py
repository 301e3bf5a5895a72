"""The facts behind every permission decision, gathered once per request.

``core.permissions.may`` decides; this module only says who someone is for the school: the school
roles of a platform account (``[[school.admins]]``, ``[[school.team_leaders]]``,
``[[school.leadership]]``, ``[school.confidential_adviser]``, Telegram ``staff_user_ids`` and linked
accounts, Matrix ``staff``), the groups it moderates (``[[groups.moderators]]``), and — only when
``[permissions] chat_admins = "moderator"`` — the approved group of which it is a chat admin. The
role a platform reports for a sender (``Sender.role``, a chat's admin rights) grants nothing here.

A refusal is the same everywhere: a private, kind answer in the reader's language, nothing changed,
and one ``permission.refused`` line in the audit log.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from bot.config import AppConfig
from bot.directory import GroupDirectory
from bot.i18n import t
from core.events import Role, Sender
from core.permissions import Action, Actor, Decision, Resource, SchoolRole, may
from storage.repositories import Repositories

# An adapter's own register of staff accounts (Telegram's ``/koppel`` link codes): identity → bool.
LinkedCheck = Callable[[str], Awaitable[bool]]

CONTACT_ROLES = (("admins", SchoolRole.STAFF), ("team_leaders", SchoolRole.TEAM_LEADER),
                 ("leadership", SchoolRole.LEADERSHIP))


def config_roles(config: AppConfig) -> tuple[dict[str, set[SchoolRole]], dict[str, set[str]]]:
    """School roles and moderated groups per account identity, from the config alone."""
    roles: dict[str, set[SchoolRole]] = {}
    school = config.school
    for attr, role in CONTACT_ROLES:
        for contact in getattr(school, attr):
            for identity in contact.identities():
                roles.setdefault(identity, set()).add(role)
    if school.confidential_adviser is not None:
        for identity in school.confidential_adviser.identities():
            roles.setdefault(identity, set()).add(SchoolRole.CONFIDENTIAL_ADVISER)
    for user_id in config.adapters.telegram.staff_user_ids:
        roles.setdefault(f"telegram:{user_id}", set()).add(SchoolRole.STAFF)
    for user_id in config.adapters.matrix.staff:
        roles.setdefault(f"matrix:{user_id}", set()).add(SchoolRole.STAFF)
    moderates: dict[str, set[str]] = {}
    for group in config.groups:
        for contact in group.moderators:
            for identity in contact.identities():
                moderates.setdefault(identity, set()).add(group.id)
    return roles, moderates


class Access:
    def __init__(self, config: AppConfig, directory: GroupDirectory, repos: Repositories) -> None:
        self.config = config
        self.directory = directory
        self.repos = repos
        self._roles, self._moderates = config_roles(config)
        self._linked: list[LinkedCheck] = []

    def add_linked(self, check: LinkedCheck) -> None:
        """An adapter that links staff accounts itself (Telegram's link codes) registers here."""
        self._linked.append(check)

    async def actor(self, platform: str, sender: Sender, group_key: str | None = None) -> Actor:
        identity = f"{platform}:{sender.platform_id}"
        roles = set(self._roles.get(identity, ()))
        if SchoolRole.STAFF not in roles:
            for linked in self._linked:
                if await linked(identity):
                    roles.add(SchoolRole.STAFF)
                    break
        moderates = set(self._moderates.get(identity, ()))
        if (group_key and sender.is_group_admin
                and self.config.permissions.chat_admins == "moderator"):
            group = await self.directory.get(group_key)
            if group is not None and group.approved:
                moderates.add(group_key)
        return Actor(identity, frozenset(roles), frozenset(moderates))

    async def with_school_role(self, platform: str, sender: Sender, group_key: str) -> Sender:
        """The sender as moderation should treat them: a group's configured moderator writes as
        its teacher, school staff as staff, whatever the platform reported (only ever raised:
        nobody is moderated more leniently because of a chat's admin rights)."""
        if sender.role.is_staff:
            return sender
        actor = await self.actor(platform, sender, group_key)
        if actor.roles & {SchoolRole.STAFF, SchoolRole.LEADERSHIP, SchoolRole.TEAM_LEADER,
                          SchoolRole.CONFIDENTIAL_ADVISER}:
            return replace(sender, role=Role.STAFF)
        if group_key in actor.moderates:
            return replace(sender, role=Role.TEACHER)
        return sender

    async def group_resource(self, group_key: str | None) -> Resource:
        configured = self.config.group(group_key) if group_key else None
        return Resource(group_key, approved_by_config=bool(configured and configured.approved))

    async def refuse(self, actor: Actor, action: Action, resource: Resource, decision: Decision,
                     *, command: str, lang: str) -> str:
        """Audit a refused attempt and return the kind answer for the person who tried."""
        await self.repos.db.run(lambda: self.repos.audit.add(
            actor.identity, "permission.refused", group_key=resource.group, target=command,
            detail={"action": action.value, "reason": decision.reason}))
        return t(f"access.refused.{decision.reason}", lang)


def may_at_all(actor: Actor, action: Action) -> bool:
    """Whether the actor may do ``action`` to anything (used when a command names no existing
    thing, so an unknown number is only told to people who could see it if it existed)."""
    groups: list[str | None] = [None, *actor.moderates]
    return any(may(actor, action, Resource(g, confidential=c, shared_with_moderators=c))
               for g in groups for c in (False, True))
