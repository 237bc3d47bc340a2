"""Background task of the outbox (Django's Tasks API, run by `manage.py db_worker`; the scheduler enqueues
it every MESSAGING_DISPATCH_MINUTES). Safe to run concurrently: claims are exclusive (alongside.messaging.outbox)."""

from __future__ import annotations

from django_tasks import task

from alongside.messaging import outbox


@task()
def dispatch_messages(limit: int = 5000) -> int:
    """Sends due messages (at most `limit`); returns how many were handled."""
    return outbox.dispatch_due(limit=limit, worker=f"task:{outbox.worker_name()}")
