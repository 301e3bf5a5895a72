"""Chat commands, platform-neutral: adapters turn ``/regels`` or ``!sw status`` (and button presses)
into a ``CommandEvent``; this router answers with replies the adapter sends.

Canonical names are Dutch; English aliases answer in English ("English on request"). Features add
their own commands with ``register`` (``/meld`` by escalation, ``/digest`` by digests, ``/koppel``
by the Telegram adapter). Staff-only commands are checked here, once, for every platform: the adapter
sets the sender's role from the config and the platform's own admin rights.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from sqlalchemy import func
from sqlmodel import col, select

from bot.approval import ApprovalService
from bot.config import AppConfig
from bot.directory import GroupDirectory
from bot.i18n import t
from core.clock import now_utc
from core.events import CommandEvent, GroupKind, Role
from storage.models import FindingRecord
from storage.repositories import Repositories

log = logging.getLogger(__name__)

ALIASES = {
    "help": "help", "hulp": "help", "start": "help",
    "regels": "regels", "rules": "regels",
    "meld": "meld", "report": "meld",
    "status": "status",
    "beleid": "beleid", "policy": "beleid",
    "koppel": "koppel", "link": "koppel",
    "digest": "digest",
    "approve": "approve", "goedkeuren": "approve",
    "reject": "reject", "afwijzen": "reject",
}
# Aliases typed in English get English answers; button names (approve, reject, ...) do not.
ENGLISH = {"rules", "report", "policy", "link"}


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    to: Literal["here", "private"] = "here"  # "private": only to the sender, never in the group


@dataclass(slots=True)
class CommandResult:
    replies: list[Reply] = field(default_factory=list)
    # Remove the command message from the group (``/meld`` must leave no trace there).
    delete_command: bool = False


Handler = Callable[[CommandEvent, str], Awaitable[CommandResult]]


@dataclass(frozen=True, slots=True)
class CommandSpec:
    handler: Handler
    staff_only: bool = False
    # School-level decisions (approving groups, B.1) are for school staff (role ``staff``: admins,
    # leadership), never for a teacher or a group admin deciding about their own group.
    school_only: bool = False


def canonical(name: str) -> tuple[str, str | None]:
    """Canonical name and the language the alias asks for (None: the group's language)."""
    name = name.lower().lstrip("/!").split("@", 1)[0]
    return ALIASES.get(name, name), ("en" if name in ENGLISH else None)


def _word(prefix: str, value: str, lang: str, sep: str = ".") -> str:
    """A state (``approved``, ``observe``) in the reader's language; the raw value if unknown."""
    try:
        return t(f"{prefix}{sep}{value}", lang)
    except KeyError:
        return value


def _parse_value(raw: str) -> object:
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


class CommandRouter:
    def __init__(self, config: AppConfig, directory: GroupDirectory, repos: Repositories,
                 approvals: ApprovalService) -> None:
        self.config = config
        self.directory = directory
        self.repos = repos
        self.approvals = approvals
        self.commands: dict[str, CommandSpec] = {}
        self.register("help", self._help)
        self.register("regels", self._rules)
        self.register("status", self._status, staff_only=True)
        self.register("beleid", self._policy, staff_only=True)
        self.register("approve", self._approve, school_only=True)
        self.register("reject", self._reject, school_only=True)

    def register(self, name: str, handler: Handler, *, staff_only: bool = False,
                 school_only: bool = False) -> None:
        self.commands[name] = CommandSpec(handler, staff_only or school_only, school_only)

    async def language_for(self, event: CommandEvent, alias_lang: str | None) -> str:
        if alias_lang:
            return alias_lang
        if event.language in ("nl", "en"):
            return event.language
        if event.group_key:
            group = await self.directory.get(event.group_key)
            if group:
                return group.language
        return self.config.school.language

    async def handle(self, event: CommandEvent) -> CommandResult:
        name, alias_lang = canonical(event.name)
        lang = await self.language_for(event, alias_lang)
        spec = self.commands.get(name)
        if spec is None:
            return CommandResult([Reply(t("command.unknown", lang))])
        if spec.staff_only and not (event.sender.role.is_staff or event.sender.is_group_admin):
            return CommandResult([Reply(t("command.staff_only", lang), to="private")])
        if spec.school_only and event.sender.role is not Role.STAFF:
            return CommandResult([Reply(t("command.school_only", lang), to="private")])
        try:
            return await spec.handler(event, lang)
        except Exception:
            log.exception("command failed", extra={"command": name})
            return CommandResult()

    async def _help(self, event: CommandEvent, lang: str) -> CommandResult:
        return CommandResult([Reply(t("command.help", lang, school=self.config.school.name))])

    async def _rules(self, event: CommandEvent, lang: str) -> CommandResult:
        kind = GroupKind.CLASS
        if event.group_key and (group := await self.directory.get(event.group_key)):
            kind = group.kind
        text = "\n".join([t("command.rules_header", lang, kind=t(f"kind.{kind.value}", lang)),
                          t(f"rules.{kind.value}", lang), "", t("command.rules_footer", lang)])
        return CommandResult([Reply(text)])

    async def _status(self, event: CommandEvent, lang: str) -> CommandResult:
        if not event.group_key or not (group := await self.directory.get(event.group_key)):
            return CommandResult([Reply(t("command.not_in_group", lang))])
        since = now_utc() - timedelta(days=7)

        def count() -> int:
            with self.repos.db.session() as s:
                return int(s.exec(select(func.count()).select_from(FindingRecord).where(
                    FindingRecord.group_key == group.key,
                    col(FindingRecord.created_at) >= since)).one())

        findings = await self.repos.db.run(count)
        enabled = ", ".join(sorted(n for n, s in group.settings.items() if s.enabled)) or "-"
        mode = _word("mode", group.mode, lang) + (t("command.rights_missing", lang)
                                                   if group.rights_missing else "")
        text = t("command.status", lang, title=group.title or group.key,
                 kind=t(f"kind.{group.kind.value}", lang),
                 approval=_word("approval.word", group.approval, lang, sep="_"), mode=mode,
                 enabled=enabled, findings=findings)
        return CommandResult([Reply(text, to="private")])

    async def _policy(self, event: CommandEvent, lang: str) -> CommandResult:
        """``/beleid`` lists rules; ``/beleid <rule>`` shows one; ``/beleid <rule> <key> <value>``
        changes one setting for this group (validated, audited); ``/beleid modus observe``."""
        if not event.group_key or not (group := await self.directory.get(event.group_key)):
            return CommandResult([Reply(t("command.not_in_group", lang))])
        args = list(event.args)
        actor = f"{event.platform}:{event.sender.platform_id}"
        if not args:
            return CommandResult([Reply(t("command.policy_list", lang,
                                          policies=", ".join(group.settings),
                                          mode=_word("mode", group.mode, lang)),
                                        to="private")])
        if args[0] in ("modus", "mode") and len(args) == 2 and args[1] in ("observe", "enforce"):
            await self.directory.update(group.key, mode=args[1])
            await self.repos.db.run(lambda: self.repos.audit.add(
                actor, "policy.mode", group_key=group.key, detail={"mode": args[1]}))
            return CommandResult([Reply(t("command.mode_changed", lang,
                                          mode=_word("mode", args[1], lang)))])
        policy = args[0]
        if policy not in group.settings:
            return CommandResult([Reply(t("command.policy_invalid", lang,
                                          error=f"{policy}?"), to="private")])
        if len(args) == 1:
            settings = group.settings[policy].model_dump(mode="json")
            shown = "\n".join(f"• {k} = {json.dumps(v, ensure_ascii=False)}"
                              for k, v in settings.items())
            return CommandResult([Reply(t("command.policy_show", lang, policy=policy,
                                          settings=shown), to="private")])
        key, value = args[1], _parse_value(" ".join(args[2:])) if len(args) > 2 else None
        row = await self.directory.row(group.key)
        try:
            self.directory.resolver.check_override(group.kind, policy, {key: value},
                                                   self.config.group(group.key),
                                                   row.overrides if row else None)
        except ValueError as exc:
            return CommandResult([Reply(t("command.policy_invalid", lang, error=str(exc)),
                                        to="private")])
        await self.directory.set_override(group.key, policy, {key: value})
        await self.repos.db.run(lambda: self.repos.audit.add(
            actor, "policy.change", group_key=group.key, target=policy,
            detail={"key": key, "value": value}))
        return CommandResult([Reply(t("command.policy_changed", lang, policy=policy, key=key,
                                      value=json.dumps(value, ensure_ascii=False)))])

    async def _approve(self, event: CommandEvent, lang: str) -> CommandResult:
        return await self._decide(event, lang, approve=True)

    async def _reject(self, event: CommandEvent, lang: str) -> CommandResult:
        return await self._decide(event, lang, approve=False)

    async def _decide(self, event: CommandEvent, lang: str, *, approve: bool) -> CommandResult:
        if not event.args:
            command = event.name.lower().lstrip("/!")
            return CommandResult([Reply(t("command.decide_usage", lang, command=command),
                                        to="private")])
        key = event.args[0]
        kind = GroupKind(event.args[1]) if len(event.args) > 1 and event.args[1] in (
            "class", "parent", "staff") else None
        _, line = await self.approvals.decide(key, approve=approve,
                                              actor=f"{event.platform}:{event.sender.platform_id}",
                                              kind=kind)
        return CommandResult([Reply(line)])
