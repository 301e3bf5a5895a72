"""The pipeline without side effects: ``schoolwacht check`` and the WhatsApp scan use this.

It runs the same policies with the same effective settings as the bot (the built-in defaults of each
group kind, or a config file's), but stores nothing, sends nothing and remembers no image.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import os
import re
import stat
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any, BinaryIO

from bot.config import AppConfig, ImageSettings
from bot.evaluator import Evaluator
from bot.groups import PolicyResolver
from core.events import Attachment, AttachmentKind, Fetch, GroupKind, MessageEvent, Role, Sender
from core.verdict import Verdict
from policies.base import PolicyEnv, PolicyOptions, PolicySettings
from policies.registry import build_policies, policy_types

log = logging.getLogger(__name__)

MAX_IMAGE_FILE = 50_000_000


class CheckInputError(ValueError):
    """A JSON Lines input that does not follow the check contract."""


def policy_env(config: AppConfig) -> PolicyEnv:
    """Resources for policies. No hash store is handed in, so the image policies keep theirs in
    memory and forget it; the bootstrap sets ``env.image_hashes`` to the database store."""
    return PolicyEnv(
        data_dir=config.path("var"),
        cpu=ThreadPoolExecutor(max_workers=config.images.workers, thread_name_prefix="cpu"),
        options=PolicyOptions(models=config.models, images=config.images),
    )


class Checker:
    def __init__(self, config: AppConfig, evaluator: Evaluator, resolver: PolicyResolver,
                 env: PolicyEnv, explain: bool = False) -> None:
        self.config = config
        self.evaluator = evaluator
        self.resolver = resolver
        self.env = env
        # ``check --explain``: each output line also says what every policy answered, and why.
        self.explain = explain
        self._settings: dict[GroupKind, Mapping[str, PolicySettings]] = {}

    @classmethod
    def from_config(cls, config: AppConfig | None = None, explain: bool = False) -> Checker:
        config = config or AppConfig()
        resolver = PolicyResolver(config, policy_types())
        resolver.validate_config()
        env = policy_env(config)
        return cls(config, Evaluator(build_policies(env)), resolver, env, explain=explain)

    def settings(self, kind: GroupKind) -> Mapping[str, PolicySettings]:
        if kind not in self._settings:
            self._settings[kind] = self.resolver.settings_for(kind, None, None)
        return self._settings[kind]

    async def evaluate(self, event: MessageEvent, kind: GroupKind) -> Verdict:
        """Judge one event as of its own time (a scanned export is judged when it was written)."""
        return await self.evaluator.evaluate(
            event, kind=kind, settings=self.settings(kind), language=self.config.school.language,
            timezone=self.config.school.timezone, now=event.sent_at, explain=self.explain)

    async def check_line(self, line: str | bytes, number: int) -> dict[str, Any]:
        """One JSON Lines input to one output object; never raises.

        A line that does not follow the contract (not JSON, NaN or Infinity, numbers beyond
        Python's digit limit, nesting too deep, not an object, a bad field, an unreadable image)
        gives ``{"id", "error"}``; so does an unexpected failure while judging it. The result can
        always be written as strict JSON (``dump_line``).
        """
        ident: Any = f"line-{number}"
        try:
            obj = parse_line(line)
            if not isinstance(obj, dict):
                raise CheckInputError("each line must be a JSON object")
            if "id" in obj:
                ident = output_id(obj["id"], ident)
            event, kind = event_from_input(obj, number, self.config.images)
            if event.attachments:
                event = await self._verified(event)
            verdict = await self.evaluate(event, kind)
            if self.explain:
                return {"id": ident, **verdict.as_json(), "explain": verdict.explain()}
            return {"id": ident, **verdict.as_json()}
        except CheckInputError as exc:
            return {"id": ident, "error": str(exc)}
        except Exception as exc:  # never let one line stop the stream
            log.warning("check: line %d failed: %s", number, type(exc).__name__)
            return {"id": ident, "error": f"internal error while checking ({type(exc).__name__})"}

    async def _verified(self, event: MessageEvent) -> MessageEvent:
        """Read each image once and decode it fully: an unreadable picture is an error, never a
        clean verdict. The policies then get the bytes already read."""
        from policies.images.intake import ImageRejected, IntakeLimits, verify_image  # Pillow

        limits = IntakeLimits.from_options(self.config.images)
        attachments = []
        for att in event.attachments:
            assert att.fetch is not None
            data = await att.fetch()
            try:
                await asyncio.to_thread(verify_image, data, limits)
            except ImageRejected as exc:
                raise CheckInputError(f"image unreadable ({exc.reason}): {att.file_name}") from None
            attachments.append(replace(att, size=len(data), fetch=_bytes(data)))
        return replace(event, attachments=tuple(attachments))

    async def aclose(self) -> None:
        await self.evaluator.aclose()
        if self.env.cpu is not None:
            self.env.cpu.shutdown(wait=False, cancel_futures=True)


def _bytes(data: bytes) -> Fetch:
    async def fetch() -> bytes:
        return data

    return fetch


def _read_file(path: Path, limit: int) -> Fetch:
    """Read a regular file of at most ``limit`` bytes (never a FIFO or a device)."""

    def read() -> bytes:
        with path.open("rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise CheckInputError(f"image is not a regular file: {path.name}")
            data = handle.read(limit + 1)
        if len(data) > limit:
            raise CheckInputError(
                f"image too large: {path.name} (more than images.max_bytes = {limit} bytes)")
        return data

    async def fetch() -> bytes:
        try:
            return await asyncio.to_thread(read)
        except OSError as exc:
            raise CheckInputError(
                f"image cannot be read: {path.name} ({exc.strerror or type(exc).__name__})"
            ) from None

    return fetch


# --- strict JSON in and out ----------------------------------------------------------------------

MAX_LINE_BYTES = 10_000_000  # a longer input line is an error line (the rules read 20k characters)
MAX_ID_CHARS = 256
MAX_ID_INT = 2**63  # ids beyond a 64-bit integer are refused (other JSON parsers lose them)
_SURROGATE = re.compile("[\ud800-\udfff]")


def _no_constant(name: str) -> Any:
    raise CheckInputError(f"invalid JSON: {name} is not allowed")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise CheckInputError(f"invalid JSON: number out of range ({text[:20]})")
    return value


def parse_line(line: str | bytes) -> Any:
    """Strict JSON: no NaN/Infinity, no infinite floats, bounded integers and nesting."""
    try:
        return json.loads(line, parse_constant=_no_constant, parse_float=_finite_float)
    except CheckInputError:
        raise
    except RecursionError:
        raise CheckInputError("invalid JSON: nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError, int digit limit
        raise CheckInputError(f"invalid JSON: {_text(str(exc))[:200]}") from None


def _text(value: str) -> str:
    """A string that encodes as UTF-8: lone surrogates become U+FFFD."""
    return _SURROGATE.sub("\ufffd", value) if _SURROGATE.search(value) else value


def output_id(value: Any, fallback: str) -> str | int | float:
    """The id echoed in the output: a string or a bounded number, else an input error."""
    if isinstance(value, str):
        if len(value) > MAX_ID_CHARS:
            raise CheckInputError(f"id longer than {MAX_ID_CHARS} characters")
        return _text(value)
    if isinstance(value, int) and not isinstance(value, bool):
        if abs(value) >= MAX_ID_INT:
            raise CheckInputError("id is a number too large; use a string")
        return value
    if isinstance(value, float):  # finite: parse_line refused the others
        return value
    raise CheckInputError("id must be a string (or a number)")


def _sanitise(value: Any) -> Any:
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {_sanitise(k): _sanitise(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_sanitise(v) for v in value]
    return value


def dump_line(result: dict[str, Any]) -> bytes:
    """One output line as UTF-8 bytes that any strict JSON parser reads (``allow_nan=False``)."""
    try:
        text = json.dumps(result, ensure_ascii=False, allow_nan=False)
        return text.encode("utf-8") + b"\n"
    except (ValueError, TypeError, UnicodeEncodeError):
        text = json.dumps(_sanitise(result), ensure_ascii=False, allow_nan=False, default=str)
        return text.encode("utf-8") + b"\n"


def iter_lines(stream: BinaryIO, limit: int = MAX_LINE_BYTES) -> Iterator[tuple[int, bytes | None]]:
    """``(line number, bytes)`` per line, split on ``\\n`` only; ``None`` for a line longer than
    ``limit`` (its rest is skipped in bounded chunks, never held in memory)."""
    number = 0
    while True:
        raw = stream.readline(limit + 1)
        if not raw:
            return
        number += 1
        if len(raw) > limit and not raw.endswith(b"\n"):
            while True:  # skip to the end of this line
                rest = stream.readline(1 << 20)
                if not rest or rest.endswith(b"\n"):
                    break
            yield number, None
            continue
        yield number, raw


async def check_stream(checker: Checker, source: BinaryIO, out: BinaryIO,
                       limit: int = MAX_LINE_BYTES) -> int:
    """The ``check`` command: one output line per non-blank input line, in order. Returns the
    number of lines written. Blank lines are skipped."""
    written = 0
    for number, raw in iter_lines(source, limit):
        if raw is None:
            result: dict[str, Any] = {"id": f"line-{number}",
                                      "error": f"line longer than {limit} bytes"}
        else:
            if not raw.strip():
                continue
            result = await checker.check_line(raw.decode("utf-8", errors="replace").strip(),
                                              number)
        out.write(dump_line(result))
        out.flush()
        written += 1
    return written


def event_from_input(obj: Mapping[str, Any], number: int,
                     images: ImageSettings | None = None) -> tuple[MessageEvent, GroupKind]:
    max_bytes = images.max_bytes if images is not None else MAX_IMAGE_FILE
    kind_value = obj.get("group_kind", "class")
    if not isinstance(kind_value, str) or kind_value not in {k.value for k in GroupKind}:
        raise CheckInputError(
            f"unknown group_kind {_shown(kind_value)} (class, parent or staff)")
    kind = GroupKind(kind_value)
    role_value = obj.get("sender_role", "student")
    if not isinstance(role_value, str) or role_value not in {r.value for r in Role}:
        raise CheckInputError(
            f"unknown sender_role {_shown(role_value)} (student, teacher, parent or staff)")
    role = Role(role_value)
    text = obj.get("text") or ""
    if not isinstance(text, str):
        raise CheckInputError("text must be a string")
    text = _text(text)
    attachments: tuple[Attachment, ...] = ()
    image = obj.get("image")
    if image is not None:
        if not isinstance(image, str):
            raise CheckInputError("image must be a file path")
        image = _text(image)
        try:
            path = Path(image)
            found = path.is_file()
        except (OSError, ValueError) as exc:  # a name too long, a NUL byte
            raise CheckInputError(
                f"image cannot be read: {_shown(image)} ({getattr(exc, 'strerror', None) or exc})"
            ) from None
        if not found:
            raise CheckInputError(f"image not found: {_shown(image, 200)}")
        attachments = (Attachment(kind=AttachmentKind.IMAGE, file_id=str(path),
                                  file_name=path.name, fetch=_read_file(path, max_bytes)),)
    if not text and not attachments:
        raise CheckInputError("a line needs text or image")
    ident = _text(str(obj.get("id", number)))[:MAX_ID_CHARS]
    event = MessageEvent(
        platform="check", group_id=f"check-{kind.value}", message_id=ident,
        sender=Sender(platform_id="sender", display_name="sender", role=role),
        text=text, attachments=attachments,
    )
    return event, kind


def _shown(value: Any, limit: int = 60) -> str:
    """A value quoted for an error message, bounded in length."""
    text = repr(value) if not isinstance(value, str) else repr(_text(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"
