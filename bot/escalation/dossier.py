"""Dossier export: one incident, or everything about one student, for the student's file.

The protocol's sanctions section says relevant correspondence may go into the student's file. The
export is a readable HTML document (PDF through a headless Chromium when one is installed) plus JSON
with the same content. It never contains who filed a quiet report (A.11), and in a student's dossier
the other students are shown as "Leerling A", "Leerling B", ... unless asked otherwise, because the
file is about this student (AVG: data minimisation).
"""

from __future__ import annotations

import shutil
import string
import subprocess
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.config import AppConfig
from bot.escalation.context import bystander_count
from bot.escalation.ladder import assess
from bot.escalation.settings import EscalationSettings, settings_from
from bot.escalation.texts import names_from_context, severity_text, step_text
from bot.i18n import t
from bot.pipeline import article_text, flag_text
from core.clock import now_utc
from core.files import private_temp_folder, write_private
from core.findings import Severity
from storage.incidents_repo import IncidentRepository
from storage.models import AuditEntry, FindingRecord, Incident
from storage.repositories import Repositories

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
STAFF_ROLES = {"teacher", "staff"}
HIDDEN_DETAIL = {"findings", "what", "triggers", "reasons", "new_reasons"}


class DossierError(Exception):
    """Nothing to export (unknown incident or student), said in one line."""


def group_settings(config: AppConfig, group_key: str) -> EscalationSettings:
    group = config.group(group_key)
    kind_table = config.policies.for_kind(group.kind).escalation if group else \
        config.policies.class_.escalation
    return settings_from({**kind_table, **(group.escalation if group else {})})


