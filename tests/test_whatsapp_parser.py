"""The WhatsApp export parser on every layout and locale, with the odd lines real exports contain.

Each test writes its own small export (invented names and texts), in the exact shape Android and
iOS produce: invisible left-to-right marks, narrow no-break spaces before AM/PM, BOM, CRLF, system
lines with and without a sender, media placeholders, deleted and edited messages.
"""

from __future__ import annotations

import asyncio
import io
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image

from adapters.whatsapp import (
    ExportFormatError,
    MessageKind,
    load_export,
    parse_export,
    to_records,
)
from core.events import AttachmentKind, GroupKind, Role

LRM = "\u200e"
NNBSP = "\u202f"
REPO = Path(__file__).resolve().parents[1]


def lines(*rows: str, newline: str = "\n") -> str:
    return newline.join(rows) + newline


# --- Android, Dutch ------------------------------------------------------------------------------

ANDROID_NL = lines(
    "03-03-2026 08:00 - Berichten en oproepen zijn end-to-end versleuteld. Niemand buiten deze "
    "chat, zelfs WhatsApp niet, kan ze lezen of beluisteren. Tik voor meer informatie.",
    '03-03-2026 08:00 - Mevr. Bakker heeft groep "3B wiskunde" aangemaakt',
    "03-03-2026 08:01 - Mevr. Bakker heeft je toegevoegd",
    "03-03-2026 08:01 - Mevr. Bakker heeft Timo, Ilse en Bram toegevoegd",
    "03-03-2026 08:02 - Mevr. Bakker: Welkom! Hier komen de huiswerkopdrachten.",
    "03-03-2026 08:05 - Timo: <Media weggelaten>",
    "03-03-2026 08:06 - Ilse: heeft iemand de uitwerkingen",
    "van paragraaf 4.2?",
    "en 4.3 ook graag",
    "03-03-2026 08:07 - Bram: Dit bericht is verwijderd",
    "03-03-2026 08:08 - Timo: Je hebt dit bericht verwijderd",
    "03-03-2026 08:09 - Ilse: morgen toets toch? <Dit bericht is bewerkt>",
    "03-03-2026 08:10 - Noor is lid geworden via de uitnodigingslink van deze groep",
    "03-03-2026 08:11 - Mevr. Bakker heeft de groepsinstellingen gewijzigd zodat alleen "
    "beheerders berichten kunnen sturen",
    "03-03-2026 08:12 - Je beveiligingscode met Bram is gewijzigd. Tik voor meer informatie.",
    '03-03-2026 08:13 - Mevr. Bakker heeft de groepsnaam gewijzigd naar "3B: wiskunde"',
    "03-03-2026 08:14 - Bram: Timo heeft de groep verlaten",
    "03-03-2026 08:15 - Timo is vertrokken",
    "03-03-2026 08:16 - Mevr. Bakker heeft Bram verwijderd",
    "13-03-2026 21:30 - Noor: hoi",
)


def test_android_dutch_messages_system_lines_and_placeholders() -> None:
    export = parse_export(ANDROID_NL)
    assert export.platform == "android"
    assert export.date_order == "dmy"
    assert export.group_title == "3B wiskunde"
    texts = [(m.timestamp, m.sender, m.kind, m.text) for m in export.messages]
    assert texts == [
        ("03-03-2026 08:02", "Mevr. Bakker", MessageKind.TEXT,
         "Welkom! Hier komen de huiswerkopdrachten."),
        ("03-03-2026 08:05", "Timo", MessageKind.MEDIA, ""),
        ("03-03-2026 08:06", "Ilse", MessageKind.TEXT,
         "heeft iemand de uitwerkingen\nvan paragraaf 4.2?\nen 4.3 ook graag"),
        ("03-03-2026 08:07", "Bram", MessageKind.DELETED, ""),
        ("03-03-2026 08:08", "Timo", MessageKind.DELETED, ""),
        ("03-03-2026 08:09", "Ilse", MessageKind.TEXT, "morgen toets toch?"),
        # A member *writing* a system-like sentence is still a message.
        ("03-03-2026 08:14", "Bram", MessageKind.TEXT, "Timo heeft de groep verlaten"),
        ("13-03-2026 21:30", "Noor", MessageKind.TEXT, "hoi"),
    ]
    assert export.messages[5].edited and not export.messages[0].edited
    assert [m.line_index for m in export.messages] == [4, 5, 6, 9, 10, 11, 16, 19]
    assert len(export.system_lines) == 10
    system_texts = [s.text for s in export.system_lines]
    assert system_texts[-1] == "Mevr. Bakker heeft Bram verwijderd"
    assert any(t.endswith('naar "3B: wiskunde"') for t in system_texts)
    assert export.members == ["Mevr. Bakker", "Timo", "Ilse", "Bram", "Noor"]
    assert export.messages[-1].sent_at == datetime(2026, 3, 13, 21, 30)
    assert export.total_lines == 20


