"""Test helpers for escalation: a deterministic marker rule, a config with every channel kind, and
an app on a temporary SQLite database with recording Telegram/Matrix ports and the real console
port."""

from __future__ import annotations

import io
import itertools
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from adapters.console import ConsolePort
from adapters.mail import MemoryBackend
from bot.app import App
from bot.bootstrap import build_app
from bot.config import AppConfig, parse_config
from core.events import CommandEvent, MessageEvent, Role, Sender
from core.findings import ActionKind, Finding, Severity
from core.ports import MailBackend
from policies.base import PolicyContext, PolicySettings, TextPolicy
from policies.text import TextView
from tests.recording_port import RecordingPort

GROUP = "-100"  # telegram:-100, "Klas 2B"
BASE = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)

KIM = Sender("kim", "Kim", Role.STUDENT)
SAM = Sender("sam", "Sam", Role.STUDENT)
ALEX = Sender("alex", "Alex", Role.STUDENT)
NOOR = Sender("noor", "Noor", Role.STUDENT)
MENTOR = Sender("800", "Mevrouw de Vries", Role.TEACHER)


class MarkerSettings(PolicySettings):
    actions: dict[str, list[ActionKind]] = {"critical": [ActionKind.NOTIFY]}  # noqa: RUF012


class MarkerRule(TextPolicy):
    """Test-only rule driven by explicit markers, so every test knows exactly what is flagged:
    ``[[dreig]]`` critical threat, ``[[grof]]`` medium, ``[[plaag]]`` low; ``@id`` words become
    the finding's targets (otherwise the monitor uses the replied-to member)."""

    name: ClassVar[str] = "marker"
    flag: ClassVar[str] = "harassment"
    article: ClassVar[str] = "A.10"
    settings_model = MarkerSettings

    def check_text(self, text: TextView, ctx: PolicyContext, event: MessageEvent) -> list[Finding]:
        raw = event.text
        targets = tuple(w[1:] for w in raw.split() if w.startswith("@"))
        if "[[dreig]]" in raw:
            return [Finding(self.name, self.flag, self.article, 0.99, Severity.CRITICAL,
                            "marker dreig", category="threat", targets=targets)]
        if "[[grof]]" in raw:
            return [Finding(self.name, self.flag, self.article, 0.8, Severity.MEDIUM,
                            "marker grof", targets=targets)]
        if "[[plaag]]" in raw:
            return [Finding(self.name, self.flag, self.article, 0.5, Severity.LOW,
                            "marker plaag", targets=targets)]
        return []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def config(tmp_path: Path, escalation: dict[str, Any] | None = None,
           mail: dict[str, Any] | None = None, **extra: Any) -> AppConfig:
    data: dict[str, Any] = {
        "storage": {"url": f"sqlite:///{tmp_path / 'sw.db'}"},
        "mail": mail or {"backend": "memory", "from_address": "schoolwacht@school.test"},
        "adapters": {"console": {"enabled": False}},
        "school": {
            "name": "CSG Test",
            "admins": [{"name": "Beheer", "channels": ["console:admins"]}],
            "team_leaders": [{"name": "Teamleider", "channels": ["matrix:!team:school.test"]}],
            "leadership": [{"name": "Directie",
                            "channels": ["telegram:900", "mail:directie@school.test"]}],
            "confidential_adviser": {"name": "Vertrouwenspersoon", "channels": ["telegram:700"]},
        },
        "groups": [
            {"id": f"telegram:{GROUP}", "kind": "class", "title": "Klas 2B",
             "moderators": [{"name": "Mentor", "channels": ["telegram:800", "console:mentor"]}],
             "escalation": escalation or {}},
        ],
    }
    data.update(extra)
    return parse_config(data)


class Harness:
    """The real app plus its fake platforms; messages get increasing ids and times."""

    def __init__(self, app: App, tmp_path: Path) -> None:
        self.app = app
        self.telegram = RecordingPort("telegram")
        self.matrix = RecordingPort("matrix")
        self.console_out = io.StringIO()
        self.console = ConsolePort(out=self.console_out, alerts_folder=tmp_path / "alerts",
                                   sealer=app.db.keys)
        for port in (self.telegram, self.matrix, self.console):
            app.add_port(port)
        self._ids = itertools.count(1)

    @property
    def service(self):  # type: ignore[no-untyped-def]
        return self.app.escalation

    async def say(self, sender: Sender, text: str, *, minute: float = 0,
                  reply_to: tuple[str, Sender] | None = None) -> tuple[str, Any]:
        mid = str(next(self._ids))
        event = MessageEvent(platform="telegram", group_id=GROUP, message_id=mid, sender=sender,
                             text=text, sent_at=BASE + timedelta(minutes=minute),
                             reply_to_message_id=reply_to[0] if reply_to else None,
                             reply_to_sender_id=reply_to[1].platform_id if reply_to else None,
                             group_title="Klas 2B")
        decision = await self.app.on_message(event)
        return mid, decision

    async def command(self, sender: Sender, name: str, *args: str, group: bool = True,
                      reply_to: tuple[str, Sender] | None = None, platform: str = "telegram"):  # type: ignore[no-untyped-def]
        event = CommandEvent(platform=platform, group_id=GROUP if group else None, sender=sender,
                             name=name, args=tuple(args), message_id=str(next(self._ids)),
                             reply_to_message_id=reply_to[0] if reply_to else None,
                             reply_to_sender_id=reply_to[1].platform_id if reply_to else None)
        return await self.app.on_command(event)

    async def deliver(self) -> int:
        return await self.app.dispatcher.deliver_due()

    def alerts(self, port: RecordingPort, chat: str) -> list[str]:
        return [str(a.detail["text"]) for a in port.of("alert") if a.chat_id == chat]


async def start(cfg: AppConfig, tmp_path: Path, *, mail: MailBackend | None = None) -> Harness:
    """Build and start the app (scheduler running); the tests drive the outbox themselves."""
    app = build_app(cfg, mail=mail or MemoryBackend(), adapters=[], policies=[MarkerRule()],
                    features=("bot.escalation",))
    harness = Harness(app, tmp_path)
    # Dispatcher.stop() right after start() waits out one poll interval (the loop clears the wake-up
    # event after stop set it); a short interval keeps that wait short.
    app.dispatcher.poll_seconds = 0.05
    await app.start()
    await app.dispatcher.stop()  # deliveries happen when a test calls ``deliver``
    return harness