class DossierBuilder:
    def __init__(self, config: AppConfig, repos: Repositories) -> None:
        self.config = config
        self.repos = repos
        self.incidents = IncidentRepository(repos.db)
        self.lang = config.school.language
        self.tz = ZoneInfo(config.school.timezone)

    # --- small helpers ------------------------------------------------------------------------
    def when(self, value: datetime | str | None) -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                return value
        return value.astimezone(self.tz).strftime("%d-%m-%Y %H:%M")

    def group_title(self, key: str) -> str:
        group = self.config.group(key)
        if group and group.title:
            return group.title
        row = self.repos.groups.get(key)
        return (row.title if row and row.title else None) or key

    def names(self, incident: Incident) -> dict[str, str]:
        names = names_from_context(incident.context)
        for member_id in incident.members:
            if member_id not in names:
                row = self.repos.members.get(incident.group_key, member_id)
                names[member_id] = (row.display_name if row and row.display_name else member_id)
        return names

    # --- building the content -----------------------------------------------------------------
    def for_incident(self, incident_id: int) -> dict[str, Any]:
        incident = self.incidents.get(incident_id)
        if incident is None:
            raise DossierError(f"incident {incident_id} does not exist")
        return self._document(t("escalation.dossier.title_incident", self.lang, id=incident_id),
                              {"incident": incident_id}, [incident], students=[])

    def for_student(self, member_id: str, *, show_others: bool = False,
                    visible: Callable[[Incident], bool] | None = None) -> dict[str, Any]:
        """Everything about one member that the reader may see (``visible``, decided by the
        caller with ``core.permissions``). By default quiet reports (A.11), the confidential
        adviser's alone, are left out."""
        visible = visible or (lambda incident: not incident.confidential)
        incidents = [i for i in self.incidents.for_member(member_id) if visible(i)]
        findings = self.incidents.member_findings(member_id)
        if not incidents and not findings:
            raise DossierError(f"nothing recorded about member {member_id}")
        name = member_id
        for incident in incidents:
            name = self.names(incident).get(member_id, name)
        if name == member_id:
            for finding in findings:
                row = self.repos.members.get(finding.group_key, member_id)
                if row and row.display_name:
                    name = row.display_name
                    break
        alias = None if show_others else self._aliases(member_id, incidents)
        key = incidents[-1].group_key if incidents else findings[-1].group_key
        settings = group_settings(self.config, key)
        since = now_utc() - timedelta(days=settings.ladder_days)
        view = assess(member_id, self.incidents.offences(
            member_id, since, int(Severity.parse(settings.ladder_severity))),
            self.incidents.decisions(member_id), settings)
        student = {
            "id": member_id, "name": name,
            "ladder": {**view.as_json(),
                       "decided_text": step_text(view.decided, self.lang),
                       "suggested_text": step_text(view.suggested, self.lang)},
            "decisions": [self._decision(d, {member_id: name}) for d in view.decisions],
            "findings": [self._finding(f, {member_id: name}) for f in findings],
        }
        return self._document(t("escalation.dossier.title_student", self.lang, name=name),
                              {"student": member_id}, incidents, students=[student],
                              alias=alias)

    def _aliases(self, member_id: str, incidents: Iterable[Incident]) -> Callable[[str, str],
                                                                                  str]:
        """Other students become "Leerling A", "Leerling B", ... (staff keep their names)."""
        letters: dict[str, str] = {}

        def alias(other: str, name: str) -> str:
            if other == member_id:
                return name
            if other not in letters:
                index = len(letters)
                letter = string.ascii_uppercase[index % 26] + (str(index // 26) if index >= 26
                                                               else "")
                letters[other] = t("escalation.dossier.other_member", self.lang, letter=letter)
            return letters[other]

        return alias

    def _document(self, title: str, scope: dict[str, Any], incidents: list[Incident], *,
                  students: list[dict[str, Any]],
                  alias: Callable[[str, str], str] | None = None) -> dict[str, Any]:
        return {
            "title": title,
            "school": self.config.school.name,
            "generated_at": self.when(now_utc()),
            "language": self.lang,
            "scope": scope,
            "students": students,
            "incidents": [self._incident(i, alias) for i in incidents],
        }

    def _incident(self, incident: Incident,
                  alias: Callable[[str, str], str] | None) -> dict[str, Any]:
        assert incident.id is not None
        lang = self.lang
        staff = {str(e.get("sender_id")) for e in incident.context
                 if e.get("role") in STAFF_ROLES}
        raw_names = self.names(incident)

        def show(member_id: str | None, name: str | None = None) -> str:
            if not member_id:
                return name or ""
            shown = raw_names.get(member_id, name or member_id)
            if alias is not None and member_id not in staff:
                return alias(member_id, shown)
            return shown

        names = {m: show(m) for m in set(raw_names) | set(incident.members)}
        offenders = {str(e.get("sender_id")) for e in incident.context if e.get("flagged")}
        findings = self.incidents.findings(incident.id)
        offenders |= {f.member_id for f in findings}
        members = [{"id": m, "name": names.get(m, m),
                    "role": t("escalation.role." + (
                        "reported" if incident.confidential else
                        "offender" if m in offenders else "target"), lang)}
                   for m in incident.members]
        context = []
        for entry in incident.context:
            if entry.get("bystander"):  # messages of others in between: only counted
                continue
            if entry.get("kind") == "report":  # who reported stays with the adviser (A.11)
                context.append({"at": self.when(entry.get("at")), "report": True,
                                "sender": t("escalation.report.reporter_hidden", lang),
                                "text": entry.get("text") or "", "flagged": False})
                continue
            context.append({"at": self.when(entry.get("at")), "report": False,
                            "sender": show(entry.get("sender_id"), entry.get("sender_name")),
                            "text": entry.get("text") or "", "flagged": bool(entry.get("flagged"))})
        trail = self.incidents.trail(incident.id)
        return {
            "id": incident.id,
            "group": self.group_title(incident.group_key),
            "group_key": incident.group_key,
            "status": t(f"escalation.status.{incident.status}", lang),
            "status_code": incident.status,
            "severity": severity_text(incident.severity, lang),
            "reason": t(f"escalation.reason.{incident.reason or 'manual'}", lang),
            "reason_code": incident.reason,
            "articles": [{"code": a, "text": article_text(a, lang)} for a in incident.articles],
            "confidential": incident.confidential,
            "tier": incident.tier,
            "assignee": incident.assignee or "",
            "opened": self.when(incident.created_at),
            "acknowledged": self.when(incident.acknowledged_at),
            "resolved": self.when(incident.resolved_at),
            "members": members,
            "context": context,
            "bystander_messages": bystander_count(incident.context),
            "findings": [self._finding(f, names) for f in findings],
            "trail": [self._audit(e, names) for e in trail
                      if e.action != "sanction.decision"],
            "decisions": [self._decision(e, names) for e in trail
                          if e.action == "sanction.decision"],
        }

    def _finding(self, finding: FindingRecord, names: Mapping[str, str]) -> dict[str, Any]:
        return {"at": self.when(finding.created_at),
                "member": names.get(finding.member_id, finding.member_id),
                "flag": flag_text(finding.flag, self.lang), "article": finding.article,
                "severity": severity_text(finding.severity, self.lang),
                "evidence": finding.evidence, "incident": finding.incident_id,
                "judged_wrong": finding.feedback == "wrong"}

    def _decision(self, entry: AuditEntry, names: Mapping[str, str]) -> dict[str, Any]:
        member = (entry.target or "").removeprefix("member:")
        detail = entry.detail
        return {"at": self.when(entry.at), "member": names.get(member, member),
                "step": step_text(detail.get("step"), self.lang),
                "suggested": step_text(detail.get("suggested"), self.lang),
                "incident": detail.get("incident"), "by": detail.get("by") or entry.actor,
                "note": detail.get("note") or ""}

    def _audit(self, entry: AuditEntry, names: Mapping[str, str]) -> dict[str, Any]:
        detail = {k: v for k, v in entry.detail.items() if k not in HIDDEN_DETAIL
                  and v not in (None, "", [], {})}
        return {"at": self.when(entry.at), "actor": entry.actor, "action": entry.action,
                "detail": ", ".join(f"{k}: {v}" for k, v in detail.items())}


# --- rendering ---------------------------------------------------------------------------------
def render_html(data: Mapping[str, Any]) -> str:
    env = Environment(loader=FileSystemLoader(TEMPLATES),
                      autoescape=select_autoescape(["html", "jinja"]), trim_blocks=True,
                      lstrip_blocks=True)
    lang = str(data.get("language") or "nl")

    def label(key: str, **values: Any) -> str:
        return t(f"escalation.dossier.{key}", lang, **values)

    return env.get_template("dossier.html.jinja").render(d=data, L=label, lang=lang)


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def render_pdf(html: str, out: Path, *, timeout: float = 90) -> None:
    """Print the HTML to PDF with a headless Chromium. It is kept off the network entirely: every
    host name resolves to nothing and any request would go to a closed loopback proxy."""
    binary = chromium()
    if binary is None:
        raise DossierError("PDF needs Chromium (Debian: apt install chromium); export HTML instead")
    with private_temp_folder(prefix="sw-dossier-") as tmp:
        source = write_private(tmp / "dossier.html", html)
        target = out.resolve()
        command = [
            binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--no-default-browser-check", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-extensions",
            "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9",
            f"--user-data-dir={Path(tmp) / 'profile'}", "--no-pdf-header-footer",
            f"--print-to-pdf={target}", source.as_uri(),
        ]
        result = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        if result.returncode != 0 or not target.exists() or target.stat().st_size == 0:
            raise DossierError(f"Chromium could not print the PDF (exit {result.returncode})")
