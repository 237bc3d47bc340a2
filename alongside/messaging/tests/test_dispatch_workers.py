"""Must-show (PostgreSQL): two dispatch workers, one killed with SIGKILL in the middle of a send; the other
takes over once the lease runs out. Every message reaches the provider exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from alongside.messaging.models import (
    Channel,
    FakeProviderRecord,
    MessageStatus,
    MessagingSettings,
    OutboundMessage,
    Purpose,
)
from alongside.messaging.outbox import MessageDraft, queue_many
from alongside.testing.world import World, build_world

ROOT = Path(__file__).resolve().parents[3]
MESSAGES = 40


def worker(name: str, pause: float, database_url: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MESSAGING_SMS_PROVIDER": "fake",
        "MESSAGING_EMAIL_PROVIDER": "fake",
        "MESSAGING_LEASE_SECONDS": "6",
        "MESSAGING_CLAIM_BATCH": "10",
        "MESSAGING_FAKE_PAUSE_SECONDS": str(pause),
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "manage.py", "dispatch_messages", "--sleep", "0.2", "--worker", name]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_loses_nothing_and_sends_nothing_twice() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("Needs PostgreSQL: worker processes share the database (SQLite tests run in memory).")
    world: World = build_world()
    due = timezone.now() - timedelta(minutes=1)
    queue_many(
        MessageDraft(world.paul.id, world.paul_enrollment.id, Channel.SMS, Purpose.DIRECT, f"Message {n}", f"kill-{n}")
        for n in range(MESSAGES)
    )
    # Whatever the hour: due now (quiet hours would otherwise hold them), and no daily cap in the way.
    OutboundMessage.objects.update(send_after=due, next_attempt_at=due, status=MessageStatus.QUEUED, status_reason="")

    MessagingSettings.objects.create(program=world.telephone, daily_cap=1000)
    db = settings.DATABASES["default"]
    database_url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    started = time.monotonic()
    doomed = worker("doomed", pause=0.5, database_url=database_url)
    survivor = worker("survivor", pause=0.05, database_url=database_url)
    try:
        # Kill the first worker while it holds a claim and is inside a send (the fake pauses there).
        while time.monotonic() - started < 15:
            if FakeProviderRecord.objects.filter(worker__contains=str(doomed.pid)).count() >= 2:
                break
            time.sleep(0.05)
        time.sleep(0.25)  # mid-pause: the provider has the message, the worker has not recorded it
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(5)
        stranded = OutboundMessage.objects.filter(status=MessageStatus.SENDING).count()
        while time.monotonic() - started < 30:
            if OutboundMessage.objects.filter(status=MessageStatus.SENT).count() == MESSAGES:
                break
            time.sleep(0.2)
    finally:
        survivor.send_signal(signal.SIGTERM)
        _, errors = survivor.communicate(timeout=10)
        if doomed.poll() is None:
            doomed.kill()
    assert survivor.returncode == 0, errors.decode()[-2000:]
    assert stranded >= 1, "the kill should have left claimed messages behind"
    statuses = list(OutboundMessage.objects.values_list("status", flat=True))
    assert statuses.count(MessageStatus.SENT) == MESSAGES, statuses
    records = dict(FakeProviderRecord.objects.values_list("idempotency_key", "provider_message_id"))
    assert sorted(records) == sorted(f"kill-{n}" for n in range(MESSAGES))  # one per key, none missing
    # The message the doomed worker was sending went to the provider again, which refused the repeat...
    assert FakeProviderRecord.objects.filter(requests__gt=1).exists()
    # ...and every outbox row carries the provider id of the one real send.
    for key, provider_id in OutboundMessage.objects.values_list("idempotency_key", "provider_message_id"):
        assert records[key] == provider_id
    assert time.monotonic() - started < 30
