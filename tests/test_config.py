"""A bad config stops start-up with one clear line naming the key and what is wrong."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config, parse_config, secret
from bot.groups import PolicyResolver
from tests.core_support import WordRule

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("text", "expected"), [
    ("[school]\nnaam = 'x'\n", "school.naam: unknown key"),
    ("[school]\ntimezone = 'Europe/Nergens'\n", "school.timezone: Value error, unknown time zone"),
    ("[[groups]]\nid = 'whatsapp:1'\nkind = 'class'\n", "groups.0.id"),
    ("[[groups]]\nid = 'telegram:1'\nkind = 'klas'\n", "groups.0.kind"),
    ("[[groups]]\nid = 'telegram:1'\n", "groups.0.kind: Field required"),
    ("[storage\n", "not valid TOML"),
    ("[approval]\ntimeout_hours = -1\n", "approval.timeout_hours"),
])
def test_bad_config_is_one_clear_line(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    message = str(info.value)
    assert expected in message
    assert "\n" not in message
    assert str(tmp_path / "config.toml") in message


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config(tmp_path / "nope.toml")


def test_policy_overrides_are_validated_against_the_policy_schema() -> None:
    cfg = parse_config({"groups": [{"id": "telegram:1", "kind": "class",
                                    "policies": {"word": {"wordz": []}}}]})
    with pytest.raises(ConfigError, match=r"groups\[0\]\.policies\.word\.wordz: unknown key"):
        PolicyResolver(cfg, {"word": WordRule}).validate_config()
    cfg = parse_config({"policies": {"parent": {"policies": {"nope": {}}}}})
    with pytest.raises(ConfigError, match=r"policies\.parent\.policies\.nope: unknown policy"):
        PolicyResolver(cfg, {"word": WordRule}).validate_config()


def test_kind_defaults_and_group_overrides_merge_in_order() -> None:
    cfg = parse_config({
        "policies": {"class": {"policies": {"word": {"words": ["a"]}}}},
        "groups": [{"id": "telegram:1", "kind": "class", "policies": {"word": {"words": ["b"]}}},
                   {"id": "telegram:2", "kind": "staff"}],
    })
    resolver = PolicyResolver(cfg, {"word": WordRule})
    one = resolver.resolve(None, cfg.group("telegram:1"))
    assert one.settings["word"].words == ["b"]  # type: ignore[attr-defined]
    staff = resolver.resolve(None, cfg.group("telegram:2"))
    assert not staff.settings["word"].enabled  # the rule's own per-kind default
    other = resolver.resolve(None, None)
    assert other.settings["word"].words == ["a"]  # type: ignore[attr-defined]


def test_secrets_come_only_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SW_TEST_TOKEN", "geheim")
    assert secret("SW_TEST_TOKEN") == "geheim"
    assert secret("SW_TEST_MISSING") is None
    assert secret(None) is None


def test_example_config_is_valid() -> None:
    cfg = load_config(ROOT / "config.example.toml")
    assert cfg.adapters.console.enabled
    assert cfg.storage.url.startswith("sqlite")


def test_cli_stops_with_exit_2_and_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "[mail]\nbackend = 'pigeon'\n")
    result = subprocess.run([sys.executable, "-m", "bot.cli", "run", "--config", str(path)],
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "mail.backend" in lines[0]
