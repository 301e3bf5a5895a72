"""Moderator feedback from the chat: the 👍/👎 buttons under an alert (``fb:correct:<id>``,
``fb:wrong:<id>``) and the typed form ``/fb wrong <id> [allowed word]``.

Only staff can give feedback; the answer goes privately to the moderator who gave it.
"""

from __future__ import annotations

from bot.app import App
from bot.commands import CommandResult, Reply
from bot.feedback import FeedbackService
from bot.i18n import t
from core.events import CommandEvent
from core.permissions import Action, Resource


def install(app: App) -> None:
    service = FeedbackService(app.db, app.directory.resolver.types)
    app.feedback = service

    async def feedback(event: CommandEvent, lang: str) -> CommandResult:
        args = list(event.args)
        if len(args) < 2 or args[0] not in ("correct", "wrong") or not args[1].isdigit():
            return CommandResult([Reply(t("feedback.usage", lang), to="private")])
        by = f"{event.platform}:{event.sender.platform_id}"
        finding_id = int(args[1])
        if args[0] == "correct":
            outcome = await service.correct(finding_id, by, lang)
        else:
            term = " ".join(args[2:]) or None
            outcome = await service.wrong(finding_id, by, term, lang)
            if outcome.ok and term:
                finding = await app.db.run(app.repos.findings.get, finding_id)
                if finding is not None:
                    app.directory.invalidate(finding.group_key)  # the new allow-list applies now
        return CommandResult([Reply(outcome.message, to="private")])

    async def finding_group(event: CommandEvent) -> Resource | None:
        args = event.args
        if len(args) < 2 or not args[1].isdigit():
            return None
        finding = await app.db.run(app.repos.findings.get, int(args[1]))
        return Resource(finding.group_key) if finding is not None else None

    app.commands.register("fb", feedback, action=Action.FEEDBACK, resource=finding_group)
