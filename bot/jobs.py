"""Scheduled jobs by name.

APScheduler's persistent job store keeps a job as a textual reference to a module-level function
plus picklable arguments, so jobs that must survive a restart (alert reminders, approval deadlines,
digests) all point at ``run_job(name, *args)``. The running application registers the handlers behind
the names when it starts; this indirection is the only module-level state, and it exists because the
job store needs an importable target.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)

JobHandler = Callable[..., Awaitable[Any]]
_handlers: dict[str, JobHandler] = {}


def register(name: str, handler: JobHandler) -> None:
    _handlers[name] = handler


def clear() -> None:
    _handlers.clear()


async def run_job(name: str, *args: Any) -> Any:
    handler = _handlers.get(name)
    if handler is None:
        log.error("no handler for scheduled job", extra={"job": name})
        return None
    try:
        return await handler(*args)
    except Exception:
        log.exception("scheduled job failed", extra={"job": name})
        return None
