"""B.3 e-mail digests for students without the group app.

``install(app)`` wires the feature into the core (listed in ``bot.bootstrap.FEATURES``): the
decision listener that queues items, the ``/digest`` command, the digest mail delivery path
(subscriber checks and bounce marking around the core's mail handler), the scheduled jobs, and,
when the app starts, the small HTTP endpoint behind confirm and unsubscribe links.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.digest.service import DigestService
from core.permissions import Action

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

JOB_PREFIX = "digest:"


def install(app: App) -> DigestService:
    service = DigestService(app.config, app.db, wakeup=app.outbox.wakeup.set,
                            clock=app.pipeline.clock)
    app.digest = service
    app.pipeline.add_listener(service)
    from bot.digest.commands import digest_command

    app.commands.register("digest", digest_command(service), action=Action.DIGEST_MANAGE)
    # Usable without start() (the CLI, tests); start() registers the core's handler again, so the
    # starter below wraps it once more.
    wrap_mail(app, service)
    web_holder: list[object] = []

    async def start(app: App) -> None:
        from bot import jobs
        from bot.digest.web import DigestWeb

        wrap_mail(app, service)
        await service.signer()
        async def send(group_key: str) -> int:
            if (schedule := service.schedule(group_key)) is None or schedule.immediate:
                app.scheduler.cancel(f"{JOB_PREFIX}{group_key}")  # no longer configured
                return 0
            return await service.scheduled_send(group_key)

        jobs.register("digest.send", send)
        jobs.register("digest.purge", service.purge)
        schedule_jobs(app, service)
        if service.enabled_groups():
            web = DigestWeb(service, app.config.digest.listen, app.config.digest.port)
            try:
                await web.start()
                web_holder.append(web)
            except OSError as exc:
                log.error("digest link endpoint could not start",
                          extra={"port": app.config.digest.port, "error": type(exc).__name__})
        await service.send_important_backlog()

    async def stop() -> None:
        for web in web_holder:
            await web.stop()  # type: ignore[attr-defined]
        web_holder.clear()

    app.starters.append(start)
    app.stoppers.append(stop)
    return service


def wrap_mail(app: App, service: DigestService) -> None:
    from bot.delivery import mail_handler

    app.dispatcher.register("mail", service.wrap_mail_handler(mail_handler(app.mail, app.repos.outbox)))


def schedule_jobs(app: App, service: DigestService) -> None:
    """One persistent cron job per group with a periodic digest (replacing the stored one, so a
    changed schedule applies). The job of a group no longer configured removes itself when it
    fires: before the scheduler starts, its stored jobs cannot be listed."""
    for group_key in service.enabled_groups():
        schedule = service.schedule(group_key)
        if schedule is None or schedule.immediate:
            continue
        app.scheduler.cron(f"{JOB_PREFIX}{group_key}", "digest.send", group_key,
                           **schedule.cron_fields())
    app.scheduler.cron("digest-purge", "digest.purge", hour=3, minute=45)
