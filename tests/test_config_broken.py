"""Broken configs (issue 16): every value validated, one line naming the key, exit code 2, no
traceback; secrets an enabled adapter needs checked at start-up; relative paths resolved against
the config file's folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.checker import Checker
from bot.config import ConfigError, load_config, startup_problems

ROOT = Path(__file__).resolve().parent.parent

GROUP = "[[groups]]\nid = 'telegram:-100123'\nkind = 'class'\n"

# (name, config text, text the one-line error must contain: the key)
BROKEN: list[tuple[str, str, str]] = [
    # values and ranges
    ("negative max_bytes", "[images]\nmax_bytes = -1\n", "images.max_bytes"),
    ("zero max_bytes", "[images]\nmax_bytes = 0\n", "images.max_bytes"),
    ("zero max_pixels", "[images]\nmax_pixels = 0\n", "images.max_pixels"),
    ("zero workers", "[images]\nworkers = 0\n", "images.workers"),
    ("negative image timeout", "[images]\ntimeout_seconds = -5\n", "images.timeout_seconds"),
    ("max_bytes a string", "[images]\nmax_bytes = 'veel'\n", "images.max_bytes"),
    ("retention zero", "[storage.retention]\nfindings_days = 0\n", "storage.retention.findings_days"),
    ("approval timeout negative", "[approval]\ntimeout_hours = -1\n", "approval.timeout_hours"),
    ("telegram download zero", "[adapters.telegram]\nmax_download_bytes = 0\n",
     "adapters.telegram.max_download_bytes"),
    ("matrix power 500", "[adapters.matrix]\nrequired_power_to_redact = 500\n",
     "adapters.matrix.required_power_to_redact"),
    ("smtp timeout zero", "[mail.smtp]\ntimeout_seconds = 0\n", "mail.smtp.timeout_seconds"),
    ("digest attachment negative", GROUP + "[groups.digest]\nmax_attachment_bytes = -1\n",
     "groups.0.digest.max_attachment_bytes"),
    ("batch size zero", "[models]\nbatch_size = 0\n", "models.batch_size"),
    # ports
    ("smtp port 0", "[mail.smtp]\nport = 0\n", "mail.smtp.port"),
    ("smtp port 70000", "[mail.smtp]\nport = 70000\n", "mail.smtp.port"),
    ("webhook port negative", "[adapters.telegram]\nwebhook_port = -1\n",
     "adapters.telegram.webhook_port"),
    ("digest port 65536", "[digest]\nport = 65536\n", "digest.port"),
    # ids per platform and duplicates
    ("telegram:abc group", "[[groups]]\nid = 'telegram:abc'\nkind = 'class'\n", "groups.0.id"),
    ("matrix group without !", "[[groups]]\nid = 'matrix:klas3a'\nkind = 'class'\n", "groups.0.id"),
    ("console group with space", "[[groups]]\nid = 'console:klas 3a'\nkind = 'class'\n",
     "groups.0.id"),
    ("whatsapp group", "[[groups]]\nid = 'whatsapp:1'\nkind = 'class'\n", "groups.0.id"),
    ("duplicate group ids", GROUP + GROUP, "groups.1.id: duplicate group id"),
    ("telegram:abc contact", "[[school.admins]]\nname = 'x'\nchannels = ['telegram:abc']\n",
     "school.admins.0.channels"),
    ("matrix contact bad", "[[school.admins]]\nname = 'x'\nchannels = ['matrix:room']\n",
     "school.admins.0.channels"),
    ("channel without platform", "[[school.admins]]\nname = 'x'\nchannels = ['sms:0612345678']\n",
     "school.admins.0.channels"),
    ("admin_chat_id text", "[adapters.telegram]\nadmin_chat_id = 'beheer'\n",
     "adapters.telegram.admin_chat_id"),
    ("staff_user_ids text", "[adapters.telegram]\nstaff_user_ids = ['juf']\n",
     "adapters.telegram.staff_user_ids"),
    ("matrix user_id", "[adapters.matrix]\nuser_id = 'schoolwacht'\n", "adapters.matrix.user_id"),
    ("matrix management room", "[adapters.matrix]\nmanagement_room = 'beheer'\n",
     "adapters.matrix.management_room"),
    ("matrix staff", "[adapters.matrix]\nstaff = ['mentor']\n", "adapters.matrix.staff"),
    ("matrix homeserver", "[adapters.matrix]\nhomeserver = 'matrix.school.nl'\n",
     "adapters.matrix.homeserver"),
    # mail addresses
    ("mail contact no @", "[[school.admins]]\nname = 'x'\nchannels = ['mail:mentor.school.nl']\n",
     "school.admins.0.channels"),
    ("mail contact two @", "[school.confidential_adviser]\nname = 'vp'\n"
     "channels = ['mail:vp@@school.nl']\n", "school.confidential_adviser.channels"),
    ("mail contact space", "[[school.leadership]]\nname = 'x'\nchannels = ['mail:dir ectie@school.nl']\n",
     "school.leadership.0.channels"),
    ("from_address", "[mail]\nfrom_address = 'schoolwacht'\n", "mail.from_address"),
    ("moderator mail", GROUP + "[[groups.moderators]]\nname = 'm'\nchannels = ['mail:m@']\n",
     "groups.0.moderators.0.channels"),
    # schedules and times
    ("unknown schedule", GROUP + "[groups.digest]\nschedule = 'elke dag'\n",
     "groups.0.digest.schedule"),
    ("weekly without day", GROUP + "[groups.digest]\nschedule = 'weekly 15:00'\n",
     "groups.0.digest.schedule"),
    ("schedule 25:00", GROUP + "[groups.digest]\nschedule = 'daily 25:00'\n",
     "groups.0.digest.schedule"),
    ("timetable end before start", GROUP + "timetable = [{day = 'mon', start = '09:20', "
     "end = '08:30'}]\n", "groups.0.timetable.0"),
    ("timetable end equals start", GROUP + "timetable = [{day = 'mon', start = '09:20', "
     "end = '09:20'}]\n", "groups.0.timetable.0"),
    ("timetable bad time", GROUP + "timetable = [{day = 'mon', start = '8.30', end = '09:20'}]\n",
     "groups.0.timetable.0.start"),
    ("timetable bad day", GROUP + "timetable = [{day = 'maandag', start = '08:30', "
     "end = '09:20'}]\n", "groups.0.timetable.0.day"),
    ("time zone", "[school]\ntimezone = 'Europe/Nergens'\n", "school.timezone"),
    ("language", "[school]\nlanguage = 'de'\n", "school.language"),
    # URLs, secrets named, cross-field rules
    ("webhook url http", "[adapters.telegram]\nwebhook_url = 'http://bot.school.nl/hook'\n",
     "adapters.telegram.webhook_url"),
    ("webhook without url", "[adapters.telegram]\nenabled = true\nmode = 'webhook'\n",
     "adapters.telegram: Value error, mode = \"webhook\" needs webhook_url"),
    ("public_url", "[digest]\npublic_url = 'school.nl'\n", "digest.public_url"),
    ("important tag", "[digest]\nimportant_tag = 'belangrijk'\n", "digest.important_tag"),
    ("token pasted in token_env", "[adapters.telegram]\ntoken_env = '123456:ABC-DEF1234ghIkl'\n",
     "adapters.telegram.token_env"),
    ("smtp username without password", "[mail.smtp]\nusername_env = 'SW_USER'\n"
     "password_env = ''\n", "mail.smtp.password_env"),
    ("smtp username only", "[mail.smtp]\nusername_env = 'SW_USER'\n", "mail.smtp"),
    ("smtp host empty", "[mail.smtp]\nhost = ''\n", "mail.smtp.host"),
    ("database url", "[storage]\nurl = 'mysql://db/sw'\n", "storage.url"),
    ("database url garbage", "[storage]\nurl = 'geen url'\n", "storage.url"),
    ("database password in url", "[storage]\nurl = 'postgresql+psycopg://sw:geheim@db/sw'\n",
     "storage.url"),
    ("mail backend", "[mail]\nbackend = 'pigeon'\n", "mail.backend"),
    ("group kind", "[[groups]]\nid = 'telegram:1'\nkind = 'klas'\n", "groups.0.kind"),
    ("group mode", GROUP + "mode = 'streng'\n", "groups.0.mode"),
    ("unknown key", "[school]\nnaam = 'x'\n", "school.naam: unknown key"),
    ("unknown section", "[telegram]\nenabled = true\n", "telegram: unknown key"),
    ("not TOML", "[storage\n", "not valid TOML"),
    ("not UTF-8", "\udcff", "not valid TOML"),
]

# Broken values that only the policies or escalation settings know (validated at start-up).
BROKEN_POLICIES: list[tuple[str, str, str]] = [
    ("unknown policy", "[policies.class.policies.nope]\nenabled = true\n",
     "policies.class.policies.nope"),
    ("policy unknown key", GROUP + "[groups.policies.harassment]\nallow_words = ['x']\n",
     "groups[0].policies.harassment"),
    ("escalation negative", "[policies.class.escalation]\nburst_count = -3\n",
     "policies.class.escalation"),
    ("escalation reports_to", GROUP + "[groups.escalation]\nreports_to = 'iedereen'\n",
     "escalation"),
]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    return path


@pytest.mark.parametrize(("name", "text", "key"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_config_is_one_line_naming_the_key(tmp_path: Path, name: str, text: str,
                                                  key: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    message = str(info.value)
    assert key in message, message
    assert "\n" not in message
    assert message.startswith(str(tmp_path / "config.toml"))


@pytest.mark.parametrize(("name", "text", "key"), BROKEN_POLICIES,
                         ids=[b[0] for b in BROKEN_POLICIES])
def test_broken_policy_settings_are_one_line(tmp_path: Path, name: str, text: str,
                                             key: str) -> None:
    from bot.escalation.settings import validate_config

    cfg = load_config(write(tmp_path, text))
    with pytest.raises(ConfigError) as info:
        Checker.from_config(cfg)
        validate_config(cfg)  # what the escalation feature checks when the bot starts
    assert key in str(info.value) and "\n" not in str(info.value)


def test_the_list_covers_the_issue() -> None:
    assert len(BROKEN) + len(BROKEN_POLICIES) + len(STARTUP) >= 47


def cli(*args: str, env: dict[str, str] | None = None, stdin: bytes = b"") -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith("SCHOOLWACHT_")}
    full.update(env or {})
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], input=stdin,
                          capture_output=True, cwd=ROOT, timeout=120, env=full)


@pytest.mark.parametrize("case", [BROKEN[0], BROKEN[17], BROKEN[21], BROKEN[39], BROKEN[-1],
                                  BROKEN_POLICIES[1]], ids=lambda c: c[0])
def test_cli_exit_2_one_line_no_traceback(tmp_path: Path, case: tuple[str, str, str]) -> None:
    _, text, key = case
    result = cli("check", "-", "--config", str(write(tmp_path, text)))
    assert result.returncode == 2
    err = result.stderr.decode()
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and key in lines[0] and lines[0].startswith(
        "schoolwacht: configuration error:")


# --- start-up: no adapter, secrets named by an enabled adapter -----------------------------------

STARTUP: list[tuple[str, str, dict[str, str], str]] = [
    ("no adapter enabled", "[adapters.console]\nenabled = false\n", {}, "no adapter enabled"),
    ("telegram token unset", "[adapters.console]\nenabled = false\n[adapters.telegram]\n"
     "enabled = true\ntoken_env = 'SW_TEST_TG'\n", {}, "adapters.telegram.token_env"),
    ("webhook secret unset", "[adapters.telegram]\nenabled = true\nmode = 'webhook'\n"
     "webhook_url = 'https://bot.school.nl/hook'\ntoken_env = 'SW_TEST_TG'\n"
     "webhook_secret_env = 'SW_TEST_HOOK'\n", {"SW_TEST_TG": "1:x"},
     "adapters.telegram.webhook_secret_env"),
    ("matrix no login", "[adapters.matrix]\nenabled = true\naccess_token_env = 'SW_TEST_MX_T'\n"
     "password_env = 'SW_TEST_MX_P'\n", {}, "adapters.matrix"),
    ("smtp password unset", "[mail]\nbackend = 'smtp'\n[mail.smtp]\nusername_env = 'SW_TEST_U'\n"
     "password_env = 'SW_TEST_P'\n", {"SW_TEST_U": "u"}, "mail.smtp.password_env"),
]


@pytest.mark.parametrize(("name", "text", "env", "key"), STARTUP, ids=[s[0] for s in STARTUP])
def test_startup_problems_name_the_key(tmp_path: Path, name: str, text: str,
                                       env: dict[str, str], key: str) -> None:
    problems = startup_problems(load_config(write(tmp_path, text)), env)
    assert len(problems) == 1 and key in problems[0], problems


def test_startup_without_problems_when_secrets_are_set(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, STARTUP[2][1]))
    assert startup_problems(cfg, {"SW_TEST_TG": "1:x", "SW_TEST_HOOK": "h"}) == []
    assert startup_problems(load_config(ROOT / "config.example.toml"), {}) == []


def test_run_refuses_to_start_with_one_line(tmp_path: Path) -> None:
    result = cli("run", "--config", str(write(tmp_path, STARTUP[1][1])))
    assert result.returncode == 2
    err = result.stderr.decode().strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1
    assert "SW_TEST_TG" in err and "adapters.telegram.token_env" in err


# --- relative paths ------------------------------------------------------------------------------


def test_relative_paths_resolve_against_the_config_folder(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "etc"
    folder.mkdir()
    (folder / "config.toml").write_text(
        "[storage]\nurl = 'sqlite:///data/sw.db'\n[mail]\nfolder = 'post'\n"
        "[adapters.console]\nalerts_folder = 'meldingen'\n[adapters.matrix]\n"
        "store_path = 'mx'\n[models]\npath = 'model'\n")
    elsewhere = tmp_path / "elders"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    cfg = load_config(Path("../etc/config.toml"))
    base = folder.resolve()
    assert cfg.storage.url == f"sqlite:///{base}/data/sw.db"
    assert cfg.mail.folder == base / "post"
    assert cfg.adapters.console.alerts_folder == base / "meldingen"
    assert cfg.adapters.matrix.store_path == base / "mx"
    assert cfg.models.path == base / "model"
    assert cfg.path("var/schoolwacht.log") == base / "var/schoolwacht.log"
    # Defaults a file leaves out live beside the file as well; absolute paths stay.
    (folder / "config.toml").write_text("[mail]\nfolder = '/srv/mail'\n")
    cfg = load_config(folder / "config.toml")
    assert cfg.storage.url == f"sqlite:///{base}/var/schoolwacht.db"
    assert cfg.mail.folder == Path("/srv/mail")
    assert cfg.adapters.console.alerts_folder == base / "var/alerts"
    # No file: the built-in defaults stay relative to the working directory.
    assert load_config(None).storage.url == "sqlite:///var/schoolwacht.db"


def test_memory_and_postgres_urls_are_left_alone(tmp_path: Path) -> None:
    for url in ("sqlite://", "sqlite:///:memory:", "postgresql+psycopg://sw@db.school.nl/sw"):
        cfg = load_config(write(tmp_path, f"[storage]\nurl = '{url}'\n"))
        assert cfg.storage.url == url
