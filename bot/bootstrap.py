"""Wire everything in one place (Cosmic Python's ``bootstrap``): no globals, no import-time work.

Tests call ``build_app`` with their own mail backend, adapters or clock; ``run_app`` is what
``schoolwacht run`` uses.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import signal
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from bot.access import Access
from bot.alerts import AlertService, Router
from bot.app import Adapter, App
from bot.approval import ApprovalService
from bot.checker import policy_env
from bot.commands import CommandRouter
from bot.config import AppConfig
from bot.directory import GroupDirectory
from bot.evaluator import Evaluator
from bot.groups import PolicyResolver
from bot.image_memory import FlaggedImageMemory
from bot.keys import open_database
from bot.outbox import Dispatcher, Outbox
from bot.pipeline import Pipeline
from bot.scheduler import Scheduler
from core.files import FileSealer
from core.ports import MailBackend
from policies.base import BasePolicy
from policies.registry import build_policies, policy_types
from storage.image_hashes import DatabaseImageHashStore
from storage.repositories import Repositories

log = logging.getLogger(__name__)

# Feature modules, each with ``install(app: App) -> None`` that adds listeners, commands, jobs.
FEATURES: tuple[str, ...] = ("bot.digest", "bot.escalation", "bot.feedback_commands")


def console_wanted(config: AppConfig) -> bool:
    """The console chat is a trial tool: it runs when no real adapter is enabled, or next to them
    only when the config asks for it explicitly (``[adapters.console] enabled = true``)."""
    console = config.adapters.console
    if not console.enabled:
        return False
    real = config.adapters.telegram.enabled or config.adapters.matrix.enabled
    return not real or "enabled" in console.model_fields_set


def build_adapters(config: AppConfig, sealer: FileSealer | None = None) -> list[Adapter]:
    adapters: list[Adapter] = []
    if config.adapters.telegram.enabled:
        from adapters.telegram import TelegramAdapter

        adapters.append(TelegramAdapter(config))
    if config.adapters.matrix.enabled:
        from adapters.matrix import MatrixAdapter

        adapters.append(MatrixAdapter(config))
    if console_wanted(config):
        from adapters.console import ConsoleAdapter

        known = [g.id for g in config.groups if g.id.startswith("console:")]
        adapters.append(ConsoleAdapter(known_groups=known,
                                       alerts_folder=config.adapters.console.alerts_folder,
                                       sealer=sealer))
    return adapters


def build_app(config: AppConfig, *, mail: MailBackend | None = None,
              adapters: Sequence[Adapter] | None = None,
              clock: Callable[[], datetime] = lambda: datetime.now(UTC),
              features: Sequence[str] = FEATURES,
              policies: Sequence[BasePolicy] | None = None) -> App:
    """Build the object graph. ``policies`` replaces the registered rules (tests use this to drive
    the core with rules of their own)."""
    from adapters.mail import make_backend

    types = policy_types() if policies is None else {p.name: type(p) for p in policies}
    resolver = PolicyResolver(config, types)
    resolver.validate_config()
    db = open_database(config)
    repos = Repositories(db)
    env = policy_env(config)
    # Flagged images are remembered in the database, so a re-post is recognised in any group.
    image_hashes = DatabaseImageHashStore(db)
    env.image_hashes = image_hashes
    evaluator = Evaluator(build_policies(env) if policies is None else list(policies))
    directory = GroupDirectory(config, resolver, repos)
    outbox = Outbox(repos.outbox)
    dispatcher = Dispatcher(outbox)
    router = Router(config)
    alerts = AlertService(config, outbox, router)
    approvals = ApprovalService(config, directory, repos, outbox, alerts, router)
    access = Access(config, directory, repos)
    commands = CommandRouter(config, directory, repos, approvals, access)
    pipeline = Pipeline(directory=directory, evaluator=evaluator, repos=repos, alerts=alerts,
                        router=router, timezone=config.school.timezone, clock=clock,
                        listeners=[FlaggedImageMemory(image_hashes)], dispatcher=dispatcher)
    app = App(config=config, db=db, repos=repos, env=env, evaluator=evaluator,
              directory=directory, outbox=outbox, dispatcher=dispatcher, router=router,
              alerts=alerts, approvals=approvals, access=access, commands=commands, pipeline=pipeline,
              scheduler=Scheduler(db.engine, config.school.timezone),
              mail=mail or make_backend(config.mail, db.keys),
              adapters=list(adapters) if adapters is not None else build_adapters(config, db.keys))
    for module in features:
        importlib.import_module(module).install(app)
    return app


STOP_SECONDS = 10.0  # a service manager may kill the process after this; we are done before


async def run_app(config: AppConfig) -> None:
    """``schoolwacht run``: start, run until SIGTERM or SIGINT (or the console chat ends), then
    stop cleanly within ``STOP_SECONDS``; a second signal stops at once."""
    app = build_app(config)
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()

    def on_signal(sig: signal.Signals) -> None:
        if stopping.is_set():
            log.warning("second signal: stopping now", extra={"signal": sig.name})
            raise SystemExit(1)
        log.info("stopping", extra={"signal": sig.name})
        stopping.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not on every platform
            loop.add_signal_handler(sig, on_signal, sig)
    try:
        await app.start()
        stopped = asyncio.ensure_future(app.wait_stopped())
        signalled = asyncio.ensure_future(stopping.wait())
        await asyncio.wait({stopped, signalled}, return_when=asyncio.FIRST_COMPLETED)
        for task in (stopped, signalled):
            task.cancel()
    finally:
        try:
            await asyncio.wait_for(app.stop(), STOP_SECONDS - 1)
        except TimeoutError:
            log.error("stop took too long; exiting anyway")
        log.info("schoolwacht stopped")