def test_bom_and_crlf_change_nothing() -> None:
    plain = parse_export(ANDROID_NL)
    windows = parse_export("\ufeff" + ANDROID_NL.replace("\n", "\r\n"))
    assert [(m.timestamp, m.sender, m.text, m.kind) for m in windows.messages] == [
        (m.timestamp, m.sender, m.text, m.kind) for m in plain.messages
    ]
    assert windows.messages[0].timestamp == "03-03-2026 08:02"  # no BOM glued to the first stamp
    assert len(windows.system_lines) == len(plain.system_lines)


# --- Android, English (US): month first, AM/PM with a narrow no-break space ----------------------

ANDROID_EN_US = lines(
    f"1/5/24, 7:58{NNBSP}AM - Messages and calls are end-to-end encrypted. No one outside of this "
    "chat, not even WhatsApp, can read or listen to them. Tap to learn more.",
    f'1/5/24, 7:58{NNBSP}AM - You created group "Grade 8 English"',
    f"1/5/24, 7:59{NNBSP}AM - You added Liam and Emma",
    f"1/5/24, 8:03{NNBSP}AM - Ms. Carter: Reading list is in the shared drive.",
    f"1/5/24, 8:15{NNBSP}AM - Liam: <Media omitted>",
    f"1/5/24, 8:16{NNBSP}AM - Emma: This message was deleted",
    f"1/5/24, 8:17{NNBSP}AM - Ms. Carter: You deleted this message",
    f"1/13/24, 12:05{NNBSP}PM - Emma: which chapters? <This message was edited>",
    f"1/13/24, 12:30{NNBSP}AM - Liam: late night question",
    "second line",
    f"1/13/24, 12:31{NNBSP}AM - Your security code with Emma changed. Tap to learn more.",
    f"1/13/24, 12:32{NNBSP}AM - Noah joined using this group's invite link",
    f"1/13/24, 12:33{NNBSP}AM - Noah left",
    f"1/13/24, 12:34{NNBSP}AM - You removed Liam",
)


def test_android_english_month_first_and_am_pm() -> None:
    export = parse_export(ANDROID_EN_US)
    assert (export.platform, export.date_order) == ("android", "mdy")
    assert export.group_title == "Grade 8 English"
    kinds = [m.kind for m in export.messages]
    assert kinds == [
        MessageKind.TEXT, MessageKind.MEDIA, MessageKind.DELETED, MessageKind.DELETED,
        MessageKind.TEXT, MessageKind.TEXT,
    ]
    edited = export.messages[4]
    assert edited.edited and edited.text == "which chapters?"
    assert edited.timestamp == f"1/13/24, 12:05{NNBSP}PM"  # exactly as written, U+202F kept
    assert edited.sent_at == datetime(2024, 1, 13, 12, 5)
    late = export.messages[5]
    assert late.sent_at == datetime(2024, 1, 13, 0, 30)  # 12:30 AM is half past midnight
    assert late.text == "late night question\nsecond line"
    assert len(export.system_lines) == 7
    assert export.members == ["Ms. Carter", "Liam", "Emma"]


def test_ambiguous_dates_follow_the_layout() -> None:
    """Every day <= 12: slashes with AM/PM read month first, 24-hour dashes day first."""
    us = parse_export(lines(f"2/3/24, 9:00{NNBSP}PM - Ann: hi", f"2/4/24, 9:01{NNBSP}PM - Bo: yo"))
    assert us.date_order == "mdy" and us.messages[0].sent_at == datetime(2024, 2, 3, 21, 0)
    nl = parse_export(lines("02-03-2024 21:00 - An: hoi", "02-04-2024 21:01 - Bo: hey"))
    assert nl.date_order == "dmy" and nl.messages[0].sent_at == datetime(2024, 3, 2, 21, 0)


