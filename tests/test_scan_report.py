"""``schoolwacht scan``: the report lists every flagged message in every format (real rules).

The exports are written by the tests (invented names and numbers). Flagged messages are ones the
personal-data rule clearly catches (someone else's phone number or e-mail address); the tests also
check the report against the checker run message by message, so nothing flagged is left out and
nothing else is added. The HTML report is opened in headless Chromium and read back from the DOM.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import zipfile
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from adapters.whatsapp.scan import prepare_scan, scan_export
from bot.checker import Checker
from bot.i18n import t
from bot.scan import build_report
from bot.scan_render import render_html, render_json, render_markdown, report_json
from core.events import GroupKind, Role

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
LRM = "\u200e"
NNBSP = "\u202f"

# Android, Dutch: 10 messages (one multi-line), 2 system lines, a media placeholder, a deleted one.
ANDROID_CHAT = "\n".join([
    "12-05-2026 15:00 - Berichten en oproepen zijn end-to-end versleuteld. Niemand buiten deze "
    "chat, zelfs WhatsApp niet, kan ze lezen of beluisteren. Tik voor meer informatie.",
    '12-05-2026 15:00 - Dhr. Visser heeft groep "2A" aangemaakt',
    "12-05-2026 15:01 - Dhr. Visser: Morgen vervalt het eerste uur.",
    "12-05-2026 15:02 - Jesse: oke",
    "12-05-2026 15:03 - Amir: <Media weggelaten>",
    "12-05-2026 15:04 - Jesse: het nummer van Lieke is 06-48271935 bel haar maar",
    "12-05-2026 15:05 - Lieke: welke opgaven moeten we maken voor wiskunde?",
    "12-05-2026 15:06 - Amir: Dit bericht is verwijderd",
    "12-05-2026 15:07 - Jesse: en haar mail is lieke.jansen2011@gmail.com",
    "12-05-2026 15:08 - Dhr. Visser: Opgave 1 tot en met 8 van paragraaf 3.2.",
    "13-05-2026 19:30 - Bo: hier is het nummer van Amir:",
    "+31 6 39284756",
    "13-05-2026 19:31 - Lieke: is de toets van biologie morgen in lokaal 2.14?",
]) + "\n"
# Someone else's phone number or e-mail address: the personal-data rule flags these for certain.
# (Other rules may flag more; the tests compare with the checker run message by message.)
ANDROID_FLAGGED = [
    ("12-05-2026 15:04", "Jesse"),
    ("12-05-2026 15:07", "Jesse"),
    ("13-05-2026 19:30", "Bo"),
]

# iOS, English (US): AM/PM with a narrow no-break space, LRM-marked system and media lines.
IOS_CHAT = "\n".join([
    f"[4/2/25, 8:00:00{NNBSP}AM] Year 8 Maths: {LRM}Messages and calls are end-to-end encrypted. "
    "No one outside of this chat, not even WhatsApp, can read or listen to them.",
    f"{LRM}[4/2/25, 8:00:01{NNBSP}AM] Ms. Reed: {LRM}Ms. Reed created group “Year 8 Maths”",
    f"[4/2/25, 8:01:00{NNBSP}AM] Ms. Reed: Homework: page 42, questions 1-6.",
    f"[4/2/25, 8:02:10{NNBSP}AM] Oscar: thanks miss",
    f"{LRM}[4/2/25, 8:03:00{NNBSP}AM] Ruby: {LRM}image omitted",
    f"[4/2/25, 9:15:45{NNBSP}PM] Oscar: this is Ruby's number 06 18273645, text her",
    f"{LRM}[4/2/25, 9:16:00{NNBSP}PM] Ruby: {LRM}This message was deleted.",
    f"[4/2/25, 9:17:30{NNBSP}PM] Finn: not cool oscar",
    f"[4/13/25, 7:45:00{NNBSP}AM] Ruby: see you in class",
]) + "\n"
IOS_FLAGGED = [(f"4/2/25, 9:15:45{NNBSP}PM", "Oscar")]


@pytest.fixture
async def checker():
    checker = Checker.from_config(None)
    yield checker
    await checker.aclose()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "scan", *args],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
    )


async def flagged_one_by_one(path: Path, checker: Checker, kind: GroupKind) -> list[tuple]:
    """The reference: every message judged on its own by the checker."""
    prepared = prepare_scan(path, kind=kind)
    out = []
    for record in prepared.records():
        if record.event is not None and (await checker.evaluate(record.event, kind)).flags:
            out.append((record.timestamp, record.sender))
    return out


# --- JSON contract -------------------------------------------------------------------------------


async def test_json_report_lists_every_flagged_message(tmp_path: Path, checker: Checker) -> None:
    export = write(tmp_path, "WhatsApp-chat met 2A.txt", ANDROID_CHAT)
    out = tmp_path / "report.json"
    proc = await asyncio.to_thread(run_cli, str(export), "--format", "json", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text("utf-8"))

    assert report["messages_total"] == 10  # system lines excluded, the two-line message once
    assert report["members"] == ["Dhr. Visser", "Jesse", "Amir", "Lieke", "Bo"]
    keys = [(f["timestamp"], f["sender"]) for f in report["findings"]]
    reference = await flagged_one_by_one(export, checker, GroupKind.CLASS)
    assert keys == reference  # every flagged message, in chat order, nothing else
    by_key = {(f["timestamp"], f["sender"]): f for f in report["findings"]}
    for key in ANDROID_FLAGGED:
        finding = by_key[key]
        assert "personal_data" in finding["flags"] and "AVG" in finding["articles"]
        assert finding["reasons"] and all(isinstance(r, str) and r for r in finding["reasons"])
    for finding in report["findings"]:
        assert set(finding) >= {"timestamp", "sender", "text", "flags", "severity", "articles"}
        assert finding["severity"] in ("low", "medium", "high", "critical")
        assert finding["flags"] == sorted(finding["flags"])
    multi = by_key[("13-05-2026 19:30", "Bo")]
    assert multi["text"] == "hier is het nummer van Amir:\n+31 6 39284756"
    assert multi["line_index"] == 10
    assert report["counts"] == {"text": 8, "media": 1, "deleted": 1, "system_lines": 2,
                                "flagged": len(reference)}
    assert report["period"]["start"] == "12-05-2026 15:01"
    assert report["period"]["end"] == "13-05-2026 19:31"
    assert report["per_article"]["AVG"] == 3
    assert report["per_article"] == dict(Counter(a for f in report["findings"]
                                                 for a in f["articles"]))
    per_member = {m["name"]: m["flagged"] for m in report["per_member"]}
    assert per_member == {name: sum(1 for _, s in reference if s == name)
                          for name in report["members"]}
    assert per_member["Jesse"] >= 2 and per_member["Bo"] >= 1
    assert report["per_member"][0]["flagged"] == max(per_member.values())


async def test_ios_english_json_keeps_timestamps_as_written(tmp_path: Path,
                                                            checker: Checker) -> None:
    export = write(tmp_path, "_chat.txt", IOS_CHAT)
    result = await scan_export(export, checker, kind=GroupKind.CLASS)
    data = report_json(build_report(result))
    assert data["messages_total"] == 7
    assert data["members"] == ["Ms. Reed", "Oscar", "Ruby", "Finn"]
    keys = [(f["timestamp"], f["sender"]) for f in data["findings"]]
    assert set(IOS_FLAGGED) <= set(keys)  # U+202F before PM kept, no brackets
    assert keys == await flagged_one_by_one(export, checker, GroupKind.CLASS)
    assert data["layout"] == "ios" and data["group_title"] == "Year 8 Maths"


async def test_parent_group_roles_and_staff(tmp_path: Path, checker: Checker) -> None:
    export = write(tmp_path, "ouders.txt", ANDROID_CHAT)
    prepared = prepare_scan(export, kind=GroupKind.PARENT, roles={"dhr. visser": Role.TEACHER,
                                                                   "Nobody": Role.STAFF})
    roles = {r.sender: r.event.sender.role for r in prepared.records() if r.event is not None}
    assert roles["Dhr. Visser"] is Role.TEACHER and roles["Jesse"] is Role.PARENT
    assert prepared.staff == ("Dhr. Visser",) and prepared.unknown_names == ["Nobody"]
    result = await prepared.run(checker)
    assert [(f.record.timestamp, f.record.sender) for f in result.flagged] == \
        await flagged_one_by_one(export, checker, GroupKind.PARENT)


async def test_zip_images_go_through_the_image_rules(tmp_path: Path, checker: Checker) -> None:
    """A chat screenshot attached in a zip export is flagged (A.8); a camera photo is not."""
    from tests.imagegen import generate

    screenshot, photo = generate(1, 1, seed=1, styles=("whatsapp_light",), negatives=("photo",))
    names = ["00000002-PHOTO-2026-02-02-21-05-00.png", "00000003-PHOTO-2026-02-02-21-06-00.jpg"]
    export = tmp_path / "WhatsApp Chat - 3C.zip"
    with zipfile.ZipFile(export, "w") as archive:
        archive.writestr("_chat.txt", "\n".join([
            "[02-02-2026 21:04:00] Daan: moet je zien wat ze zei",
            f"{LRM}[02-02-2026 21:05:00] Daan: {LRM}<bijgevoegd: {names[0]}>",
            f"{LRM}[02-02-2026 21:06:00] Sara: {LRM}<bijgevoegd: {names[1]}>",
        ]) + "\n")
        archive.writestr(names[0], screenshot.data)
        archive.writestr(names[1], photo.data)
    data = report_json(build_report(await scan_export(export, checker)))
    by_time = {f["timestamp"]: f for f in data["findings"]}
    leaked = by_time["02-02-2026 21:05:00"]
    assert "leaked_screenshot" in leaked["flags"] and "A.8" in leaked["articles"]
    assert leaked["attachments"] == [names[0]] and leaked["sender"] == "Daan"
    other = by_time.get("02-02-2026 21:06:00")
    assert other is None or "leaked_screenshot" not in other["flags"]


# --- pseudonymisation -----------------------------------------------------------------------------


async def test_pseudonymise_hides_bystanders_everywhere(tmp_path: Path, checker: Checker) -> None:
    export = write(tmp_path, "chat.txt", ANDROID_CHAT)
    result = await scan_export(export, checker, roles={"Dhr. Visser": Role.TEACHER})
    report = build_report(result, pseudonymise=True, pseudonym_label=t("scan.pseudonym", "nl"))
    data = report_json(report)
    flagged_senders = {f.record.sender for f in result.flagged}
    assert not flagged_senders & {"Amir", "Lieke"}  # the two bystanders of this chat
    # Flagged members and staff keep their names; bystanders become "Deelnemer n" in order.
    assert data["members"] == ["Dhr. Visser", "Jesse", "Deelnemer 1", "Deelnemer 2", "Bo"]
    texts = {(f["timestamp"], f["sender"]): f["text"] for f in data["findings"]}
    assert texts[ANDROID_FLAGGED[0]] == "het nummer van Deelnemer 2 is 06-48271935 bel haar maar"
    assert texts[ANDROID_FLAGGED[2]] == "hier is het nummer van Deelnemer 1:\n+31 6 39284756"
    for rendered in (render_json(report), render_markdown(report), render_html(report)):
        assert "Lieke" not in rendered and "lieke" not in rendered
        assert "Amir" not in rendered
        assert "Jesse" in rendered and "Dhr. Visser" in rendered
    plain = render_json(build_report(result))
    assert "Lieke" in plain and "Amir" in plain


# --- context, summary and formats ----------------------------------------------------------------


async def test_timeline_shows_flagged_messages_in_context(tmp_path: Path,
                                                          checker: Checker) -> None:
    filler = [f"14-05-2026 10:{i:02d} - Bo: vraag {i} over het huiswerk" for i in range(20)]
    chat = ANDROID_CHAT + "\n".join(filler) + "\n14-05-2026 11:00 - Bo: bel Amir op 0612983746\n"
    export = write(tmp_path, "chat.txt", chat)
    report = build_report(await scan_export(export, checker), context=2)
    flagged = [e.record.timestamp for s in report.timeline for e in s.entries if e.flagged]
    reference = [stamp for stamp, _ in await flagged_one_by_one(export, checker, GroupKind.CLASS)]
    assert flagged == reference
    assert {k for k, _ in ANDROID_FLAGGED} | {"14-05-2026 11:00"} <= set(flagged)
    assert not any(stamp.startswith("14-05-2026 10:") for stamp in flagged)  # homework questions
    # Every flagged message is shown with 2 messages before and after it; overlapping windows
    # merge; what is not shown is counted as skipped.
    shown = [e.record.index for seg in report.timeline for e in seg.entries]
    assert shown == sorted(set(shown))
    for seg in report.timeline:
        indexes = [e.record.index for e in seg.entries]
        assert indexes == list(range(indexes[0], indexes[-1] + 1))
        for entry in seg.entries:
            if entry.flagged:
                assert entry.record.index - 2 in indexes or entry.record.index < 2
                assert entry.record.index + 2 in indexes or entry.record.index + 2 >= 31
    total = report.messages_total
    assert total == 31
    assert sum(seg.skipped_before for seg in report.timeline) + len(shown) == \
        report.timeline[-1].entries[-1].record.index + 1
    last = report.timeline[-1]
    assert [e.record.timestamp for e in last.entries] == ["14-05-2026 10:18", "14-05-2026 10:19",
                                                          "14-05-2026 11:00"]
    assert last.skipped_before == 17
    # The most serious moments come first; ties keep chat order.
    severities = [m.flagged.severity for m in report.moments]
    assert severities == sorted(severities, reverse=True)


async def test_markdown_report(tmp_path: Path) -> None:
    export = write(tmp_path, "chat.txt", ANDROID_CHAT)
    proc = await asyncio.to_thread(run_cli, str(export), "--format", "md")
    assert proc.returncode == 0, proc.stderr
    md = proc.stdout
    assert md.startswith("# " + t("scan.title", "nl"))
    assert f"**{t('scan.messages_total', 'nl')}:** 10" in md
    assert f"**{t('scan.findings_total', 'nl')}:** " in md
    assert "| AVG |" in md
    for stamp, _ in ANDROID_FLAGGED:
        assert f"⚠️ `{stamp}`" in md


async def test_clean_chat_says_so(tmp_path: Path, checker: Checker) -> None:
    export = write(tmp_path, "chat.txt", "01-09-2026 08:00 - Eva: wanneer is de toets?\n"
                                         "01-09-2026 08:05 - Mevr. Kok: vrijdag, hoofdstuk 2.\n")
    report = build_report(await scan_export(export, checker))
    data = report_json(report)
    assert data["messages_total"] == 2 and data["findings"] == [] and report.timeline == []
    assert t("scan.none_found", "nl") in render_html(report)


async def test_progress_is_reported_for_every_message(tmp_path: Path, checker: Checker) -> None:
    chat = "".join(f"02-09-2026 09:{i % 60:02d} - Eva: bericht {i}\n" for i in range(1234))
    prepared = prepare_scan(write(tmp_path, "chat.txt", chat))
    seen: list[int] = []
    await prepared.run(checker, seen.append)
    assert sum(seen) == 1234 and len(seen) > 1


def test_unreadable_or_foreign_file_exits_with_2(tmp_path: Path) -> None:
    proc = run_cli(str(tmp_path / "missing.txt"))
    assert proc.returncode == 2 and "missing.txt" in proc.stderr
    proc = run_cli(str(write(tmp_path, "notes.txt", "boodschappen\nbrood\n")), "--format", "json")
    assert proc.returncode == 2 and proc.stdout == ""


# --- HTML in a real browser ----------------------------------------------------------------------


class _Dom(HTMLParser):
    """Collects elements by id (attributes and text), rows by data-member, and tag names."""

    def __init__(self) -> None:
        super().__init__()
        self.by_id: dict[str, dict] = {}
        self.members: dict[str, dict[str, str | None]] = {}
        self.articles: dict[str, dict[str, str | None]] = {}
        self.flagged_items: list[dict[str, str | None]] = []
        self.tags: set[str] = set()
        self.style = ""
        self._open: list[tuple[str, str]] = []  # (tag, id) whose text is being collected
        self._in_style = False
        self.html_lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        data = dict(attrs)
        self.tags.add(tag)
        if tag == "html":
            self.html_lang = data.get("lang")
        if tag == "style":
            self._in_style = True
        if data.get("id"):
            self.by_id[data["id"]] = {"attrs": data, "text": ""}
            self._open.append((tag, data["id"]))
        if tag == "tr" and "data-member" in data:
            self.members[data["data-member"] or ""] = data
        if tag == "tr" and "data-article" in data:
            self.articles[data["data-article"] or ""] = data
        if tag == "li" and "flagged" in (data.get("class") or "").split():
            self.flagged_items.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False
        if self._open and self._open[-1][0] == tag:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.style += data
        for _, ident in self._open:
            self.by_id[ident]["text"] += data


def dump_dom(html_file: Path, profile: Path) -> str:
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={profile}", "--dump-dom", html_file.as_uri()],
        capture_output=True, text=True, timeout=90, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


async def test_html_report_read_back_in_headless_chromium(tmp_path: Path,
                                                          checker: Checker) -> None:
    export = write(tmp_path, "WhatsApp-chat met 2A.txt", ANDROID_CHAT)
    out = tmp_path / "rapport.html"
    proc = await asyncio.to_thread(run_cli, str(export), "--format", "html", "--out", str(out),
                                   "--staff", "Dhr. Visser")
    assert proc.returncode == 0, proc.stderr
    source = out.read_text("utf-8")
    # Self-contained: no scripts, no linked files, nothing fetched from elsewhere.
    for needle in ("<script", "<link", "src=", "url(", "http://", "https://", "@import"):
        assert needle not in source
    dom = _Dom()
    dom.feed(await asyncio.to_thread(dump_dom, out, tmp_path / "chromium-profile"))

    assert dom.html_lang == "nl"
    assert dom.by_id["report-title"]["text"].strip() == t("scan.title", "nl")
    assert dom.by_id["summary-title"]["text"].strip() == t("scan.summary", "nl")
    assert dom.by_id["messages-total"]["attrs"]["data-value"] == "10"
    assert dom.by_id["messages-total"]["text"].strip() == "10"
    reference = await flagged_one_by_one(export, checker, GroupKind.CLASS)
    assert dom.by_id["findings-total"]["text"].strip() == str(len(reference))
    assert dom.by_id["members-count"]["text"].strip() == "5"
    assert dom.by_id["system-lines"]["text"].strip() == "2"
    period = dom.by_id["period"]
    assert period["attrs"]["data-start"] == "12-05-2026 15:01"
    assert period["attrs"]["data-end"] == "13-05-2026 19:31"
    assert period["text"].strip() == t("scan.period_value", "nl", start="12-05-2026 15:01",
                                       end="13-05-2026 19:31")
    assert dom.by_id["group-title"]["text"].strip() == "2A"
    assert {name: row["data-flagged"] for name, row in dom.members.items()} == {
        name: str(sum(1 for _, s in reference if s == name))
        for name in ("Jesse", "Bo", "Dhr. Visser", "Amir", "Lieke")}
    assert dom.members["Jesse"]["data-messages"] == "3"
    assert dom.articles["AVG"]["data-count"] == "3"
    assert [(li["data-timestamp"], li["data-sender"]) for li in dom.flagged_items] == reference
    flags_of = {(li["data-timestamp"], li["data-sender"]): li["data-flags"].split()
                for li in dom.flagged_items}
    assert all("personal_data" in flags_of[key] for key in ANDROID_FLAGGED)
    assert dom.by_id["pseudonymised"]["attrs"]["data-value"] == "false"
    # Printable: a print style sheet that keeps messages whole and colours visible.
    assert "@media print" in dom.style and "break-inside: avoid" in dom.style


def test_off_topic_chat_and_loose_swearing_are_not_evidence_on_their_own() -> None:
    from bot.scan import reportable
    from core.findings import Finding, Severity

    off_topic = Finding("topic", "off_topic", "B.2", 0.9, Severity.NONE, "geen schoolonderwerp")
    swearing = Finding("harassment", "profanity", "P.3", 0.4, Severity.LOW, "vloek")
    insult = Finding("harassment", "harassment", "A.10", 0.9, Severity.MEDIUM, "belediging")
    phone = Finding("personal_data", "personal_data", "AVG", 0.9, Severity.MEDIUM, "nummer")
    assert not reportable([off_topic])
    assert not reportable([swearing, off_topic])
    assert reportable([insult, off_topic])
    assert reportable([phone])
