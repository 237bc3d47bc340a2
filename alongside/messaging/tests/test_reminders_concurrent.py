"""Two workers generating reminders at the same moment, on PostgreSQL with a connection each: every reminder
is queued exactly once (the outbox's unique idempotency key settles the race). SQLite has a single writer,
so there is nothing to race there."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Count

from alongside.followup.tests.test_concurrent_recompute import run_together
from alongside.messaging.models import OutboundMessage, Purpose
from alongside.messaging.reminders import generate_reminders
from alongside.people.models import Participant
from alongside.testing.groups import GroupWorld

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a race needs concurrent writers (PostgreSQL)"),
    pytest.mark.django_db(transaction=True),
]


def test_two_workers_at_once_queue_each_reminder_once(group_world: GroupWorld) -> None:
    Participant.objects.filter(pk__in=[p.pk for p in group_world.participants.values()]).update(
        email="someone@example.org"
    )
    session = group_world.workshop.sessions.get(number=5)
    at = session.starts_at - timedelta(hours=20)

    first, second = run_together(lambda: generate_reminders(at), lambda: generate_reminders(at))

    assert first[Purpose.SESSION_REMINDER] + second[Purpose.SESSION_REMINDER] == 6
    assert OutboundMessage.objects.count() == 6
    assert not OutboundMessage.objects.values("idempotency_key").annotate(n=Count("id")).filter(n__gt=1).exists()
