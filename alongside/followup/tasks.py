"""Background tasks of the follow-up engine (Django's Tasks API, run by `manage.py db_worker`).

Both are idempotent and safe to run concurrently with each other and with web requests (the engine
takes PostgreSQL advisory locks), so a task that runs twice, or late, does no harm. The scheduler
(alongside/scheduling/jobs.py) enqueues the full recompute periodically; it repairs anything an
incremental update missed (a write made outside the services, a crash between commit and refresh).
"""

from __future__ import annotations

import time

from django_tasks import task

from alongside.followup import engine


def _summary(result: engine.RecomputeResult, started: float) -> dict[str, float]:
    return {"written": result.written, "deleted": result.deleted, "seconds": round(time.monotonic() - started, 3)}


@task()
def recompute_follow_ups() -> dict[str, float]:
    """Recomputes every enrolment's follow-up state; returns rows written and deleted, and seconds taken."""
    started = time.monotonic()
    return _summary(engine.recompute_all(), started)


@task()
def refresh_follow_ups(enrollment_ids: list[int]) -> dict[str, float]:
    """Recomputes the follow-up state of the given enrolments (for writes made in bulk, e.g. an import)."""
    started = time.monotonic()
    return _summary(engine.refresh(int(pk) for pk in enrollment_ids), started)
