"""One APScheduler ``AsyncIOScheduler`` owned by the core, with its jobs in the project's database.

Jobs stored there (reminders, deadlines, digests) fire after a restart; a job missed while the bot
was down runs once when it starts again (``coalesce``), within a grace time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine

JOB_TARGET = "bot.jobs:run_job"


class Scheduler:
    def __init__(self, engine: Engine, timezone: str) -> None:
        self.timezone = timezone
        self.scheduler = AsyncIOScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename="scheduled_jobs")},
            job_defaults={"coalesce": True, "misfire_grace_time": 24 * 3600, "max_instances": 1},
            timezone=timezone,
        )

    def start(self) -> None:
        self.scheduler.start()

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def at(self, job_id: str, when: datetime, name: str, *args: Any) -> None:
        """Run job ``name`` once at ``when``; replaces a job with the same id."""
        self.scheduler.add_job(JOB_TARGET, DateTrigger(run_date=when), args=[name, *args],
                               id=job_id, replace_existing=True)

    def every(self, job_id: str, seconds: float, name: str, *args: Any) -> None:
        self.scheduler.add_job(JOB_TARGET, IntervalTrigger(seconds=seconds), args=[name, *args],
                               id=job_id, replace_existing=True)

    def cron(self, job_id: str, name: str, *args: Any, **fields: Any) -> None:
        self.scheduler.add_job(JOB_TARGET, CronTrigger(timezone=self.timezone, **fields),
                               args=[name, *args], id=job_id, replace_existing=True)

    def cancel(self, job_id: str) -> None:
        job = self.scheduler.get_job(job_id)
        if job is not None:
            job.remove()

    def has(self, job_id: str) -> bool:
        return self.scheduler.get_job(job_id) is not None
