"""Runs the enabled policies over one event and merges their findings: no side effects.

Cheap synchronous text rules run first, inline (no task per rule per message). Asynchronous rules
(images, models) then run concurrently and see the text rules' findings, so a model can skip a
message the rules already settled and can never overrule a hard rule. Text read from an image (OCR)
goes through the text rules as well, and its findings say so in their evidence.

Asked to explain (``schoolwacht check --explain``), it also collects every policy's answer for the
message (``core.findings.PolicyResult``): a finding, clear with the reason the policy gave through
``ctx.clear(reason)`` (else "no match"), or skipped (disabled in the group, nothing for it in the
message, failed).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from core.events import GroupKind, MessageEvent, Role
from core.findings import Finding, Outcome, PolicyResult, Route
from core.verdict import Verdict
from policies.base import (
    NO_MATCH,
    NOT_APPLICABLE_NO_TEXT,
    BasePolicy,
    PolicyContext,
    PolicySettings,
    TextPolicy,
)
from policies.text import TextView

log = logging.getLogger(__name__)

MEDIA_TEXT_KEY = "ocr_text"


def routed(policy: BasePolicy, findings: list[Finding]) -> list[Finding]:
    """The policy's declared handling on each of its findings (``BasePolicy.route``), so the planner
    and the pipeline read the route from the finding and never name a policy. A route the policy
    set on a finding itself stays."""
    route = policy.route
    if route is Route.NORMAL or not findings:
        return findings
    return [f if f.route is not Route.NORMAL else replace(f, route=route) for f in findings]


def _answer(policy: BasePolicy, found: list[Finding], ctx: PolicyContext) -> PolicyResult:
    if found:
        return PolicyResult(policy.name, Outcome.FINDING, "; ".join(f.evidence for f in found))
    return PolicyResult(policy.name, Outcome.CLEAR, ctx.reasons[-1] if ctx.reasons else NO_MATCH)


def _skipped(policy: BasePolicy, kind: GroupKind, settings: Mapping[str, PolicySettings],
             reason: str | None = None) -> PolicyResult:
    """Not looked at: ``reason``, else the policy is disabled in this group."""
    if reason is None or ((s := settings.get(policy.name)) is not None and not s.enabled):
        reason = policy.disabled_reason(kind)
    return PolicyResult(policy.name, Outcome.SKIPPED, reason)


def _failed(policy: BasePolicy, exc: BaseException) -> PolicyResult:
    return PolicyResult(policy.name, Outcome.SKIPPED, f"failed ({type(exc).__name__})")


class Evaluator:
    def __init__(self, policies: Sequence[BasePolicy]) -> None:
        ordered = sorted(policies, key=lambda p: (p.order, p.name))
        self.policies = ordered
        self.text_rules: list[TextPolicy] = [p for p in ordered if isinstance(p, TextPolicy)]
        self.async_rules: list[BasePolicy] = [p for p in ordered if not isinstance(p, TextPolicy)]

    def _context(self, policy: BasePolicy, *, group_key: str, kind: GroupKind, role: Role,
                 settings: Mapping[str, PolicySettings], language: str, timezone: str,
                 facts: Mapping[str, Any], now: datetime,
                 prior: tuple[Finding, ...], explain: bool = False) -> PolicyContext:
        return PolicyContext(
            group_key=group_key, group_kind=kind, sender_role=role,
            settings=settings.get(policy.name) or policy.settings_model(),
            language=language, timezone=timezone, now=now, group_facts=facts,
            prior_findings=prior, reasons=[] if explain else None,
        )

    def run_text_rules(self, event: MessageEvent, text: TextView, *, kind: GroupKind,
                       settings: Mapping[str, PolicySettings], language: str = "nl",
                       timezone: str = "Europe/Amsterdam", facts: Mapping[str, Any] | None = None,
                       now: datetime | None = None,
                       results: list[PolicyResult] | None = None) -> list[Finding]:
        """The text rules over ``text``; with ``results``, each rule's answer is appended."""
        findings: list[Finding] = []
        if text.empty:
            if results is not None:
                results.extend(_skipped(rule, kind, settings, NOT_APPLICABLE_NO_TEXT)
                               for rule in self.text_rules)
            return findings
        now = now or datetime.now(UTC)
        facts = facts or {}
        for rule in self.text_rules:
            rule_settings = settings.get(rule.name)
            if rule_settings is not None and not rule_settings.enabled:
                if results is not None:
                    results.append(_skipped(rule, kind, settings))
                continue
            ctx = self._context(rule, group_key=event.group_key, kind=kind,
                                role=event.sender.role, settings=settings, language=language,
                                timezone=timezone, facts=facts, now=now, prior=tuple(findings),
                                explain=results is not None)
            try:
                found = routed(rule, rule.check_text(text, ctx, event))
            except Exception as exc:  # one broken rule must not silence the others
                log.exception("text rule failed", extra={"policy": rule.name})
                if results is not None:
                    results.append(_failed(rule, exc))
                continue
            findings.extend(found)
            if results is not None:
                results.append(_answer(rule, found, ctx))
        return findings

    async def evaluate(self, event: MessageEvent, *, kind: GroupKind,
                       settings: Mapping[str, PolicySettings], language: str = "nl",
                       timezone: str = "Europe/Amsterdam", facts: Mapping[str, Any] | None = None,
                       now: datetime | None = None, explain: bool = False) -> Verdict:
        """All findings about ``event``. With ``explain`` the verdict also holds every policy's
        answer (``Verdict.results``: finding, clear or skipped, and why); the pipeline does not ask."""
        now = now or datetime.now(UTC)
        facts = facts or {}
        text = TextView.of(event.text)
        answers: list[PolicyResult] | None = [] if explain else None
        findings = self.run_text_rules(event, text, kind=kind, settings=settings,
                                       language=language, timezone=timezone, facts=facts, now=now,
                                       results=answers)
        rules: list[BasePolicy] = []
        for r in self.async_rules:
            if (s := settings.get(r.name)) is not None and not s.enabled:
                if answers is not None:
                    answers.append(_skipped(r, kind, settings))
            elif not r.wants(event):
                if answers is not None:
                    answers.append(PolicyResult(r.name, Outcome.SKIPPED, r.not_applicable(event)))
            else:
                rules.append(r)
        if rules:
            prior = tuple(findings)
            contexts = [self._context(
                r, group_key=event.group_key, kind=kind, role=event.sender.role,
                settings=settings, language=language, timezone=timezone, facts=facts, now=now,
                prior=prior, explain=explain) for r in rules]
            checks = [r.check(event, text, ctx) for r, ctx in zip(rules, contexts, strict=True)]
            results: list[Any] = []
            if len(checks) == 1:  # the common case: no task or gather for a single rule
                try:
                    results.append(await checks[0])
                except Exception as exc:
                    results.append(exc)
            else:
                results = await asyncio.gather(*checks, return_exceptions=True)
            for rule, ctx, result in zip(rules, contexts, results, strict=True):
                if isinstance(result, BaseException):
                    log.error("policy failed", extra={"policy": rule.name,
                                                      "error": type(result).__name__})
                    if answers is not None:
                        answers.append(_failed(rule, result))
                    continue
                found = routed(rule, result)
                findings.extend(found)
                if answers is not None:
                    answers.append(_answer(rule, found, ctx))
        media = self._media_text_findings(event, findings, kind=kind, settings=settings,
                                          language=language, timezone=timezone, facts=facts,
                                          now=now)
        findings.extend(media)
        if answers is None:
            return Verdict.of(findings)
        return Verdict(tuple(findings), self._in_order(answers, media))

    def _in_order(self, answers: list[PolicyResult], media: list[Finding]) -> tuple[PolicyResult, ...]:
        """One answer per policy in run order; a text rule that found something in an image's text
        (OCR) answers with that finding."""
        by_name = {a.policy: a for a in answers}
        for found in media:
            previous = by_name.get(found.policy)
            if previous is None or previous.result is not Outcome.FINDING:
                by_name[found.policy] = PolicyResult(found.policy, Outcome.FINDING, found.evidence)
        return tuple(by_name[p.name] for p in self.policies if p.name in by_name)

    def _media_text_findings(self, event: MessageEvent, findings: list[Finding], **kwargs: Any
                             ) -> list[Finding]:
        extra: list[Finding] = []
        for finding in list(findings):
            media_text = finding.data.get(MEDIA_TEXT_KEY) if finding.data else None
            if not media_text:
                continue
            view = TextView.of(str(media_text))
            for found in self.run_text_rules(event, view, **kwargs):
                extra.append(replace(found, evidence=f"in afbeelding: {found.evidence}"))
        return extra

    async def aclose(self) -> None:
        for policy in self.policies:
            try:
                await policy.aclose()
            except Exception:
                log.exception("closing policy failed", extra={"policy": policy.name})