def test_android_day_first_slashes_with_comma_and_two_digit_year() -> None:
    export = parse_export(lines(
        "28/9/25, 19:04 - Sem: wie heeft het rooster",
        "28/9/25, 19:05 - Sem heeft de groepsafbeelding gewijzigd",
        "1/10/25, 07:30 - Fleur: ik stuur het zo",
    ))
    assert export.date_order == "dmy"
    assert [m.timestamp for m in export.messages] == ["28/9/25, 19:04", "1/10/25, 07:30"]
    assert export.messages[1].sent_at == datetime(2025, 10, 1, 7, 30)
    assert len(export.system_lines) == 1


# --- iOS, Dutch: brackets, seconds, LRM-marked system and attachment lines ------------------------

IOS_NL = lines(
    f"[02-02-2026 09:00:00] 4havo ✨: {LRM}Berichten en gesprekken worden end-to-end versleuteld. "
    "Niemand buiten deze chat, zelfs WhatsApp niet, kan ze lezen of beluisteren.",
    f"{LRM}[02-02-2026 09:00:00] Daan: {LRM}Daan heeft groep “4havo ✨” aangemaakt",
    f"{LRM}[02-02-2026 09:00:01] Daan: {LRM}Daan heeft je toegevoegd",
    "[02-02-2026 09:01:10] Daan: hallo allemaal",
    f"{LRM}[02-02-2026 09:02:00] Sara: {LRM}afbeelding weggelaten",
    f"{LRM}[02-02-2026 09:02:30] Sara: {LRM}sticker weggelaten",
    f"{LRM}[02-02-2026 09:03:00] Daan: {LRM}Dit bericht is verwijderd.",
    f"{LRM}[02-02-2026 09:03:05] Sara: {LRM}Je hebt dit bericht verwijderd.",
    f"{LRM}[02-02-2026 09:04:00] Sara: {LRM}<bijgevoegd: 00000007-PHOTO-2026-02-02-09-04-00.jpg>",
    f"{LRM}[02-02-2026 09:04:30] Sara: Rooster.pdf • {LRM}2 pagina's {LRM}document weggelaten",
    "[02-02-2026 09:05:00] Milan: @\u2068Sara\u2069 dank je",
    "kun je ook de opdracht sturen?",
    f"{LRM}[02-02-2026 09:06:00] Milan: {LRM}Milan heeft Sara verwijderd",
    f"{LRM}[02-02-2026 09:06:30] Daan: {LRM}Je beveiligingscode met Milan is gewijzigd.",
    "[02-02-2026 09:07:00] Daan: video weggelaten is geen bericht hoor",
)


def test_ios_dutch_lrm_marks_system_lines_and_attachments() -> None:
    export = parse_export(IOS_NL)
    assert (export.platform, export.date_order) == ("ios", "dmy")
    assert export.group_title == "4havo ✨"
    got = [(m.timestamp, m.sender, m.kind, m.media_kind, m.media_file, m.text)
           for m in export.messages]
    assert got == [
        ("02-02-2026 09:01:10", "Daan", MessageKind.TEXT, None, None, "hallo allemaal"),
        ("02-02-2026 09:02:00", "Sara", MessageKind.MEDIA, AttachmentKind.IMAGE, None, ""),
        ("02-02-2026 09:02:30", "Sara", MessageKind.MEDIA, AttachmentKind.STICKER, None, ""),
        ("02-02-2026 09:03:00", "Daan", MessageKind.DELETED, None, None, ""),
        ("02-02-2026 09:03:05", "Sara", MessageKind.DELETED, None, None, ""),
        ("02-02-2026 09:04:00", "Sara", MessageKind.MEDIA, AttachmentKind.IMAGE,
         "00000007-PHOTO-2026-02-02-09-04-00.jpg", ""),
        ("02-02-2026 09:04:30", "Sara", MessageKind.MEDIA, AttachmentKind.DOCUMENT, None, ""),
        ("02-02-2026 09:05:00", "Milan", MessageKind.TEXT, None, None,
         "@\u2068Sara\u2069 dank je\nkun je ook de opdracht sturen?"),
        ("02-02-2026 09:07:00", "Daan", MessageKind.TEXT, None, None,
         "video weggelaten is geen bericht hoor"),
    ]
    assert export.messages[7].mentions == ("Sara",)
    assert [s.actor for s in export.system_lines] == ["4havo ✨", "Daan", "Daan", "Milan", "Daan"]
    assert export.messages[0].line_index == 3


# --- iOS, English: month first, seconds, AM/PM ---------------------------------------------------

