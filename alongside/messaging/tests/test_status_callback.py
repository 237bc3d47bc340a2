"""Twilio's delivery status callbacks: signed, or refused."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from alongside.messaging.models import Channel, DeliveryEvent, MessageStatus, OutboundMessage, Purpose
from alongside.messaging.outbox import MessageDraft, queue_message
from alongside.testing.world import World

pytestmark = pytest.mark.django_db
URL = "http://testserver/messaging/status/"
TOKEN = "test-auth-token"


@pytest.fixture
def sent(world: World, settings: Any) -> OutboundMessage:
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.MESSAGING_STATUS_CALLBACK_URL = ""
    message = queue_message(
        MessageDraft(world.paul.id, world.paul_enrollment.id, Channel.SMS, Purpose.DIRECT, "Hello", "d-1")
    )
    OutboundMessage.objects.filter(id=message.id).update(
        status=MessageStatus.SENT, provider="twilio", provider_message_id="SM123", sent_at=timezone.now()
    )
    return message


def post(client: Client, data: dict[str, str], token: str = TOKEN) -> Any:
    signature = RequestValidator(token).compute_signature(URL, data)
    return client.post("/messaging/status/", data, HTTP_X_TWILIO_SIGNATURE=signature)


def test_a_signed_delivered_callback_marks_the_message_delivered(client: Client, sent: OutboundMessage) -> None:
    response = post(client, {"MessageSid": "SM123", "MessageStatus": "delivered", "AccountSid": "AC1"})
    assert response.status_code == 204
    sent.refresh_from_db()
    assert sent.status == MessageStatus.DELIVERED and sent.delivered_at is not None
    assert DeliveryEvent.objects.get(message=sent).detail["provider_status"] == "delivered"


def test_undelivered_and_failed_are_recorded_with_the_error_code(client: Client, sent: OutboundMessage) -> None:
    post(client, {"MessageSid": "SM123", "MessageStatus": "undelivered", "ErrorCode": "30003"})
    sent.refresh_from_db()
    assert sent.status == MessageStatus.UNDELIVERED
    assert "30003" in sent.last_error
    post(client, {"MessageSid": "SM123", "MessageStatus": "failed", "ErrorCode": "30008"})
    sent.refresh_from_db()
    assert sent.status == MessageStatus.FAILED


def test_an_intermediate_status_is_kept_as_an_event_only(client: Client, sent: OutboundMessage) -> None:
    assert post(client, {"MessageSid": "SM123", "MessageStatus": "sent"}).status_code == 204
    sent.refresh_from_db()
    assert sent.status == MessageStatus.SENT
    assert DeliveryEvent.objects.filter(message=sent).count() == 1


def test_a_bad_signature_is_refused_and_changes_nothing(client: Client, sent: OutboundMessage) -> None:
    response = post(client, {"MessageSid": "SM123", "MessageStatus": "delivered"}, token="someone-else")
    assert response.status_code == 403
    missing = client.post("/messaging/status/", {"MessageSid": "SM123", "MessageStatus": "delivered"})
    assert missing.status_code == 403
    sent.refresh_from_db()
    assert sent.status == MessageStatus.SENT
    assert not DeliveryEvent.objects.exists()


def test_a_signed_but_malformed_callback_is_a_bad_request(client: Client, sent: OutboundMessage) -> None:
    assert post(client, {"MessageSid": "SM123", "MessageStatus": "exploded"}).status_code == 400
    assert post(client, {"MessageStatus": "delivered"}).status_code == 400
    assert not DeliveryEvent.objects.exists()


def test_without_an_auth_token_every_callback_is_refused(client: Client, sent: OutboundMessage, settings: Any) -> None:
    settings.TWILIO_AUTH_TOKEN = ""
    assert post(client, {"MessageSid": "SM123", "MessageStatus": "delivered"}).status_code == 403


def test_a_callback_for_an_unknown_message_is_ignored(client: Client, sent: OutboundMessage) -> None:
    assert post(client, {"MessageSid": "SM999", "MessageStatus": "delivered"}).status_code == 204
    assert not DeliveryEvent.objects.exists()


def test_only_post_is_accepted(client: Client) -> None:
    assert client.get("/messaging/status/").status_code == 405
