"""Dispatch: claims with a lease, sends through the provider with the key, records outcomes and retries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from alongside.messaging.models import (
    Channel,
    DeliveryEvent,
    FakeProviderRecord,
    MessageStatus,
    MessagingSettings,
    OutboundMessage,
    Purpose,
)
from alongside.messaging.outbox import MessageDraft, backoff, claim, dispatch_due, queue_message
from alongside.messaging.providers import fake_behaviour
from alongside.testing.world import World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fake_provider(settings: Any) -> None:
    settings.MESSAGING_SMS_PROVIDER = "fake"
    settings.MESSAGING_EMAIL_PROVIDER = "fake"
    settings.MESSAGING_RETRY_BASE_SECONDS = 60
    settings.MESSAGING_MAX_ATTEMPTS = 3


def queue(world: World, key: str, **changes: Any) -> OutboundMessage:
    values: dict[str, Any] = {
        "participant_id": world.paul.id,
        "enrollment_id": world.paul_enrollment.id,
        "channel": Channel.SMS,
        "purpose": Purpose.CALL_REMINDER,
        "body": "Sofia will call you at 3 pm.",
        "idempotency_key": key,
        "send_after": timezone.now() - timedelta(minutes=1),
    }
    message = queue_message(MessageDraft(**{**values, **changes}))
    # Tests run at any hour: make the message due now whatever the quiet hours said.
    OutboundMessage.objects.filter(id=message.id).update(
        send_after=values["send_after"], next_attempt_at=values["send_after"]
    )
    return message


def test_a_due_message_is_sent_once_with_its_key_and_recorded(world: World) -> None:
    message = queue(world, "k1")
    assert dispatch_due() == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.attempts == 1
    assert message.claim_token == "" and message.claimed_until is None
    record = FakeProviderRecord.objects.get()
    assert (record.idempotency_key, record.to_address) == ("k1", "+12025550143")
    assert message.provider == "fake" and message.provider_message_id == record.provider_message_id
    assert message.sent_at is not None
    assert message.sent_on == message.sent_at.astimezone(ZoneInfo(world.paul.zone)).date()
    assert list(message.events.values_list("status", flat=True)) == ["sent"]
    assert dispatch_due() == 0


def test_a_message_not_yet_due_waits(world: World) -> None:
    message = queue(world, "k1")
    OutboundMessage.objects.filter(id=message.id).update(send_after=timezone.now() + timedelta(hours=1))
    assert dispatch_due() == 0


def test_a_provider_error_retries_with_exponential_backoff_then_fails(world: World) -> None:
    message = queue(world, "k1")
    with fake_behaviour(fail_times=10):
        before = timezone.now()
        assert dispatch_due() == 1
        message.refresh_from_db()
        assert message.status == MessageStatus.QUEUED and message.attempts == 1
        assert message.last_error == "The fake provider was told to fail."
        assert before + timedelta(seconds=60) <= message.next_attempt_at <= timezone.now() + timedelta(seconds=60)
        assert dispatch_due() == 0  # not due yet
        OutboundMessage.objects.filter(id=message.id).update(next_attempt_at=timezone.now())
        assert dispatch_due() == 1
        message.refresh_from_db()
        assert message.attempts == 2
        assert message.next_attempt_at >= timezone.now() + timedelta(seconds=119)
        OutboundMessage.objects.filter(id=message.id).update(next_attempt_at=timezone.now())
        dispatch_due()
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and message.attempts == 3
    assert not FakeProviderRecord.objects.exists()
    assert list(message.events.values_list("status", flat=True)) == ["queued", "queued", "failed"]


def test_backoff_doubles_up_to_the_maximum(settings: Any) -> None:
    settings.MESSAGING_RETRY_MAX_SECONDS = 300
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4, 5)] == [60, 120, 240, 300, 300]


def test_a_permanent_error_fails_at_once(world: World) -> None:
    message = queue(world, "k1")
    with fake_behaviour(fail_times=1, fail_permanently=True):
        dispatch_due()
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and message.attempts == 1


def test_an_expired_lease_is_taken_over_and_the_provider_refuses_the_repeat(world: World) -> None:
    message = queue(world, "k1")
    # A worker claimed it, sent it, and died before recording the outcome.
    token, ids = claim(10)
    assert ids == [message.id]
    from alongside.messaging.providers import FakeProvider, Outgoing

    first = FakeProvider("dead").send(Outgoing(Channel.SMS, "+12025550143", "x", "k1"))
    assert dispatch_due() == 0  # the lease still holds
    OutboundMessage.objects.filter(id=message.id).update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert dispatch_due() == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 2
    assert message.provider_message_id == first.provider_message_id
    record = FakeProviderRecord.objects.get()
    assert record.requests == 2
    # The dead worker's late outcome is not recorded: its claim token no longer matches.
    assert not OutboundMessage.objects.filter(claim_token=token).exists()


def test_withdrawn_consent_suppresses_at_send_time(world: World) -> None:
    message = queue(world, "k1")
    world.paul.consent_texts = False
    world.paul.save()
    dispatch_due()
    message.refresh_from_db()
    assert (message.status, message.status_reason) == (MessageStatus.SUPPRESSED, "Consent withdrawn.")
    assert not FakeProviderRecord.objects.exists()


def test_the_daily_cap_is_checked_again_at_send_time(world: World) -> None:
    MessagingSettings.objects.create(program=world.telephone, daily_cap=1)
    queue(world, "k1")
    dispatch_due()
    # Queued for yesterday (so the queueing cap did not count it), due now.
    late = queue(world, "k2", send_after=timezone.now() - timedelta(days=1))
    OutboundMessage.objects.filter(id=late.id).update(status=MessageStatus.QUEUED, status_reason="")
    dispatch_due()
    late.refresh_from_db()
    assert late.status == MessageStatus.SUPPRESSED
    assert late.status_reason.startswith("Over the daily cap of 1 messages on ")
    assert FakeProviderRecord.objects.count() == 1
    assert DeliveryEvent.objects.filter(message=late, status="suppressed").exists()


def test_the_scheduler_dispatches_every_few_minutes_and_the_task_sends(world: World, settings: Any) -> None:
    from alongside.messaging.tasks import dispatch_messages
    from alongside.scheduling.jobs import periodic_jobs

    settings.MESSAGING_DISPATCH_MINUTES = 2
    (job,) = [j for j in periodic_jobs() if j.name == "messaging.dispatch"]
    assert job.every == timedelta(minutes=2) and job.task is dispatch_messages
    queue(world, "k1")
    assert dispatch_messages.enqueue().return_value == 1  # the immediate backend in tests
    assert FakeProviderRecord.objects.count() == 1


def test_the_worker_command_sends_what_is_due_once(world: World, capsys: Any) -> None:
    from django.core.management import call_command

    queue(world, "k1")
    queue(world, "k2", channel=Channel.EMAIL)  # paul has no email: suppressed when queued, never sent
    call_command("dispatch_messages", "--once", "--worker", "w1")
    assert "w1: 1 messages handled." in capsys.readouterr().out
    assert list(FakeProviderRecord.objects.values_list("idempotency_key", flat=True)) == ["k1"]