IOS_EN = lines(
    f"[3/14/24, 9:05:12{NNBSP}PM] Year 9 🧪: {LRM}Messages and calls are end-to-end encrypted. "
    "No one outside of this chat, not even WhatsApp, can read or listen to them.",
    f"{LRM}[3/14/24, 9:05:12{NNBSP}PM] Mr. Hughes: {LRM}Mr. Hughes created group “Year 9 🧪”",
    f"{LRM}[3/14/24, 9:05:13{NNBSP}PM] Mr. Hughes: {LRM}Mr. Hughes added you",
    f"[3/14/24, 9:06:00{NNBSP}PM] Mr. Hughes: Lab reports due Friday.",
    f"{LRM}[3/14/24, 9:07:00{NNBSP}PM] Ava: {LRM}image omitted",
    f"{LRM}[3/14/24, 9:07:30{NNBSP}PM] Ava: "
    f"{LRM}<attached: 00000011-PHOTO-2024-03-14-21-07-30.jpg>",
    f"{LRM}[3/15/24, 7:00:00{NNBSP}AM] Leo: {LRM}This message was deleted.",
    f"{LRM}[3/15/24, 7:01:00{NNBSP}AM] Leo: {LRM}GIF omitted",
    f"[3/15/24, 7:02:00{NNBSP}AM] Leo: ok thanks {LRM}<This message was edited>",
    f"{LRM}[3/15/24, 7:03:00{NNBSP}AM] Ava: {LRM}Ava left",
)


def test_ios_english_month_first() -> None:
    export = parse_export(IOS_EN)
    assert (export.platform, export.date_order) == ("ios", "mdy")
    assert export.group_title == "Year 9 🧪"
    assert [m.kind for m in export.messages] == [
        MessageKind.TEXT, MessageKind.MEDIA, MessageKind.MEDIA, MessageKind.DELETED,
        MessageKind.MEDIA, MessageKind.TEXT,
    ]
    assert export.messages[0].timestamp == f"3/14/24, 9:06:00{NNBSP}PM"
    assert export.messages[0].sent_at == datetime(2024, 3, 14, 21, 6)
    assert export.messages[2].media_file == "00000011-PHOTO-2024-03-14-21-07-30.jpg"
    assert export.messages[4].media_kind is AttachmentKind.VIDEO
    assert export.messages[5].edited and export.messages[5].text == "ok thanks"
    assert len(export.system_lines) == 4


def test_ios_day_first_with_comma() -> None:
    export = parse_export(lines(
        "[25/12/25, 10:00:00] Kim: fijne kerst",
        f"{LRM}[25/12/25, 10:01:00] Kim: {LRM}Kim heeft de groepsbeschrijving gewijzigd",
        "[26/12/25, 08:15:09] Jay: jij ook",
    ))
    assert export.date_order == "dmy"
    assert [m.timestamp for m in export.messages] == ["25/12/25, 10:00:00", "26/12/25, 08:15:09"]
    assert export.messages[1].sent_at == datetime(2025, 12, 26, 8, 15, 9)
    assert len(export.system_lines) == 1


@pytest.mark.parametrize(
    ("text", "platform", "order", "first", "second"),
    [
        ("2024-01-05 09:00 - Ann: hi\n2024-01-13 21:00 - Bo: yo\n", "android", "ymd",
         datetime(2024, 1, 5, 9, 0), datetime(2024, 1, 13, 21, 0)),
        ("[05/01/2024, 9:05:12 a.m.] Ann: hi\n[13/01/2024, 9:05:12 p.m.] Bo: yo\n", "ios", "dmy",
         datetime(2024, 1, 5, 9, 5, 12), datetime(2024, 1, 13, 21, 5, 12)),
        ("05.01.24, 09:05 - Ann: hi\n13.01.24, 21:05 - Bo: yo\n", "android", "dmy",
         datetime(2024, 1, 5, 9, 5), datetime(2024, 1, 13, 21, 5)),
        ("12/1/23, 11:59\u00a0PM - Ann: hi\n12/2/23, 12:00\u00a0AM - Bo: yo\n", "android", "mdy",
         datetime(2023, 12, 1, 23, 59), datetime(2023, 12, 2, 0, 0)),
    ],
)
def test_other_date_and_time_forms(text: str, platform: str, order: str, first: datetime,
                                   second: datetime) -> None:
    export = parse_export(text)
    assert (export.platform, export.date_order) == (platform, order)
    assert [m.sent_at for m in export.messages] == [first, second]
    assert [m.sender for m in export.messages] == ["Ann", "Bo"]


