"""The pipeline without side effects: ``schoolwacht check`` and the WhatsApp scan use this.

It runs the same policies with the same effective settings as the bot (the built-in defaults of each
group kind, or a config file's), but stores nothing, sends nothing and remembers no image.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bot.config import AppConfig
from bot.evaluator import Evaluator
from bot.groups import PolicyResolver
from core.events import Attachment, AttachmentKind, GroupKind, MessageEvent, Role, Sender
from core.verdict import Verdict
from policies.base import PolicyEnv, PolicySettings
from policies.registry import build_policies, policy_types

log = logging.getLogger(__name__)

MAX_IMAGE_FILE = 50_000_000


class CheckInputError(ValueError):
    """A JSON Lines input that does not follow the check contract."""


def policy_env(config: AppConfig) -> PolicyEnv:
    """Resources for policies. No hash store is handed in, so the image policies keep theirs in
    memory and forget it; the bootstrap sets ``env.image_hashes`` to the database store."""
    return PolicyEnv(
        data_dir=Path("var"),
        cpu=ThreadPoolExecutor(max_workers=config.images.workers, thread_name_prefix="cpu"),
        options={"models": config.models.model_dump(), "images": config.images.model_dump()},
    )


class Checker:
    def __init__(self, config: AppConfig, evaluator: Evaluator, resolver: PolicyResolver,
                 env: PolicyEnv) -> None:
        self.config = config
        self.evaluator = evaluator
        self.resolver = resolver
        self.env = env
        self._settings: dict[GroupKind, Mapping[str, PolicySettings]] = {}

    @classmethod
    def from_config(cls, config: AppConfig | None = None) -> Checker:
        config = config or AppConfig()
        resolver = PolicyResolver(config, policy_types())
        resolver.validate_config()
        env = policy_env(config)
        return cls(config, Evaluator(build_policies(env)), resolver, env)

    def settings(self, kind: GroupKind) -> Mapping[str, PolicySettings]:
        if kind not in self._settings:
            self._settings[kind] = self.resolver.settings_for(kind, None, None)
        return self._settings[kind]

    async def evaluate(self, event: MessageEvent, kind: GroupKind) -> Verdict:
        """Judge one event as of its own time (a scanned export is judged when it was written)."""
        return await self.evaluator.evaluate(
            event, kind=kind, settings=self.settings(kind), language=self.config.school.language,
            timezone=self.config.school.timezone, now=event.sent_at)

    async def check_line(self, line: str, number: int) -> dict[str, Any]:
        """One JSON Lines input to one output object; errors become an error object."""
        ident: Any = f"line-{number}"
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise CheckInputError("each line must be a JSON object")
            ident = obj.get("id", ident)
            event, kind = event_from_input(obj, number)
            verdict = await self.evaluate(event, kind)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            return {"id": ident, "error": f"invalid JSON: {exc}"}
        except CheckInputError as exc:
            return {"id": ident, "error": str(exc)}
        return {"id": ident, **verdict.as_json()}

    async def aclose(self) -> None:
        await self.evaluator.aclose()
        if self.env.cpu is not None:
            self.env.cpu.shutdown(wait=False, cancel_futures=True)


def _read_file(path: Path) -> Any:
    async def fetch() -> bytes:
        size = path.stat().st_size
        if size > MAX_IMAGE_FILE:
            raise ValueError("image file too large")
        return path.read_bytes()

    return fetch


def event_from_input(obj: Mapping[str, Any], number: int) -> tuple[MessageEvent, GroupKind]:
    try:
        kind = GroupKind(obj.get("group_kind", "class"))
    except ValueError:
        raise CheckInputError(
            f"unknown group_kind {obj.get('group_kind')!r} (class, parent or staff)") from None
    try:
        role = Role(obj.get("sender_role", "student"))
    except ValueError:
        raise CheckInputError(
            f"unknown sender_role {obj.get('sender_role')!r} "
            "(student, teacher, parent or staff)") from None
    text = obj.get("text") or ""
    if not isinstance(text, str):
        raise CheckInputError("text must be a string")
    attachments: tuple[Attachment, ...] = ()
    image = obj.get("image")
    if image is not None:
        if not isinstance(image, str):
            raise CheckInputError("image must be a file path")
        path = Path(image)
        if not path.is_file():
            raise CheckInputError(f"image not found: {image}")
        attachments = (Attachment(kind=AttachmentKind.IMAGE, file_id=str(path),
                                  file_name=path.name, fetch=_read_file(path)),)
    if not text and not attachments:
        raise CheckInputError("a line needs text or image")
    ident = str(obj.get("id", number))
    event = MessageEvent(
        platform="check", group_id=f"check-{kind.value}", message_id=ident,
        sender=Sender(platform_id="sender", display_name="sender", role=role),
        text=text, attachments=attachments,
    )
    return event, kind
