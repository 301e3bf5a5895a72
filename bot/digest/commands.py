"""``/digest``: staff manage a group's e-mail digest from inside the group (B.3).

Addresses are personal data, so answers go privately to the staff member and the command message
itself is removed from the group.
"""

from __future__ import annotations

from bot.commands import CommandResult, Reply
from bot.digest.service import DigestService
from bot.i18n import t
from core.events import CommandEvent

ADD = {"add", "toevoegen", "aanmelden"}
REMOVE = {"remove", "verwijder", "verwijderen", "afmelden"}
LIST = {"list", "lijst"}
IMPORTANT = {"belangrijk", "important"}


def digest_command(service: DigestService):  # type: ignore[no-untyped-def]
    async def handle(event: CommandEvent, lang: str) -> CommandResult:
        group_key = event.group_key
        if group_key is None:
            return CommandResult([Reply(t("digest.cmd.not_in_group", lang), to="private")])
        group = service.title(group_key)
        args = [a for a in event.args if a]
        sub = args[0].lower() if args else ""
        actor = f"{event.platform}:{event.sender.platform_id}"
        if service.settings(group_key) is None:
            return CommandResult([Reply(t("digest.cmd.disabled", lang), to="private")])
        if sub in ADD and len(args) == 2:
            email = args[1].strip("<>").lower()
            outcome = await service.subscribe(group_key, email, actor)
            key = {"added": "digest.cmd.added", "already": "digest.cmd.already",
                   "invalid": "digest.cmd.invalid_email",
                   "disabled": "digest.cmd.disabled"}[outcome]
            return CommandResult([Reply(t(key, lang, email=email, group=group), to="private")],
                                 delete_command=True)
        if sub in REMOVE and len(args) == 2:
            email = args[1].strip("<>").lower()
            done = await service.unsubscribe(group_key, email, actor)
            key = "digest.cmd.removed" if done else "digest.cmd.not_found"
            return CommandResult([Reply(t(key, lang, email=email, group=group), to="private")],
                                 delete_command=True)
        if sub in LIST:
            rows = await service.db.run(lambda: service.repo.list(group_key))
            if not rows:
                return CommandResult([Reply(t("digest.cmd.list_empty", lang, group=group),
                                            to="private")])
            lines = "\n".join(f"• {r.email} ({t(f'digest.state.{r.state}', lang)})" for r in rows)
            return CommandResult([Reply(t("digest.cmd.list", lang, group=group, lines=lines),
                                        to="private")], delete_command=True)
        if sub in IMPORTANT:
            count = None
            if event.reply_to_message_id:
                count = await service.mark_important(group_key, event.reply_to_message_id)
            if count is None:
                return CommandResult([Reply(t("digest.cmd.important_missing", lang),
                                            to="private")])
            return CommandResult([Reply(t("digest.cmd.important_done", lang, count=count),
                                        to="private")])
        return CommandResult([Reply(t("digest.cmd.usage", lang), to="private")])

    return handle