def test_not_an_export_is_refused() -> None:
    with pytest.raises(ExportFormatError):
        parse_export("hallo\ndit is gewoon een tekstbestand\n")


# --- records: what the checker sees ---------------------------------------------------------------


def test_records_send_only_real_content_to_the_rules() -> None:
    export = parse_export(ANDROID_NL)
    records = to_records(export, kind=GroupKind.CLASS, roles={"Mevr. Bakker": Role.TEACHER})
    assert len(records) == len(export.messages)
    checked = [(r.sender, r.event.text) for r in records if r.event is not None]
    assert checked == [
        ("Mevr. Bakker", "Welkom! Hier komen de huiswerkopdrachten."),
        ("Ilse", "heeft iemand de uitwerkingen\nvan paragraaf 4.2?\nen 4.3 ook graag"),
        ("Ilse", "morgen toets toch?"),
        ("Bram", "Timo heeft de groep verlaten"),
        ("Noor", "hoi"),
    ]
    roles = {r.sender: r.event.sender.role for r in records if r.event is not None}
    assert roles == {"Mevr. Bakker": Role.TEACHER, "Ilse": Role.STUDENT, "Bram": Role.STUDENT,
                     "Noor": Role.STUDENT}
    parent = to_records(export, kind=GroupKind.PARENT)
    assert {r.event.sender.role for r in parent if r.event is not None} == {Role.PARENT}
    first = next(r for r in records if r.event is not None)
    assert first.event.sent_at.utcoffset() is not None  # local time of the school, time-zone aware
    assert first.event.edited is False and records[5].event.edited is True


# --- zip exports with media -----------------------------------------------------------------------


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_ios_zip_export_attachments_are_read_from_the_zip(tmp_path: Path) -> None:
    image = _png()
    path = tmp_path / "WhatsApp Chat - 4havo.zip"
    chat = lines(
        "[02-02-2026 09:01:10] Daan: kijk",
        f"{LRM}[02-02-2026 09:04:00] Sara: "
        f"{LRM}<bijgevoegd: 00000007-PHOTO-2026-02-02-09-04-00.png>",
        f"{LRM}[02-02-2026 09:05:00] Sara: "
        f"{LRM}<bijgevoegd: 00000008-PHOTO-2026-02-02-09-05-00.png>",
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("_chat.txt", "\ufeff" + chat)
        archive.writestr("00000007-PHOTO-2026-02-02-09-04-00.png", image)
    source = load_export(path)
    assert len(source.export.messages) == 3
    records = to_records(source.export, kind=GroupKind.CLASS, source=source)
    with_file = records[1].event
    assert with_file is not None and with_file.text == ""
    (attachment,) = with_file.attachments
    assert attachment.kind is AttachmentKind.IMAGE
    assert attachment.mime_type == "image/png" and attachment.size == len(image)
    assert asyncio.run(attachment.fetch()) == image
    # The second file is referenced but not in the zip: counted, nothing to check.
    assert records[2].kind == "media" and records[2].event is None


def test_android_zip_export_with_caption(tmp_path: Path) -> None:
    image = _png()
    path = tmp_path / "WhatsApp-chat met 2C.zip"
    chat = lines(
        "10-04-2026 12:00 - Lotte: IMG-20260410-WA0001.png (bestand bijgevoegd)",
        "zo ziet het rooster eruit",
        "10-04-2026 12:01 - Lotte: dank",
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("WhatsApp-chat met 2C.txt", chat)
        archive.writestr("IMG-20260410-WA0001.png", image)
    source = load_export(path)
    first = source.export.messages[0]
    assert (first.kind, first.media_file, first.text) == (
        MessageKind.MEDIA, "IMG-20260410-WA0001.png", "zo ziet het rooster eruit")
    (record, _) = to_records(source.export, kind=GroupKind.CLASS, source=source)
    assert record.event is not None and record.event.text == "zo ziet het rooster eruit"
    assert asyncio.run(record.event.attachments[0].fetch()) == image


def test_zip_media_over_the_limit_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "chat.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("_chat.txt", lines(
            f"{LRM}[02-02-2026 09:04:00] Sara: {LRM}<attached: 00000001-PHOTO-big.png>"))
        archive.writestr("00000001-PHOTO-big.png", b"\0" * 5000)
    source = load_export(path, max_media_bytes=1000)
    (record,) = to_records(source.export, kind=GroupKind.CLASS, source=source)
    with pytest.raises(ValueError, match="too large"):
        asyncio.run(record.event.attachments[0].fetch())
