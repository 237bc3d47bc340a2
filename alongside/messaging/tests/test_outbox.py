"""Queueing: consent, addresses, quiet hours and the daily cap, in the participant's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from alongside.followup.models import FollowUpRules
from alongside.messaging.models import Channel, MessageStatus, MessagingSettings, OutboundMessage, Purpose
from alongside.messaging.outbox import MessageDraft, queue_many, queue_message
from alongside.testing.world import World

pytestmark = pytest.mark.django_db


def draft(world: World, key: str, **changes: Any) -> MessageDraft:
    values: dict[str, Any] = {
        "participant_id": world.paul.id,
        "enrollment_id": world.paul_enrollment.id,
        "channel": Channel.SMS,
        "purpose": Purpose.SESSION_REMINDER,
        "body": "Your group meets tomorrow at 6 pm.",
        "idempotency_key": key,
        "functions": ("ongoing",),
    }
    return MessageDraft(**{**values, **changes})


def noon_utc(day: int = 10) -> datetime:
    return datetime(2026, 6, day, 16, 0, tzinfo=UTC)  # noon in New York (EDT)


def test_a_consenting_participant_s_reminder_is_queued_with_its_functions(world: World) -> None:
    message = queue_message(draft(world, "r-1", send_after=noon_utc()))
    assert message.status == MessageStatus.QUEUED
    assert message.to_address == "+12025550143"
    assert message.send_after == noon_utc()
    assert message.fn_ongoing and not message.fn_linkage
    assert message.organization_id == world.org.id


def test_the_same_key_queued_twice_returns_the_first_row(world: World) -> None:
    first = queue_message(draft(world, "r-1"))
    again = queue_message(draft(world, "r-1", body="Different text"))
    assert again.id == first.id
    assert OutboundMessage.objects.count() == 1


def test_no_text_consent_suppresses_with_the_reason(world: World) -> None:
    world.paul.consent_texts = False
    world.paul.save()
    message = queue_message(draft(world, "r-1"))
    assert message.status == MessageStatus.SUPPRESSED
    assert message.status_reason == "No consent to text messages."


def test_email_needs_an_address_and_contact_consent(world: World) -> None:
    missing = queue_message(draft(world, "e-1", channel=Channel.EMAIL, subject="Hi"))
    assert (missing.status, missing.status_reason) == (MessageStatus.SUPPRESSED, "No email address on record.")
    world.paul.email = "paul@example.org"
    world.paul.consent_contact = False
    world.paul.save()
    refused = queue_message(draft(world, "e-2", channel=Channel.EMAIL, subject="Hi"))
    assert refused.status_reason == "No consent to be contacted."
    world.paul.consent_contact = True
    world.paul.save()
    assert queue_message(draft(world, "e-3", channel=Channel.EMAIL, subject="Hi")).status == MessageStatus.QUEUED


def test_no_phone_number_suppresses(world: World) -> None:
    world.paul.phone = ""
    world.paul.save()
    message = queue_message(draft(world, "r-1"))
    assert message.status_reason == "No mobile number on record."


def test_an_invalid_number_is_rejected_with_a_clear_error_and_nothing_is_written(world: World) -> None:
    world.paul.phone = "+1202555"
    world.paul.save()
    with pytest.raises(ValidationError) as error:
        queue_message(draft(world, "r-1"))
    assert "+1202555 is not a valid phone number." in error.value.message_dict["to_address"]
    assert not OutboundMessage.objects.exists()


def test_an_invalid_number_in_a_batch_is_suppressed_and_the_others_queued(world: World) -> None:
    world.rita.phone = "+1202555"
    world.rita.consent_texts = True
    world.rita.save()
    added = queue_many(
        [draft(world, "p"), draft(world, "r", participant_id=world.rita.id, enrollment_id=world.rita_enrollment.id)]
    )
    assert added == 2
    assert OutboundMessage.objects.get(idempotency_key="p").status == MessageStatus.QUEUED
    rita = OutboundMessage.objects.get(idempotency_key="r")
    assert (rita.status, rita.status_reason) == (MessageStatus.SUPPRESSED, "+1202555 is not a valid phone number.")


def test_bad_drafts_raise_before_anything_is_written(world: World) -> None:
    with pytest.raises(ValidationError) as error:
        queue_many([draft(world, "a"), draft(world, "b", channel="pigeon", body=" ")])
    assert set(error.value.message_dict) == {"channel", "body"}
    assert not OutboundMessage.objects.exists()


def test_quiet_hours_move_send_after_to_their_end_in_the_participant_s_zone(world: World) -> None:
    FollowUpRules.objects.create(program=world.telephone, quiet_start=time(21), quiet_end=time(8))
    world.paul.timezone = "Asia/Tokyo"
    world.paul.save()
    # 23:30 in Tokyo (14:30 UTC): quiet until 08:00 Tokyo the next morning (23:00 UTC).
    late = datetime(2026, 6, 10, 14, 30, tzinfo=UTC)
    message = queue_message(draft(world, "r-1", send_after=late))
    assert message.send_after == datetime(2026, 6, 10, 23, 0, tzinfo=UTC)
    assert message.next_attempt_at == message.send_after
    # 06:00 Tokyo (21:00 UTC the day before): quiet until 08:00 the same morning.
    early = datetime(2026, 6, 10, 21, 0, tzinfo=UTC)
    assert queue_message(draft(world, "r-2", send_after=early)).send_after == datetime(2026, 6, 10, 23, tzinfo=UTC)
    # The same instant is mid-afternoon in New York: not moved for a New Yorker.
    world.paul.timezone = "America/New_York"
    world.paul.save()
    assert queue_message(draft(world, "r-3", send_after=late)).send_after == late


def test_the_daily_cap_counts_the_participant_s_local_day(world: World) -> None:
    MessagingSettings.objects.create(program=world.telephone, daily_cap=2)
    world.paul.timezone = "Pacific/Auckland"
    world.paul.save()
    # 10:00 and 11:00 UTC on June 10 are 22:00 / 23:00 in Auckland... quiet hours; use 20:00-21:00 UTC
    # (08:00-09:00 on June 11 in Auckland) and 09:00 UTC (21:00 June 10 is quiet: moved to June 11, 08:00).
    first = datetime(2026, 6, 10, 20, 0, tzinfo=UTC)
    added = queue_many(
        [
            draft(world, "a", send_after=first),
            draft(world, "b", send_after=first + timedelta(hours=1)),
            draft(world, "c", send_after=first + timedelta(hours=2)),
            # 12:00 UTC on June 11 is 00:00 June 12 in Auckland: another day, but quiet -> 08:00 June 12.
            draft(world, "d", send_after=datetime(2026, 6, 11, 12, 0, tzinfo=UTC)),
        ]
    )
    assert added == 4
    statuses = dict(OutboundMessage.objects.values_list("idempotency_key", "status"))
    assert statuses == {"a": "queued", "b": "queued", "c": "suppressed", "d": "queued"}
    assert OutboundMessage.objects.get(idempotency_key="c").status_reason == (
        "Over the daily cap of 2 messages on 2026-06-11."
    )
    # Later calls count what is already queued.
    assert queue_message(draft(world, "e", send_after=first)).status == MessageStatus.SUPPRESSED


def test_keyword_replies_go_without_text_consent(world: World) -> None:
    world.paul.consent_texts = False
    world.paul.save()
    message = queue_message(draft(world, "stop-1", purpose=Purpose.KEYWORD_REPLY, body="You will get no more texts."))
    assert message.status == MessageStatus.QUEUED


def test_queue_many_skips_keys_already_queued_and_repeated(world: World) -> None:
    queue_message(draft(world, "a"))
    assert queue_many([draft(world, "a"), draft(world, "b"), draft(world, "b")]) == 1
    assert OutboundMessage.objects.count() == 2
