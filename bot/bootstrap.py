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
from bot.config import AppConfig, ConfigError
from bot.directory import GroupDirectory
from bot.evaluator import Evaluator
from bot.groups import PolicyResolver
from bot.image_memory import FlaggedImageMemory
from bot.outbox import Dispatcher, Outbox
from bot.pipeline import Pipeline
from bot.scheduler import Scheduler
from core.ports import MailBackend
from policies.base import BasePolicy
from policies.registry import build_policies, policy_types
from storage.db import Database
from storage.image_hashes import DatabaseImageHashStore
from storage.repositories import Repositories

log = logging.getLogger(__name__)

# Feature modules, each with ``install(app: App) -> None`` that adds listeners, commands, jobs.
FEATURES: tuple[str, ...] = ("bot.digest", "bot.escalation", "bot.feedback_commands")


def build_adapters(config: AppConfig) -> list[Adapter]:
    adapters: list[Adapter] = []
    if config.adapters.telegram.enabled:
        from adapters.telegram import TelegramAdapter

        adapters.append(TelegramAdapter(config))
    if config.adapters.matrix.enabled:
        from adapters.matrix import MatrixAdapter

        adapters.append(MatrixAdapter(config))
    if config.adapters.console.enabled:
        from adapters.console import ConsoleAdapter

        known = [g.id for g in config.groups if g.id.startswith("console:")]
        adapters.append(ConsoleAdapter(known_groups=known,
                                       alerts_folder=config.adapters.console.alerts_folder))
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
    db = Database(config.storage.url)
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
                        listeners=[FlaggedImageMemory(image_hashes)])
    app = App(config=config, db=db, repos=repos, env=env, evaluator=evaluator,
              directory=directory, outbox=outbox, dispatcher=dispatcher, router=router,
              alerts=alerts, approvals=approvals, access=access, commands=commands, pipeline=pipeline,
              scheduler=Scheduler(db.engine, config.school.timezone),
              mail=mail or make_backend(config.mail),
              adapters=list(adapters) if adapters is not None else build_adapters(config))
    for module in features:
        importlib.import_module(module).install(app)
    return app


async def run_app(config: AppConfig) -> None:
    try:
        app = build_app(config)
    except ConfigError:
        raise
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not on every platform
            loop.add_signal_handler(sig, lambda: asyncio.ensure_future(app.stop()))
    await app.start()
    try:
        await app.wait_stopped()
    finally:
        await app.stop()
