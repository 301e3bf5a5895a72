"""Moderator feedback as a service for chat commands and the CLI.

Checks what the storage layer cannot know (does the finding's policy have an allow-list?), runs
the repository on the database thread, and phrases the outcome through the text catalogue. Adapters
and the command handler call this; policies never do (they only read the resulting allow-lists
from their settings).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.i18n import t
from policies.base import BasePolicy
from storage.db import Database
from storage.feedback_repo import (
    FeedbackError,
    FeedbackRepository,
    FlagPrecision,
    WrongResult,
    clean_term,
)
from storage.models import Feedback

ALLOW_KEY = "allow"


@dataclass(frozen=True, slots=True)
class FeedbackOutcome:
    ok: bool
    message: str


def policy_accepts_terms(policy_types: Mapping[str, type[BasePolicy]], policy: str) -> bool:
    """Whether a policy's settings have an ``allow`` list (others would reject the override)."""
    cls = policy_types.get(policy)
    return cls is not None and ALLOW_KEY in cls.settings_model.model_fields


class FeedbackService:
    def __init__(self, db: Database, policy_types: Mapping[str, type[BasePolicy]]) -> None:
        self.db = db
        self.repo = FeedbackRepository(db)
        self.policy_types = dict(policy_types)

    # -- synchronous (CLI, database thread) -----------------------------------------------------
    def wrong_sync(
        self, finding_id: int, by: str, term: str | None = None, lang: str | None = None
    ) -> FeedbackOutcome:
        try:
            term = clean_term(term)
            if term:
                from storage.models import FindingRecord

                with self.db.session() as s:
                    finding = s.get(FindingRecord, finding_id)
                if finding is not None and not policy_accepts_terms(
                    self.policy_types, finding.policy
                ):
                    return FeedbackOutcome(
                        False, t("feedback.no_allow_list", lang, policy=finding.policy)
                    )
            result: WrongResult = self.repo.mark_wrong(finding_id, by, term, allow_key=ALLOW_KEY)
        except FeedbackError as exc:
            return FeedbackOutcome(False, t("feedback.error", lang, reason=str(exc)))
        if term and result.term_applied:
            return FeedbackOutcome(
                True,
                t(
                    "feedback.wrong_with_term",
                    lang,
                    id=finding_id,
                    flag=result.finding.flag,
                    term=term,
                ),
            )
        return FeedbackOutcome(
            True, t("feedback.wrong", lang, id=finding_id, flag=result.finding.flag)
        )

    def correct_sync(self, finding_id: int, by: str, lang: str | None = None) -> FeedbackOutcome:
        try:
            feedback = self.repo.mark_correct(finding_id, by)
        except FeedbackError as exc:
            return FeedbackOutcome(False, t("feedback.error", lang, reason=str(exc)))
        return FeedbackOutcome(True, t("feedback.correct", lang, id=finding_id, flag=feedback.flag))

    def missed_sync(
        self, group_key: str, flag: str, text: str, by: str, lang: str | None = None
    ) -> FeedbackOutcome:
        try:
            self.repo.mark_missed(group_key, flag, text, by)
        except FeedbackError as exc:
            return FeedbackOutcome(False, t("feedback.error", lang, reason=str(exc)))
        return FeedbackOutcome(True, t("feedback.missed", lang, flag=flag))

    def report_sync(
        self, group_keys: Iterable[str] | None = None, since: datetime | None = None
    ) -> list[FlagPrecision]:
        return self.repo.precision_report(group_keys, since)

    # -- asynchronous (chat commands): the same work on the database thread ---------------------
    async def wrong(
        self, finding_id: int, by: str, term: str | None = None, lang: str | None = None
    ) -> FeedbackOutcome:
        return await self.db.run(self.wrong_sync, finding_id, by, term, lang)

    async def correct(self, finding_id: int, by: str, lang: str | None = None) -> FeedbackOutcome:
        return await self.db.run(self.correct_sync, finding_id, by, lang)

    async def missed(
        self, group_key: str, flag: str, text: str, by: str, lang: str | None = None
    ) -> FeedbackOutcome:
        return await self.db.run(self.missed_sync, group_key, flag, text, by, lang)

    async def report(
        self, group_keys: Iterable[str] | None = None, since: datetime | None = None
    ) -> list[FlagPrecision]:
        keys = list(group_keys) if group_keys is not None else None
        return await self.db.run(self.report_sync, keys, since)

    async def recent(self, group_key: str | None = None, limit: int = 20) -> list[Feedback]:
        return await self.db.run(self.repo.list, group_key, limit)


def format_report(rows: Iterable[FlagPrecision], lang: str | None = None) -> str:
    """The precision report as plain text (a table for the terminal or a chat message)."""
    lines = [t("feedback.report.header", lang)]
    rows = list(rows)
    if not rows:
        lines.append(t("feedback.report.empty", lang))
        return "\n".join(lines)
    # Column titles and kinds of finding in the reader's language, as the footer explains them.
    names = ["flag", "findings", "wrong", "correct", "missed", "precision"]
    titles = [t(f"feedback.report.col_{n}", lang) for n in names]
    table = []
    for row in rows:
        try:
            kind = f"{t(f'flag.{row.flag}', lang)} ({row.flag})"
        except KeyError:
            kind = row.flag
        precision = "-" if row.precision is None else f"{row.precision:.1%}"
        table.append([kind, str(row.findings), str(row.wrong), str(row.correct),
                      str(row.missed), precision])
    widths = [max(len(r[i]) for r in [titles, *table]) for i in range(len(titles))]
    for cells in [titles, *table]:
        first = cells[0].ljust(widths[0])
        lines.append("  ".join([first, *(c.rjust(w) for c, w in zip(cells[1:], widths[1:],
                                                                     strict=True))]))
    lines.append(t("feedback.report.footer", lang))
    return "\n".join(lines)
