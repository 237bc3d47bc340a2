"""The periodic jobs and the one function that enqueues the due ones (`manage.py scheduler` calls it).

Time is cut into slots of each job's period, floored from the Unix epoch (so every machine agrees on the
slot whatever its time zone). For each job, the scheduler claims the current slot by inserting a
PeriodicRun row with insert-or-ignore; the insert takes effect for exactly one scheduler, which then
enqueues the task in the same transaction. Any number of schedulers can therefore run at once: each
slot's task is enqueued once, and if enqueuing fails the claim is rolled back and the next tick retries.
A slot missed while no scheduler ran is not caught up: the jobs here recompute everything, so the next
slot repairs whatever the missed one would have.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_tasks.base import Task

from alongside.scheduling.models import PeriodicRun

logger = logging.getLogger(__name__)

# Claims older than this are deleted as the scheduler goes, so the table stays small.
KEEP_RUNS_FOR = timedelta(days=30)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: Task[[], Any]
    every: timedelta

    def __post_init__(self) -> None:
        if self.every < timedelta(minutes=1):
            raise ValueError(f"Periodic job {self.name}: the period must be at least a minute.")

    def slot_for(self, moment: datetime) -> datetime:
        """The start of the period containing `moment` (UTC)."""
        period = int(self.every.total_seconds())
        seconds = int(moment.timestamp())
        return datetime.fromtimestamp(seconds - seconds % period, tz=UTC)


def periodic_jobs() -> tuple[PeriodicJob, ...]:
    """The registry. A function, not a constant, so the periods follow the settings (and tests)."""
    from alongside.followup.tasks import recompute_follow_ups
    from alongside.messaging.reminders import generate_reminders_task
    from alongside.messaging.sequences import generate_sequence_steps
    from alongside.messaging.tasks import dispatch_messages

    return (
        PeriodicJob(
            "followup.recompute",
            recompute_follow_ups,
            every=timedelta(minutes=settings.FOLLOWUP_RECOMPUTE_MINUTES),
        ),
        # Email programs count in days: hourly is plenty, and a step lands within the hour it falls due.
        PeriodicJob("messaging.sequences", generate_sequence_steps, every=timedelta(hours=1)),
        # Reminders are found by "due by now", so a 15-minute period sends each at most 15 minutes late.
        PeriodicJob("messaging.reminders", generate_reminders_task, every=timedelta(minutes=15)),
        # The outbox: claims make concurrent runs safe; a slow run and the next slot's simply share the work.
        PeriodicJob(
            "messaging.dispatch", dispatch_messages, every=timedelta(minutes=settings.MESSAGING_DISPATCH_MINUTES)
        ),
    )


@dataclass(frozen=True)
class Tick:
    job: str
    slot_start: datetime
    enqueued: bool  # False: another scheduler had already claimed this slot
    task_result_id: str = ""


def scheduler_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def claim(job: PeriodicJob, slot_start: datetime, claimed_by: str) -> bool:
    """Inserts the slot's PeriodicRun unless one exists; True when this call inserted it. Concurrent
    callers on PostgreSQL wait on the unique index until the first commits, then insert nothing."""
    table = PeriodicRun._meta.db_table
    # Adapted as the ORM would, so the ORM's lookups on these columns match the raw insert (SQLite).
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (job, slot_start, claimed_at, claimed_by, task_result_id) "
            "VALUES (%s, %s, %s, %s, '') ON CONFLICT (job, slot_start) DO NOTHING",
            [job.name, adapt(slot_start), adapt(timezone.now()), claimed_by],
        )
        inserted: int = cursor.rowcount
        return inserted == 1


def run_due_jobs(
    now: datetime | None = None, jobs: tuple[PeriodicJob, ...] | None = None, claimed_by: str = ""
) -> list[Tick]:
    """Enqueues every job whose current slot nobody has claimed yet. Safe to call from any number of
    processes at once, as often as you like."""
    now = now or timezone.now()
    claimed_by = claimed_by or scheduler_id()
    ticks = []
    for job in periodic_jobs() if jobs is None else jobs:
        slot_start = job.slot_for(now)
        with transaction.atomic():
            if not claim(job, slot_start, claimed_by):
                ticks.append(Tick(job.name, slot_start, enqueued=False))
                continue
            result = job.task.enqueue()
            PeriodicRun.objects.filter(job=job.name, slot_start=slot_start).update(task_result_id=str(result.id))
        logger.info("Enqueued %s for the slot starting %s (task %s)", job.name, slot_start.isoformat(), result.id)
        ticks.append(Tick(job.name, slot_start, enqueued=True, task_result_id=str(result.id)))
    PeriodicRun.objects.filter(slot_start__lt=now - KEEP_RUNS_FOR).delete()
    return ticks
