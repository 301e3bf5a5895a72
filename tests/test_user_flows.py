"""What teachers, students, parents and moderators meet in the console chat on the example config
(`make run`): flows found while using the product, each kept as a regression test."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from core.delivery import TemporaryDeliveryError
from core.events import MessageEvent, Role, Sender
from tests.core_support import core_app, run_console
from tests.privacy_support import alerts as read_alerts
from tests.privacy_support import keys_in

ROOT = Path(__file__).resolve().parent.parent
STUDENT = Sender("s1", "Sanne", Role.STUDENT)


def log_events(tmp_path: Path) -> list[dict]:
    lines = (tmp_path / "var" / "schoolwacht.log").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_flagged_message_in_a_digest_group_is_withdrawn_without_errors(tmp_path: Path) -> None:
    # Class 3A mirrors staff messages by mail (B.3); a flagged message is withdrawn from the queue.
    run_console(tmp_path, ["Daan je bent echt een sukkel", "/stop"])
    events = log_events(tmp_path)
    assert [e for e in events if e["level"] == "error"] == []
    assert any(e["event"] == "digest item withdrawn" for e in events)


def test_quiet_report_as_a_reply_leaves_no_trace_in_the_group(tmp_path: Path) -> None:
    out = run_console(tmp_path, [
        "/als Noor student", "Heeft iemand de aantekeningen van biologie?",
        "/als Mo student", "/antwoord 1 jij bent echt een sukkel",
        "/als Tim student", "/antwoord 2 /meld ze doen al weken zo tegen Noor",
        "/stop",
    ])
    assert "#2 Mo (antwoord op #1): jij bent echt een sukkel" in out
    # The report is not a group message: no "#3 Tim", no reminder answering it.
    assert "#3" not in out and "Tim:" not in out and "(antwoord op #3)" not in out
    group_lines = [line for line in out.splitlines() if line.startswith("🤖 [bot → 3a]")]
    assert not any("meld" in line.lower() or "Tim" in line for line in group_lines)
    assert "🔒 [privé aan Tim] Dank je wel. Je melding is stil doorgegeven" in out
    adviser = out.split("🔔 [melding → vertrouwenspersoon]", 1)[1]
    assert "bericht van Mo" in adviser and "ze doen al weken zo tegen Noor" in adviser


def test_second_removed_message_is_still_explained_and_insult_alert_is_not_about_topic(
        tmp_path: Path) -> None:
    out = run_console(tmp_path, [
        "/als Lisa student",
        "wie gaat er zaterdag mee naar het feest bij mij thuis?",   # off topic: a reminder
        "Bram je bent een sukkel",                                  # an insult, mild
        "Het nummer van Emma is 06-12345678, app haar maar",        # removed and explained
        "Emma woont op de Kerkstraat 12 in Zwolle",                 # removed: explained again
        "/stop",
    ])
    assert "🗑  [bot] bericht #3 in 3a verwijderd" in out
    assert "🗑  [bot] bericht #4 in 3a verwijderd" in out
    after_4 = out.split("bericht #4 in 3a verwijderd", 1)[1]
    # Lisa is told privately why #4 disappeared; the group reads a notice naming nobody.
    assert "🔒 [privé aan lisa]" in after_4.split("🔔", 1)[0]
    group_notice = next(line for line in after_4.splitlines() if line.startswith("🤖 [bot → 3a]"))
    assert "Lisa" not in group_notice
    # The insult got its own reminder (A.10); no alert calls it 'niet schoolgerelateerd'.
    alerts = [json.loads(line) for line in
              read_alerts(tmp_path / "var" / "alerts", keys_in(tmp_path))]
    assert not any("niet schoolgerelateerd" in a["text"] for a in alerts)
    reminders = [line for line in out.splitlines() if line.startswith("🔒 [privé aan lisa]")]
    assert any("A.10" in line for line in reminders) and "(antwoord op #2)" not in out


def test_alert_in_observe_mode_does_not_claim_the_message_was_removed(tmp_path: Path) -> None:
    out = run_console(tmp_path, [
        "/groep ouders-3a", "/als Mentor 3A teacher", "/beleid modus observe",
        "/als Moeder van Emma parent", "Het mobiele nummer van juf Anna is 06-12345678",
        "/stop",
    ])
    assert "🗑" not in out
    alert = out.split("🔔 [melding → mentor-3a]", 1)[1]
    gedaan = next(line for line in alert.splitlines() if "Gedaan:" in line)
    assert "verwijderd" not in gedaan and "aangesproken" not in gedaan
    assert "observatiemodus" in gedaan


async def test_alert_says_when_removing_the_message_failed(tmp_path: Path) -> None:
    app = await core_app(tmp_path)
    try:
        async def refused(chat_id: str, message_id: str, *, reason: str) -> bool:
            return False  # no right to delete, or the platform refused for good

        app.port.delete_message = refused  # type: ignore[method-assign]
        await app.on_message(MessageEvent(platform="console", group_id="klas", message_id="7",
                                          sender=STUDENT, text="jij bent een rotzak"))
        await app.dispatcher.deliver_due()
        text = app.port.of("alert")[0].detail["text"]
        gedaan = next(line for line in text.splitlines() if line.startswith("Gedaan:"))
        assert gedaan == "Gedaan: afzender aangesproken; bericht kon niet worden verwijderd"
    finally:
        await app.stop()


async def test_a_removal_that_fails_for_now_is_retried_and_the_alert_waits_for_it(
        tmp_path: Path) -> None:
    import asyncio

    app = await core_app(tmp_path)
    try:
        app.port.fail_next = TemporaryDeliveryError("flood limit", retry_after=0.2)
        await app.on_message(MessageEvent(platform="console", group_id="klas", message_id="7",
                                          sender=STUDENT, text="jij bent een rotzak"))
        await app.dispatcher.deliver_due()
        assert app.port.of("delete") == [] and app.port.of("alert") == []  # not claimed done
        for _ in range(50):
            await asyncio.sleep(0.1)
            await app.dispatcher.deliver_due()
            if app.port.of("alert"):
                break
        assert len(app.port.of("delete")) == 1
        (alert,) = app.port.of("alert")
        gedaan = next(line for line in alert.detail["text"].splitlines()
                      if line.startswith("Gedaan:"))
        assert gedaan == "Gedaan: bericht verwijderd, afzender aangesproken"
    finally:
        await app.stop()


def test_status_and_policy_speak_dutch_to_a_teacher(tmp_path: Path) -> None:
    out = run_console(tmp_path, ["/als Mentor 3A teacher", "/status", "/beleid",
                                 "/beleid modus observe", "/policy", "/stop"])
    status = out.split("🔒 [privé aan Mentor 3A] Status van Klas 3A", 1)[1]
    assert "Goedkeuring: goedgekeurd" in status and "Modus: ingrijpen (enforce)" in status
    assert "approved" not in status
    assert "Modus van deze groep is nu: alleen meekijken (observe)." in out
    assert "Mode: observe" in out  # /policy asks for English


def test_scan_report_says_1_bericht_not_1_berichten(tmp_path: Path) -> None:
    export = tmp_path / "chat.txt"
    export.write_text(
        "[04-02-2026 08:01:10] Meneer Visser: Vandaag gym in zaal 2\n"
        "[04-02-2026 08:02:00] Koen: ilse jij bent echt een sukkel en een loser\n"
        "[04-02-2026 08:03:00] Ilse: Oké\n"
        "[04-02-2026 08:03:30] Ilse: Oké, tot zo\n"
        "[04-02-2026 08:03:50] Sanne: ja\n"
        "[04-02-2026 08:04:00] Koen: sanne jij bent ook een sukkel\n",
        encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "scan", str(export), "--staff", "Meneer Visser",
         "--format", "md", "--context", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "met 1 bericht ervoor en erna" in result.stdout
    assert "… 1 bericht overgeslagen …" in result.stdout
    assert "1 berichten" not in result.stdout


def test_approve_without_a_group_explains_how(tmp_path: Path) -> None:
    out = run_console(tmp_path, ["/als Beheer staff", "/approve", "/afwijzen", "/stop"])
    assert "Die opdracht ken ik niet" not in out
    assert "🔒 [privé aan Beheer] Gebruik: /approve <groep> [class|parent|staff]" in out
    assert "🔒 [privé aan Beheer] Gebruik: /afwijzen <groep>" in out
