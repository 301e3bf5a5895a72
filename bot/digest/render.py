"""Rendering digest and confirmation mails from one Jinja2 template family (bot/templates).

Every mail is multipart: a plain-text and an HTML alternative (readable on a phone), attachments
after them, the school's name as sender name, the group and period in the subject, and one-click
unsubscribe headers (RFC 2369 ``List-Unsubscribe`` + RFC 8058 ``List-Unsubscribe-Post``).
"""

from __future__ import annotations

import base64
import mimetypes
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from bot.i18n import t
from storage.models import DigestItem

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def format_day(day: date, lang: str) -> str:
    """``dinsdag 5 mei 2026`` / ``Tuesday 5 May 2026``."""
    return (f"{t(f'digest.day.{DAY_KEYS[day.weekday()]}', lang)} {day.day} "
            f"{t(f'digest.month.{day.month}', lang)} {day.year}")


def period_label(first: date, last: date, lang: str) -> str:
    if first >= last:
        return format_day(last, lang)
    return t("digest.period_range", lang, start=format_day(first, lang), end=format_day(last, lang))


@dataclass(slots=True)
class MailPart:
    """An attachment ready to go into a mail."""

    name: str
    mime_type: str
    data: bytes


@dataclass(slots=True)
class Composed:
    subject: str
    text: str
    html: str
    attachments: list[MailPart] = field(default_factory=list)


def _aware(value: datetime) -> datetime:
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)


class Renderer:
    def __init__(self, *, school: str, timezone: str, templates: Path = TEMPLATES) -> None:
        self.school = school
        self.tz = ZoneInfo(timezone)
        self.env = Environment(
            loader=FileSystemLoader(str(templates)),
            autoescape=select_autoescape(enabled_extensions=("html.jinja",),
                                         default_for_string=False, default=False),
            undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
            keep_trailing_newline=True,
        )

    def _render(self, name: str, lang: str, **values: Any) -> str:
        template = self.env.get_template(name)
        return template.render(_=partial(t_lang, lang), lang=lang, school=self.school, **values)

    def local(self, value: datetime) -> datetime:
        return _aware(value).astimezone(self.tz)

    def period(self, items: list[DigestItem], now: datetime, lang: str) -> str:
        first = min(self.local(i.sent_at).date() for i in items)
        return period_label(first, self.local(now).date(), lang)

    def digest(self, *, items: list[DigestItem], group: str, period: str, lang: str,
               include: str, important: bool, unsubscribe_url: str,
               today: date | None = None) -> Composed:
        shown, parts = [], []
        for item in items:
            local = self.local(item.sent_at)
            attachments = []
            for att in item.attachments:
                status = att.get("status", "unavailable")
                attachments.append({"name": att.get("name", "bestand"),
                                    "note": t(f"digest.attachment.{status}", lang)})
                if status == "attached" and att.get("data"):
                    mime = att.get("mime") or "application/octet-stream"
                    parts.append(MailPart(att["name"], mime, base64.b64decode(att["data"])))
            shown.append({
                "sender": item.sender_name,
                "role": t(f"digest.role.{item.sender_role}", lang)
                if item.sender_role in ("teacher", "staff", "student", "parent") else "",
                # The day is left out when the whole mail is about one day.
                "time": f"{local:%H:%M}" if local.date() == today else
                f"{format_day(local.date(), lang)} {local:%H:%M}",
                "text": item.text, "reply_to": item.reply_to_text, "important": item.important,
                "edited": item.edited_at is not None, "attachments": attachments,
            })
        key = "digest.subject_important" if important else "digest.subject"
        subject = t(key, lang, group=group, period=period)
        values = {"items": shown, "group": group, "period": period, "important": important,
                  "intro": t(f"digest.intro_{include}", lang, group=group),
                  "unsubscribe_url": unsubscribe_url, "title": subject}
        return Composed(subject, self._render("digest.txt.jinja", lang, **values),
                        self._render("digest.html.jinja", lang, **values), parts)

    def confirm(self, *, group: str, lang: str, confirm_url: str,
                unsubscribe_url: str) -> Composed:
        subject = t("digest.confirm.subject", lang, group=group)
        values = {"group": group, "confirm_url": confirm_url, "unsubscribe_url": unsubscribe_url,
                  "title": subject}
        return Composed(subject, self._render("confirm.txt.jinja", lang, **values),
                        self._render("confirm.html.jinja", lang, **values))

    def page(self, *, lang: str, title: str, message: str, action: str | None = None,
             button: str | None = None) -> str:
        return self._render("digest_page.html.jinja", lang, title=title, message=message,
                            action=action, button=button, unsubscribe_url=None)


def t_lang(lang: str, key: str, **values: Any) -> str:
    return t(key, lang, **values)


def build_message(composed: Composed, *, from_name: str, from_address: str, to: str,
                  unsubscribe_url: str, list_id: str, now: datetime, msgid_hint: str
                  ) -> EmailMessage:
    """One ready-to-send mail; its Message-ID is fixed here, so a retry is the same mail."""
    domain = from_address.rpartition("@")[2] or "localhost"
    message = EmailMessage()
    message["From"] = formataddr((from_name, from_address))
    message["To"] = to
    message["Subject"] = composed.subject
    message["Date"] = format_datetime(_aware(now))
    message["Message-ID"] = make_msgid(idstring=msgid_hint, domain=domain)
    message["List-Id"] = list_id
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(composed.text, charset="utf-8", cte="quoted-printable")
    message.add_alternative(composed.html, subtype="html", charset="utf-8", cte="quoted-printable")
    for part in composed.attachments:
        maintype, _, subtype = part.mime_type.partition("/")
        message.add_attachment(part.data, maintype=maintype or "application",
                               subtype=subtype or "octet-stream", filename=part.name)
    return message


def guess_name(kind: str, mime: str | None, index: int) -> str:
    ext = mimetypes.guess_extension(mime or "") or ""
    return f"{kind}-{index}{ext}"
