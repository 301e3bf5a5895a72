"""Chat commands, platform-neutral: adapters turn ``/regels`` or ``!sw status`` (and button presses)
into a ``CommandEvent``; this router answers with replies the adapter sends.

Canonical names are Dutch; English aliases answer in English ("English on request"). Features add
their own commands with ``register`` (``/meld`` by escalation, ``/digest`` by digests, ``/koppel``
by the Telegram adapter). Every command names the action it performs and how to find the thing it
acts on; the router asks ``core.permissions.may`` once, for every platform, before the handler runs.
Who someone is comes from the school's roles (``bot.access``), never from the role or admin rights a
platform reports. A refused attempt gets a private, kind answer, changes nothing and is audited.
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

from bot.access import Access, may_at_all
from bot.approval import ApprovalService
from bot.config import AppConfig
from bot.directory import GroupDirectory
from bot.i18n import t
from core.clock import now_utc
from core.events import CommandEvent, GroupKind
from core.permissions import Action, Resource, may
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
# A refused command of these kinds carries personal data or a report: removed from the group.
QUIET_ACTIONS = frozenset({Action.DIGEST_MANAGE, Action.FILE_REPORT})


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
# The thing a command acts on, found from its arguments; None when it names nothing that exists.
ResourceOf = Callable[[CommandEvent], Awaitable[Resource | None]]


@dataclass(frozen=True, slots=True)
class CommandSpec:
    handler: Handler
    action: Action = Action.READ_RULES
    resource: ResourceOf | None = None  # None: the group the command was given in


CONFIRM_WORDS = frozenset({"bevestig", "confirm"})


def confirmed(args: tuple[str, ...]) -> bool:
    """Destructive commands (reject a group, resolve as false alarm) end with ``bevestig``."""
    return bool(args) and args[-1].lower() in CONFIRM_WORDS


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
                 approvals: ApprovalService, access: Access) -> None:
        self.config = config
        self.directory = directory
        self.repos = repos
        self.approvals = approvals
        self.access = access
        self.commands: dict[str, CommandSpec] = {}
        self.register("help", self._help)
        self.register("regels", self._rules)
        self.register("status", self._status, action=Action.GROUP_STATUS)
        self.register("beleid", self._policy, action=Action.GROUP_POLICY)
        self.register("approve", self._approve, action=Action.GROUP_APPROVE,
                      resource=self._named_group)
        self.register("reject", self._reject, action=Action.GROUP_REJECT,
                      resource=self._named_group)

    def register(self, name: str, handler: Handler, *, action: Action = Action.READ_RULES,
                 resource: ResourceOf | None = None) -> None:
        self.commands[name] = CommandSpec(handler, action, resource)

    async def _here(self, event: CommandEvent) -> Resource:
        return await self.access.group_resource(event.group_key)

    async def _named_group(self, event: CommandEvent) -> Resource | None:
        return await self.access.group_resource(event.args[0]) if event.args else None

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
        actor = await self.access.actor(event.platform, event.sender, event.group_key)
        resource = await (spec.resource or self._here)(event)
        if resource is None:  # names nothing that exists: only said to who could act on it
            allowed = may_at_all(actor, spec.action)
            decision = may(actor, spec.action, Resource())
        else:
            decision = may(actor, spec.action, resource)
            allowed = decision.allowed
        if not allowed:
            text = await self.access.refuse(actor, spec.action, resource or Resource(), decision,
                                            command=name, lang=lang)
            return CommandResult([Reply(text, to="private")],
                                 delete_command=spec.action in QUIET_ACTIONS)
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
        if not approve and not confirmed(event.args):
            # Destructive: say what will happen and ask for the confirmation word first.
            row = await self.directory.row(key)
            if row is None:
                return CommandResult([Reply(t("approval.unknown_group", lang, key=key),
                                            to="private")])
            return CommandResult([Reply(t("command.reject_confirm", lang,
                                          title=row.title or key, key=key), to="private")])
        _, line = await self.approvals.decide(key, approve=approve,
                                              actor=f"{event.platform}:{event.sender.platform_id}",
                                              kind=kind)
        return CommandResult([Reply(line)])
