"""Write a scan report as JSON (a contract), Markdown, or a self-contained, printable HTML page.

The JSON keys ``messages_total``, ``members`` and ``findings`` (each with ``timestamp``, ``sender``,
``text``, ``flags``, ``severity``, ``articles``) are a contract other tools rely on: timestamps and
senders are exactly as written in the export. The HTML page has inline CSS only (no scripts, fonts
or images from elsewhere) so it can be mailed, archived in a student file and printed as it is.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.i18n import catalogue, t
from bot.scan import ChatRecord, MemberSummary, RecordKind, Report

TEMPLATES = Path(__file__).parent / "templates"


def _label(prefix: str, key: str, lang: str) -> str:
    """A catalogue text if there is one (``flag.harassment``), else the key itself."""
    full = f"{prefix}.{key}"
    return t(full, lang) if full in catalogue() else key


def shown_text(record: ChatRecord, text: str, lang: str) -> str:
    """What a record looks like in the report: its words, or a placeholder for media/deleted."""
    if record.kind == RecordKind.DELETED:
        return t("scan.deleted_placeholder", lang)
    if record.kind == RecordKind.UNAVAILABLE:
        return t("scan.unavailable_placeholder", lang)
    if record.kind == RecordKind.MEDIA:
        marker = (
            " ".join(t("scan.media_file", lang, name=name) for name in record.attachments)
            if record.attachments
            else t("scan.media_placeholder", lang)
        )
        return f"{marker}\n{text}" if text else marker
    return text


def report_json(report: Report) -> dict[str, Any]:
    start, end = report.period_start, report.period_end
    return {
        "messages_total": report.messages_total,
        "members": [m.name if report.pseudonymised else m.sender for m in _by_first(report)],
        "findings": [
            {
                "timestamp": f.record.timestamp,
                "sender": f.record.sender if f.record.sender not in report.pseudonyms else name,
                "text": text,
                "flags": list(f.flags),
                "severity": f.severity.label,
                "articles": list(f.articles),
                "categories": list(f.categories),
                "reasons": report.reasons.get(f.record.index, []),
                "line_index": f.record.line_index,
                "message_index": f.record.index,
                "sent_at": f.record.sent_at.isoformat(),
                "attachments": list(f.record.attachments),
            }
            for f, name, text in report.findings
        ],
        "source": report.source_name,
        "group_title": report.group_title,
        "group_kind": report.group_kind.value,
        "layout": report.layout,
        "period": None
        if start is None or end is None
        else {
            "start": start.timestamp,
            "end": end.timestamp,
            "start_iso": start.sent_at.isoformat(),
            "end_iso": end.sent_at.isoformat(),
        },
        "counts": {
            "text": report.text_messages,
            "media": report.media_messages,
            "deleted": report.deleted_messages,
            "system_lines": report.system_lines,
            "flagged": report.flagged_total,
        },
        "per_article": report.per_article,
        "per_flag": report.per_flag,
        "per_severity": report.per_severity,
        "per_member": [
            {
                "name": m.name,
                "messages": m.messages,
                "flagged": m.flagged,
                "max_severity": m.max_severity.label,
                "flags": dict(m.flags),
                "articles": dict(m.articles),
            }
            for m in report.members
        ],
        "pseudonymised": report.pseudonymised,
        **({"findings_not_listed": report.not_listed} if report.not_listed else {}),
    }


def _by_first(report: Report) -> list[MemberSummary]:
    """Members in the order they first wrote (the summary table sorts by seriousness instead)."""
    by_sender = {m.sender: m for m in report.members}
    return [by_sender[sender] for sender in report.member_order]


def render_json(report: Report) -> str:
    return json.dumps(report_json(report), ensure_ascii=False, indent=2) + "\n"


# --- Markdown ------------------------------------------------------------------------------------


def _md(text: str) -> str:
    """Escape what Markdown would otherwise interpret; keep line breaks visible."""
    for char in "\\`*_[]<>|#":
        text = text.replace(char, "\\" + char)
    return text.replace("\n", "  \n")


def _md_cell(text: str) -> str:
    return _md(text).replace("  \n", " / ")


def _text(key: str, lang: str, **values: object) -> str:
    """A report text; ``<key>_one`` when it exists and ``n`` is 1 ("1 bericht", not "1 berichten")."""
    if values.get("n") == 1 and f"scan.{key}_one" in catalogue():
        key = f"{key}_one"
    return t(f"scan.{key}", lang, **values)


def render_markdown(report: Report, lang: str = "nl") -> str:
    L = lambda key, **kw: _text(key, lang, **kw)  # noqa: E731
    out: list[str] = [f"# {L('title')}", "", f"_{L('subtitle')}_", ""]
    out += [
        f"- **{L('source')}:** {_md(report.source_name)}",
        f"- **{L('group')}:** {_md(report.group_title or L('group_unknown'))}"
        f" ({_label('kind', report.group_kind.value, lang)})",
        f"- **{L('generated')}:** {report.generated_at:%d-%m-%Y %H:%M}",
        "",
        f"## {L('summary')}",
        "",
        f"- **{L('period')}:** {_period(report, lang)}",
        f"- **{L('messages_total')}:** {report.messages_total} ("
        + L("messages_detail", text=report.text_messages, media=report.media_messages,
            deleted=report.deleted_messages) + ")",
        f"- **{L('system_lines')}:** {report.system_lines}",
        f"- **{L('members_count')}:** {len(report.members)}",
        f"- **{L('findings_total')}:** {report.flagged_total}",
        "",
    ]
    if not report.findings:
        out += [L("none_found"), ""]
    if report.not_listed:
        out += [L("not_listed", n=report.not_listed, listed=len(report.findings)), ""]
    if report.per_article:
        out += [f"### {L('per_article')}", "", f"| {L('col_article')} | {L('col_meaning')} | "
                f"{L('col_count')} |", "|---|---|---:|"]
        for article, count in report.per_article.items():
            out.append(f"| {article} | {_md_cell(_label('article', article, lang))} | {count} |")
        out.append("")
    out += [f"### {L('per_member')}", "", f"| {L('col_member')} | {L('col_messages')} | "
            f"{L('col_flagged')} | {L('col_severity')} | {L('col_flags')} |",
            "|---|---:|---:|---|---|"]
    for m in report.members:
        flags = ", ".join(f"{_label('flag', k, lang)} ({v})" for k, v in m.flags.items())
        staff = f" {L('staff_marker')}" if m.is_staff else ""
        severity = _label("severity", m.max_severity.label, lang) if m.flagged else "–"
        out.append(f"| {_md_cell(m.name)}{staff} | {m.messages} | {m.flagged} | {severity} | "
                   f"{_md_cell(flags) or '–'} |")
    out.append("")
    if report.moments:
        out += [f"## {L('moments')}", ""]
        for i, moment in enumerate(report.moments, 1):
            f = moment.flagged
            out.append(
                f"{i}. **{_md(f.record.timestamp)}**, {_md(moment.name)} — "
                f"{_label('severity', f.severity.label, lang)}: "
                + ", ".join(_label("flag", flag, lang) for flag in f.flags)
                + f" ({', '.join(f.articles)})  \n   > "
                + _md(shown_text(f.record, moment.text, lang)).replace("  \n", "  \n   > ")
            )
        out.append("")
    if report.timeline:
        out += [f"## {L('timeline')}", "", L("timeline_intro", n=_context_size(report)), ""]
        for segment in report.timeline:
            if segment.skipped_before:
                out += [f"_{L('skipped', n=segment.skipped_before)}_", ""]
            for entry in segment.entries:
                text = _md(shown_text(entry.record, entry.text, lang))
                edited = f" {L('edited')}" if entry.record.edited else ""
                line = f"- `{entry.record.timestamp}` **{_md(entry.name)}**: {text}{edited}"
                if entry.flagged is not None:
                    f = entry.flagged
                    quoted = text.replace("  \n", "  \n  > ")
                    line = (
                        f"- ⚠️ `{entry.record.timestamp}` **{_md(entry.name)}**{edited}  \n"
                        f"  > {quoted}  \n  _{L('why')}: "
                        + ", ".join(_label("flag", flag, lang) for flag in f.flags)
                        + f"; {_label('severity', f.severity.label, lang)}; "
                        + ", ".join(f.articles)
                        + "".join(f" — {_md(r)}" for r in report.reasons.get(f.record.index, []))
                        + "_"
                    )
                out.append(line)
            out.append("")
    out += [f"## {L('privacy')}", "", L("privacy_local"), "",
            L("privacy_pseudonymised") if report.pseudonymised else L("privacy_names"), "",
            L("caveat"), ""]
    return "\n".join(out)


def _period(report: Report, lang: str) -> str:
    if report.period_start is None or report.period_end is None:
        return t("scan.period_none", lang)
    return t("scan.period_value", lang, start=report.period_start.timestamp,
             end=report.period_end.timestamp)


def _context_size(report: Report) -> int:
    return report.context


# --- HTML ----------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "jinja"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def render_html(report: Report, lang: str = "nl") -> str:
    template = _environment().get_template("scan_report.html.jinja")
    return template.render(
        report=report,
        lang=lang,
        L=lambda key, **kw: _text(key, lang, **kw),
        label=lambda prefix, key: _label(prefix, key, lang),
        shown=lambda record, text: shown_text(record, text, lang),
        period=_period(report, lang),
        context=_context_size(report),
    )


def render(report: Report, fmt: str, lang: str = "nl") -> str:
    if fmt == "json":
        return render_json(report)
    if fmt == "md":
        return render_markdown(report, lang)
    if fmt == "html":
        return render_html(report, lang)
    raise ValueError(f"unknown report format {fmt!r} (html, json or md)")
