"""Moderator feedback on the bot's judgement: stored, applied, counted.

A moderator marks a finding *wrong* (a false positive, optionally with an allow-list term that is
added to the group's run-time policy overrides), *correct*, or marks a message the bot let through
as *missed* (kept with its text for retraining, purged with the findings on the retention schedule).
The same rows feed the topic model's retraining and the per-school precision report.

Synchronous like the other repositories: run it on the database thread (``Database.run``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from storage.db import Database
from storage.models import AuditEntry, Feedback, FindingRecord, Group

VERDICTS = ("wrong", "correct", "missed")
_FLAG = re.compile(r"^[a-z][a-z_]{1,40}$")
MAX_TERM = 80
MAX_TEXT = 4000


class FeedbackError(ValueError):
    """Feedback that cannot be stored (unknown finding, empty text, bad flag), said plainly."""


@dataclass(frozen=True, slots=True)
class FlagPrecision:
    """One line of the precision report."""

    flag: str
    findings: int
    wrong: int
    correct: int
    missed: int

    @property
    def reviewed(self) -> int:
        return self.wrong + self.correct

    @property
    def precision(self) -> float | None:
        """Share of findings not marked wrong (unreviewed findings count as right)."""
        return (self.findings - self.wrong) / self.findings if self.findings else None

    @property
    def reviewed_precision(self) -> float | None:
        """Precision among the findings a moderator actually looked at."""
        return self.correct / self.reviewed if self.reviewed else None


@dataclass(frozen=True, slots=True)
class WrongResult:
    feedback: Feedback
    finding: FindingRecord
    # The allow-list term was added to the group's overrides (False: no term, or no group row).
    term_applied: bool


def clean_term(term: str | None) -> str | None:
    if term is None:
        return None
    term = " ".join(term.split())
    if not term:
        return None
    if len(term) > MAX_TERM:
        raise FeedbackError(f"an allow-list term is at most {MAX_TERM} characters")
    return term


class FeedbackRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- recording ------------------------------------------------------------------------------
    def mark_wrong(
        self, finding_id: int, by: str, term: str | None = None, *, allow_key: str = "allow"
    ) -> WrongResult:
        """A false positive. With ``term``, the finding's policy ignores it in this group from now
        on (the term joins ``overrides[policy][allow_key]`` of the group)."""
        term = clean_term(term)
        with self.db.session() as s:
            finding = s.get(FindingRecord, finding_id)
            if finding is None:
                raise FeedbackError(f"finding {finding_id} does not exist (or was purged)")
            finding.feedback = "wrong"
            s.add(finding)
            applied = False
            if term:
                group = s.get(Group, finding.group_key)
                if group is not None:
                    group.overrides = _with_allow_term(
                        group.overrides, finding.policy, allow_key, term
                    )
                    s.add(group)
                    applied = True
            feedback = Feedback(
                group_key=finding.group_key,
                finding_id=finding_id,
                flag=finding.flag,
                verdict="wrong",
                term=term,
                by=by,
            )
            s.add(feedback)
            s.add(
                _audit(
                    by,
                    "feedback.wrong",
                    finding.group_key,
                    finding_id,
                    {"flag": finding.flag, "policy": finding.policy, "term": term},
                )
            )
            s.commit()
            return WrongResult(feedback=feedback, finding=finding, term_applied=applied)

    def mark_correct(self, finding_id: int, by: str) -> Feedback:
        with self.db.session() as s:
            finding = s.get(FindingRecord, finding_id)
            if finding is None:
                raise FeedbackError(f"finding {finding_id} does not exist (or was purged)")
            finding.feedback = "correct"
            s.add(finding)
            feedback = Feedback(
                group_key=finding.group_key,
                finding_id=finding_id,
                flag=finding.flag,
                verdict="correct",
                by=by,
            )
            s.add(feedback)
            s.add(
                _audit(
                    by, "feedback.correct", finding.group_key, finding_id, {"flag": finding.flag}
                )
            )
            s.commit()
            return feedback

    def mark_missed(self, group_key: str, flag: str, text: str, by: str) -> Feedback:
        """A harmful message the bot did not flag; its text is kept for retraining."""
        if not _FLAG.match(flag):
            raise FeedbackError(f"{flag!r} is not a flag name (e.g. harassment, off_topic)")
        text = (text or "").strip()
        if not text:
            raise FeedbackError("a missed message needs its text")
        with self.db.session() as s:
            feedback = Feedback(
                group_key=group_key, flag=flag, verdict="missed", text=text[:MAX_TEXT], by=by
            )
            s.add(feedback)
            s.add(_audit(by, "feedback.missed", group_key, None, {"flag": flag}))
            s.commit()
            return feedback

    # -- using it ------------------------------------------------------------------------------
    def training_examples(self, flag: str) -> list[tuple[str, bool]]:
        """``(text, is_flag)`` pairs from feedback: wrongly flagged messages are negatives,
        confirmed and missed messages positives. Findings whose text was purged are skipped."""
        out: list[tuple[str, bool]] = []
        with self.db.session() as s:
            reviewed = s.exec(
                select(FindingRecord.text, FindingRecord.feedback).where(
                    FindingRecord.flag == flag,
                    col(FindingRecord.feedback).in_(("wrong", "correct")),
                    col(FindingRecord.text).is_not(None),
                )
            )
            for text, verdict in reviewed:
                if text:
                    out.append((text, verdict == "correct"))
            missed = s.exec(
                select(Feedback.text).where(
                    Feedback.flag == flag,
                    Feedback.verdict == "missed",
                    col(Feedback.text).is_not(None),
                )
            )
            out.extend((text, True) for text in missed if text)
        return out

    def precision_report(
        self, group_keys: Iterable[str] | None = None, since: datetime | None = None
    ) -> list[FlagPrecision]:
        """Per flag: findings, marked wrong, marked correct, missed (for the whole school, or for
        the given groups)."""
        keys = list(group_keys) if group_keys is not None else None
        with self.db.session() as s:
            query = select(FindingRecord.flag, FindingRecord.feedback, func.count()).group_by(
                FindingRecord.flag, FindingRecord.feedback
            )
            missed_query = (
                select(Feedback.flag, func.count())
                .where(Feedback.verdict == "missed")
                .group_by(Feedback.flag)
            )
            if keys is not None:
                query = query.where(col(FindingRecord.group_key).in_(keys))
                missed_query = missed_query.where(col(Feedback.group_key).in_(keys))
            if since is not None:
                query = query.where(FindingRecord.created_at >= since)
                missed_query = missed_query.where(Feedback.at >= since)
            counts: dict[str, dict[str, int]] = {}
            for flag, verdict, n in s.exec(query):
                row = counts.setdefault(
                    flag, {"findings": 0, "wrong": 0, "correct": 0, "missed": 0}
                )
                row["findings"] += n
                if verdict in ("wrong", "correct"):
                    row[verdict] += n
            for flag, n in s.exec(missed_query):
                row = counts.setdefault(
                    flag, {"findings": 0, "wrong": 0, "correct": 0, "missed": 0}
                )
                row["missed"] += n
        return [FlagPrecision(flag, **values) for flag, values in sorted(counts.items())]

    def list(self, group_key: str | None = None, limit: int = 50) -> list[Feedback]:
        with self.db.session() as s:
            query = select(Feedback).order_by(col(Feedback.at).desc()).limit(limit)
            if group_key:
                query = query.where(Feedback.group_key == group_key)
            return list(s.exec(query))


def _with_allow_term(
    overrides: dict[str, Any] | None, policy: str, key: str, term: str
) -> dict[str, Any]:
    """A new overrides dict (a new object, so the JSON column is seen as changed)."""
    out = {name: dict(values) for name, values in (overrides or {}).items()}
    table = out.setdefault(policy, {})
    terms = list(table.get(key, []))
    if term.casefold() not in {t.casefold() for t in terms}:
        terms.append(term)
    table[key] = terms
    return out


def _audit(
    by: str, action: str, group_key: str, finding_id: int | None, detail: dict[str, Any]
) -> AuditEntry:
    return AuditEntry(
        actor=by,
        action=action,
        group_key=group_key,
        target=str(finding_id) if finding_id is not None else None,
        detail={k: v for k, v in detail.items() if v is not None},
    )
