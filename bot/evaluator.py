"""Runs the enabled policies over one event and merges their findings: no side effects.

Cheap synchronous text rules run first, inline (no task per rule per message). Asynchronous rules
(images, models) then run concurrently and see the text rules' findings, so a model can skip a
message the rules already settled and can never overrule a hard rule. Text read from an image (OCR)
goes through the text rules as well, and its findings say so in their evidence.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from core.events import GroupKind, MessageEvent, Role
from core.findings import Finding
from core.verdict import Verdict
from policies.base import BasePolicy, PolicyContext, PolicySettings, TextPolicy
from policies.text import TextView

log = logging.getLogger(__name__)

MEDIA_TEXT_KEY = "ocr_text"


class Evaluator:
    def __init__(self, policies: Sequence[BasePolicy]) -> None:
        ordered = sorted(policies, key=lambda p: (p.order, p.name))
        self.policies = ordered
        self.text_rules: list[TextPolicy] = [p for p in ordered if isinstance(p, TextPolicy)]
        self.async_rules: list[BasePolicy] = [p for p in ordered if not isinstance(p, TextPolicy)]

    def _context(self, policy: BasePolicy, *, group_key: str, kind: GroupKind, role: Role,
                 settings: Mapping[str, PolicySettings], language: str, timezone: str,
                 facts: Mapping[str, Any], now: datetime,
                 prior: tuple[Finding, ...]) -> PolicyContext:
        return PolicyContext(
            group_key=group_key, group_kind=kind, sender_role=role,
            settings=settings.get(policy.name) or policy.settings_model(),
            language=language, timezone=timezone, now=now, group_facts=facts,
            prior_findings=prior,
        )

    def run_text_rules(self, event: MessageEvent, text: TextView, *, kind: GroupKind,
                       settings: Mapping[str, PolicySettings], language: str = "nl",
                       timezone: str = "Europe/Amsterdam", facts: Mapping[str, Any] | None = None,
                       now: datetime | None = None) -> list[Finding]:
        findings: list[Finding] = []
        if text.empty:
            return findings
        now = now or datetime.now(UTC)
        facts = facts or {}
        for rule in self.text_rules:
            rule_settings = settings.get(rule.name)
            if rule_settings is not None and not rule_settings.enabled:
                continue
            ctx = self._context(rule, group_key=event.group_key, kind=kind,
                                role=event.sender.role, settings=settings, language=language,
                                timezone=timezone, facts=facts, now=now, prior=tuple(findings))
            try:
                findings.extend(rule.check_text(text, ctx, event))
            except Exception:  # one broken rule must not silence the others
                log.exception("text rule failed", extra={"policy": rule.name})
        return findings

    async def evaluate(self, event: MessageEvent, *, kind: GroupKind,
                       settings: Mapping[str, PolicySettings], language: str = "nl",
                       timezone: str = "Europe/Amsterdam", facts: Mapping[str, Any] | None = None,
                       now: datetime | None = None) -> Verdict:
        now = now or datetime.now(UTC)
        facts = facts or {}
        text = TextView.of(event.text)
        findings = self.run_text_rules(event, text, kind=kind, settings=settings,
                                       language=language, timezone=timezone, facts=facts, now=now)
        rules = [r for r in self.async_rules
                 if ((s := settings.get(r.name)) is None or s.enabled) and r.wants(event)]
        if rules:
            prior = tuple(findings)
            checks = [r.check(event, text, self._context(
                r, group_key=event.group_key, kind=kind, role=event.sender.role,
                settings=settings, language=language, timezone=timezone, facts=facts, now=now,
                prior=prior)) for r in rules]
            results: list[Any] = []
            if len(checks) == 1:  # the common case: no task or gather for a single rule
                try:
                    results.append(await checks[0])
                except Exception as exc:
                    results.append(exc)
            else:
                results = await asyncio.gather(*checks, return_exceptions=True)
            for rule, result in zip(rules, results, strict=True):
                if isinstance(result, BaseException):
                    log.error("policy failed", extra={"policy": rule.name,
                                                      "error": type(result).__name__})
                    continue
                findings.extend(result)
        findings.extend(self._media_text_findings(event, findings, kind=kind, settings=settings,
                                                  language=language, timezone=timezone,
                                                  facts=facts, now=now))
        return Verdict.of(findings)

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
