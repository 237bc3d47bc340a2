from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from alongside.contacts.models import Contact
from alongside.messaging.inbound import keyword_of
from alongside.messaging.models import InboundMessage, MessageStatus, OutboundMessage, Purpose
from alongside.messaging.outbox import MessageDraft, dispatch_due, queue_message
from alongside.messaging.tests.inbound_helpers import TOKEN, post_text
from alongside.people.models import ConsentKind, ConsentMethod, Participant
from alongside.testing.world import World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _token(settings) -> None:
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.MESSAGING_SMS_PROVIDER = "console"


@pytest.mark.parametrize(
    ("body", "keyword"),
    [
        ("STOP", "stop"),
        ("stop", "stop"),
        (" Stop. ", "stop"),
        ("STOPALL", "stop"),
        ("unsubscribe", "stop"),
        ("Cancel", "stop"),
        ("END", "stop"),
        ("quit", "stop"),
        ("PARAR", "stop"),
        ("alto", "stop"),
        ("START", "start"),
        ("unstop", "start"),
        ("Yes", "start"),
        ("sí", "start"),
        ("HELP", "help"),
        ("info", "help"),
        ("Ayuda", "help"),
        ("please stop calling me at work", ""),
        ("I stopped eating sugar", ""),
        ("help me with my meal plan", ""),
    ],
)
def test_keywords_are_the_whole_message_in_any_case(body: str, keyword: str) -> None:
    assert keyword_of(body) == keyword


def _direct(world: World, key: str) -> OutboundMessage:
    return queue_message(
        MessageDraft(
            participant_id=world.paul.pk,
            enrollment_id=world.paul_enrollment.pk,
            channel="sms",
            purpose=Purpose.DIRECT,
            body="How was your week?",
            idempotency_key=key,
            send_after=timezone.now(),
        )
    )


def test_stop_withdraws_text_consent_confirms_once_and_nothing_else_is_sent(world: World, client: Client) -> None:
    earlier = _direct(world, "before-stop")  # queued while Paul still consented
    post_text(client, world.paul.phone, "STOP", sid="SMstop")
    post_text(client, world.paul.phone, "STOP", sid="SMstop")  # the provider retries the webhook
    world.paul.refresh_from_db()
    assert world.paul.consent_texts is False
    record = world.paul.consent_records.get(kind=ConsentKind.TEXTS)
    assert (record.granted, record.method, record.note) == (False, ConsentMethod.ELECTRONIC, "Texted STOP")
    assert record.recorded_by == world.paul_user  # he texted it himself
    replies = OutboundMessage.objects.filter(purpose=Purpose.KEYWORD_REPLY)
    assert replies.count() == 1
    reply = replies.get()
    assert reply.status == MessageStatus.QUEUED  # exempt from consent: carriers require the confirmation
    assert "Riverside Community Health" in reply.body and "START" in reply.body
    after = _direct(world, "after-stop")
    assert after.status == MessageStatus.SUPPRESSED
    OutboundMessage.objects.filter(pk=earlier.pk).update(send_after=timezone.now(), next_attempt_at=timezone.now())
    dispatch_due()
    reply.refresh_from_db()
    earlier.refresh_from_db()
    assert reply.status == MessageStatus.SENT
    assert earlier.status == MessageStatus.SUPPRESSED and earlier.status_reason == "Consent withdrawn."
    # A keyword is not a conversation: no contact, nothing in the supporter's inbox.
    message = InboundMessage.objects.get()
    assert message.keyword == "stop" and message.handled_at is not None
    assert not Contact.objects.exists()


def test_start_gives_consent_again_and_texts_flow_again(world: World, client: Client) -> None:
    post_text(client, world.paul.phone, "stop")
    post_text(client, world.paul.phone, "Start")
    world.paul.refresh_from_db()
    assert world.paul.consent_texts is True
    assert list(world.paul.consent_records.filter(kind=ConsentKind.TEXTS).values_list("note", flat=True)) == [
        "Texted START",
        "Texted STOP",
    ]
    assert OutboundMessage.objects.filter(purpose=Purpose.KEYWORD_REPLY).count() == 2
    assert _direct(world, "after-start").status == MessageStatus.QUEUED
    dispatch_due()
    assert OutboundMessage.objects.filter(status=MessageStatus.SENT).count() == 3


def test_spanish_stop_and_help_reply_in_spanish(world: World, client: Client) -> None:
    world.rita.phone = "+12025550177"
    world.rita.consent_texts = True
    world.rita.save()
    post_text(client, world.rita.phone, "AYUDA")
    help_reply = OutboundMessage.objects.get(purpose=Purpose.KEYWORD_REPLY)
    assert "Riverside Community Health" in help_reply.body and "STOP" in help_reply.body
    assert "Responda" in help_reply.body
    assert Participant.objects.get(pk=world.rita.pk).consent_texts is True  # HELP changes nothing
    post_text(client, world.rita.phone, "parar")
    assert Participant.objects.get(pk=world.rita.pk).consent_texts is False
    # Rita has no login: the consent record names her assigned supporter, who received the text.
    assert world.rita.consent_records.get(kind=ConsentKind.TEXTS).recorded_by == world.sid.user


def test_help_tells_the_organization_and_how_to_stop(world: World, client: Client) -> None:
    post_text(client, world.paul.phone, "help")
    reply = OutboundMessage.objects.get(purpose=Purpose.KEYWORD_REPLY)
    assert reply.body.startswith("Riverside Community Health:") and "Reply STOP" in reply.body


def test_yes_from_someone_who_gets_texts_is_an_answer_for_the_supporter_not_a_keyword(
    world: World, client: Client
) -> None:
    post_text(client, world.paul.phone, "Yes!")
    message = InboundMessage.objects.get()
    assert message.keyword == "" and message.contact is not None and message.handled_at is None
    assert not OutboundMessage.objects.exists()
    post_text(client, world.paul.phone, "STOP")
    post_text(client, world.paul.phone, "yes")  # after STOP, YES is START
    assert Participant.objects.get(pk=world.paul.pk).consent_texts is True
