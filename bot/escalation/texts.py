"""Rendering of incident alerts and summaries: short, Dutch first, always citing the article."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from typing import Any

from bot.i18n import t
from bot.pipeline import article_text, flag_text
from core.findings import Severity
from storage.models import Incident

SNIPPET = 200


def pseudonym(member_id: str, key: bytes) -> str:
    """A stable stand-in for a member id in logs (never the id itself)."""
    return "m-" + hmac.new(key, member_id.encode(), hashlib.sha256).hexdigest()[:10]


def severity_text(value: int, lang: str) -> str:
    return t(f"severity.{Severity(value).label}", lang)


def tier_text(tier: int, lang: str) -> str:
    return t(f"escalation.tier.{max(0, min(2, tier))}", lang)


def step_text(step: str | None, lang: str) -> str:
    return t(f"escalation.step.{step or 'none'}", lang)


def articles_text(codes: Iterable[str], lang: str) -> str:
    return "; ".join(article_text(code, lang) for code in codes) or "-"


def names_from_context(context: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    names: dict[str, str] = {}
    for entry in context:
        if entry.get("kind") == "report":
            continue  # the reporter is never named outside the adviser's own alert
        if entry.get("sender_id") and entry.get("sender_name"):
            names[str(entry["sender_id"])] = str(entry["sender_name"])
    return names


def name_list(ids: Iterable[str], names: Mapping[str, str], lang: str) -> str:
    shown = [names.get(i, i) for i in ids]
    return ", ".join(shown) if shown else t("escalation.command.nobody", lang)


def describe(detail: Mapping[str, Any], names: Mapping[str, str], lang: str) -> str:
    """What happened, in one line, from the trigger detail stored with the incident."""
    reason = str(detail.get("reason", "manual"))
    members = name_list(detail.get("offenders", []), names, lang)
    if reason == "critical":
        category = detail.get("category")
        try:
            label = t(f"escalation.category.{category}", lang) if category else ""
        except KeyError:
            label = ""
        label = label or flag_text(str(detail.get("flag", "")), lang)
        return t("escalation.what.critical", lang, category=label, members=members)
    if reason == "burst":
        return t("escalation.what.burst", lang, count=detail.get("count", 0),
                 minutes=_num(detail.get("minutes", 0)))
    if reason == "pile_on":
        target = str(detail.get("target", ""))
        return t("escalation.what.pile_on", lang, count=detail.get("count", 0),
                 target=names.get(target, target))
    if reason == "ladder":
        member = str(detail.get("member", ""))
        return t("escalation.what.ladder", lang, member=names.get(member, member),
                 count=detail.get("count", 0), days=detail.get("days", 0))
    if reason == "policy":
        return t("escalation.what.policy", lang, flag=flag_text(str(detail.get("flag", "")),
                                                                 lang), members=members)
    return t(f"escalation.what.{reason}" if reason in ("report", "manual") else
             "escalation.what.manual", lang)


def _num(value: Any) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else f"{number:g}"


def alert_body(incident: Incident, *, group_title: str, detail: Mapping[str, Any],
               names: Mapping[str, str], lang: str, extra: str = "") -> str:
    assert incident.id is not None
    icon = "🚨" if incident.severity >= Severity.HIGH else "⚠️"
    members = name_list(incident.members, names, lang)
    if incident.tier >= 2 and detail.get("reason") == "critical":
        extra += t("escalation.alert.leadership", lang)
    if detail.get("reason") == "ladder" and detail.get("step"):
        member = str(detail.get("member", ""))
        nr = incident.members.index(member) + 1 if member in incident.members else 1
        extra += t("escalation.alert.ladder", lang, step=step_text(str(detail["step"]), lang),
                   id=incident.id, nr=nr)
    return t("escalation.alert.body", lang, icon=icon, id=incident.id, group=group_title,
             what=describe(detail, names, lang), articles=articles_text(incident.articles, lang),
             severity=severity_text(incident.severity, lang),
             tier=tier_text(incident.tier, lang), members=members, extra=extra)


def subject(incident: Incident, *, group_title: str, lang: str) -> str:
    if incident.confidential:
        return t("escalation.alert.subject_report", lang, id=incident.id, group=group_title)
    return t("escalation.alert.subject", lang, id=incident.id, group=group_title,
             reason=t(f"escalation.reason.{incident.reason or 'manual'}", lang),
             severity=severity_text(incident.severity, lang))


def snippet(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= SNIPPET else text[: SNIPPET - 1] + "…"
