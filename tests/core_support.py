"""Helpers for tests of the core: a deterministic rule and an app on a temporary database."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field

from bot.config import AppConfig, parse_config
from core.events import GroupKind, MessageEvent
from core.findings import ActionKind, Finding, Severity
from policies.base import PolicyContext, PolicySettings, TextPolicy
from policies.text import TextView


class WordSettings(PolicySettings):
    words: list[str] = Field(default_factory=lambda: ["rotzak"])
    actions: dict[str, list[ActionKind]] = Field(default_factory=lambda: {
        "low": [ActionKind.REMIND],
        "medium": [ActionKind.DELETE, ActionKind.WARN, ActionKind.NOTIFY],
        "critical": [ActionKind.DELETE, ActionKind.NOTIFY, ActionKind.ESCALATE],
    })


class WordRule(TextPolicy):
    """Flags configured words: medium, or low when written as 'zacht:<word>' (test-only rule)."""

    name: ClassVar[str] = "word"
    flag: ClassVar[str] = "harassment"
    article: ClassVar[str] = "A.10"
    settings_model = WordSettings
    kind_defaults: ClassVar[dict[GroupKind, dict[str, Any]]] = {GroupKind.STAFF: {"enabled": False}}

    def check_text(self, text: TextView, ctx: PolicyContext, event: MessageEvent) -> list[Finding]:
        settings = ctx.settings
        assert isinstance(settings, WordSettings)
        for word in settings.words:
            if f"zacht:{word}" in text.normalized:
                return [Finding(self.name, self.flag, self.article, 0.5, Severity.LOW,
                                f"woord '{word}'")]
            if word in text.normalized:
                return [Finding(self.name, self.flag, self.article, 0.9, Severity.MEDIUM,
                                f"woord '{word}'")]
        return []


def config(tmp_path: Path, **extra: Any) -> AppConfig:
    data: dict[str, Any] = {
        "storage": {"url": f"sqlite:///{tmp_path / 'sw.db'}"},
        "mail": {"backend": "memory"},
        "adapters": {"console": {"enabled": False}},
        "school": {"admins": [{"name": "Beheer", "channels": ["console:admins"]}]},
        "groups": [
            {"id": "console:klas", "kind": "class", "title": "Klas 2B",
             "moderators": [{"name": "Mentor", "channels": ["console:mentor"]}]},
            {"id": "console:ouders", "kind": "parent", "title": "Ouders 2B", "mode": "observe"},
        ],
    }
    for key, value in extra.items():
        data[key] = value
    return parse_config(data)


async def core_app(tmp_path: Path, cfg: AppConfig | None = None, **kwargs: Any) -> Any:
    """The real app on a temporary SQLite database, with the deterministic rule and a recording
    console port as ``app.port``; the caller stops it."""
    from adapters.mail import MemoryBackend
    from bot.bootstrap import build_app
    from tests.recording_port import RecordingPort

    kwargs.setdefault("policies", [WordRule()])
    application = build_app(cfg or config(tmp_path), mail=MemoryBackend(), adapters=[], **kwargs)
    port = RecordingPort("console")
    application.add_port(port)
    await application.directory.sync_config()
    application.port = port
    return application


ROOT = Path(__file__).resolve().parent.parent


def run_console(tmp_path: Path, lines: list[str]) -> str:
    """``schoolwacht run`` on the example config, as ``make run`` starts it, fed through a pipe."""
    import subprocess
    import sys

    # Relative paths in a config are relative to its folder: a copy keeps ./var in tmp_path.
    config = tmp_path / "config.example.toml"
    config.write_bytes((ROOT / "config.example.toml").read_bytes())
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run", "--config", str(config)],
        input="\n".join(lines) + "\n", capture_output=True, text=True, cwd=tmp_path, timeout=180,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout
