"""`make run`'s main job: the console chat on the example config, driven through a pipe."""

from __future__ import annotations

from pathlib import Path

from tests.core_support import run_console
from tests.privacy_support import alerts, keys_in

ROOT = Path(__file__).resolve().parent.parent


def test_console_chat_shows_what_the_bot_does(tmp_path: Path) -> None:
    out = run_console(tmp_path, [
        "Wanneer is de toets van wiskunde?",
        "bel Daan maar op 06-12345678 hoor",
        "/regels",
        "/als Juf Jansen teacher",
        "/status",
        "/als Mentor 3A teacher",
        "/status",
        "/groep nieuwe-groep",
        "/approve console:nieuwe-groep",
        "/als Beheer staff",
        "/approve console:nieuwe-groep",
        "/stop",
    ])
    assert "Je bent Sam (student) in groep console:3a." in out
    assert "#2 Sam: bel Daan" in out
    # Someone else's phone number: the bot acts in the group, citing the protocol, kindly.
    assert "🗑  [bot] bericht #2 in 3a verwijderd" in out
    # Sam hears it privately; the group reads a notice that names nobody.
    assert "🔒 [privé aan sam]" in out and "AVG" in out
    notice = next(line for line in out.splitlines() if line.startswith("🤖 [bot → 3a]")
                  and "uit de groep gehaald" in line)
    assert "Sam" not in notice
    assert "🔔 [melding → mentor-3a]" in out
    assert "De afspraken in deze groep (klasgroep)" in out
    assert "🔒 [privé aan Mentor 3A] Status van Klas 3A" in out
    # A teacher who is not configured for this group sees nothing of it.
    assert "🔒 [privé aan Juf Jansen] Sorry, dit kan ik niet voor je doen" in out
    assert "wacht op goedkeuring" in out  # the new group waits (B.1)
    assert "alleen beheerders en de schoolleiding" in out  # a mentor cannot approve (B.1)
    assert "Deze groep is goedgekeurd door school" in out
    # State lives where the example config says: ./var
    assert (tmp_path / "var" / "schoolwacht.db").exists()
    assert (tmp_path / "var" / "alerts" / "alerts.jsonl").exists()
    log = (tmp_path / "var" / "schoolwacht.log").read_text()
    assert "12345678" not in log and "Daan" not in log  # logs never carry contents


def test_alerts_survive_a_restart_without_duplicates(tmp_path: Path) -> None:
    run_console(tmp_path, ["bel Daan maar op 06-12345678", "/stop"])
    run_console(tmp_path, ["/stop"])
    lines = alerts(tmp_path / "var" / "alerts", keys_in(tmp_path))
    assert len([a for a in lines if "mentor-3a" in a]) == 1
