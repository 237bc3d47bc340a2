from __future__ import annotations

import re

import pytest
from django.test import Client

from alongside.audit.models import AccessLogEntry
from alongside.messaging.models import InboundMessage, MessageStatus, OutboundMessage, Purpose
from alongside.messaging.tests.inbound_helpers import TOKEN, post_text
from alongside.people.models import Participant
from alongside.people.timeline import timeline_for
from alongside.testing.world import PASSWORD, World

pytestmark = pytest.mark.django_db


def _login(client: Client, username: str) -> Client:
    assert client.login(username=username, password=PASSWORD)
    return client


def _key(client: Client, participant: Participant) -> str:
    html = client.get(f"/messaging/text/{participant.pk}/").content.decode()
    match = re.search(r'name="key" value="([0-9a-f]+)"', html)
    assert match
    return match.group(1)


def test_the_assigned_supporter_texts_a_participant_through_the_outbox(world: World, client: Client) -> None:
    sofia = _login(client, "sofia_supporter")
    detail = sofia.get(f"/people/participants/{world.paul.pk}/").content.decode()
    assert f"/messaging/text/{world.paul.pk}/" in detail and "Text Paul" in detail
    key = _key(sofia, world.paul)
    assert AccessLogEntry.objects.filter(user=world.sofia.user, path=f"/messaging/text/{world.paul.pk}/").exists()
    response = sofia.post(f"/messaging/text/{world.paul.pk}/", {"body": "How did the walk go?", "key": key})
    assert response.status_code == 302
    sofia.post(f"/messaging/text/{world.paul.pk}/", {"body": "How did the walk go?", "key": key})  # double submit
    message = OutboundMessage.objects.get()
    assert (message.purpose, message.channel, message.to_address) == (Purpose.DIRECT, "sms", "+12025550143")
    assert message.created_by == world.sofia.user and message.enrollment == world.paul_enrollment
    assert message.status == MessageStatus.QUEUED
    events = timeline_for(world.paul, world.sofia.user)
    assert any(e.kind == "message_out" and e.obj == message for e in events)
    assert "How did the walk go?" in sofia.get(f"/people/participants/{world.paul.pk}/").content.decode()


def test_without_text_consent_the_page_says_so_and_nothing_is_queued(world: World, client: Client) -> None:
    Participant.objects.filter(pk=world.paul.pk).update(consent_texts=False)
    sofia = _login(client, "sofia_supporter")
    key = _key(sofia, world.paul)
    response = sofia.post(f"/messaging/text/{world.paul.pk}/", {"body": "Hi", "key": key})
    assert response.status_code == 200
    assert "has not consented to text messages" in response.content.decode()
    assert not OutboundMessage.objects.exists()


def test_after_stop_the_page_says_they_texted_stop(world: World, client: Client, settings) -> None:
    settings.TWILIO_AUTH_TOKEN = TOKEN
    post_text(Client(), world.paul.phone, "STOP")
    sofia = _login(client, "sofia_supporter")
    key = _key(sofia, world.paul)
    response = sofia.post(f"/messaging/text/{world.paul.pk}/", {"body": "Hi", "key": key})
    assert "texted STOP" in response.content.decode()
    assert not OutboundMessage.objects.exclude(purpose=Purpose.KEYWORD_REPLY).exists()
    # The STOP text itself is on the timeline (it became no contact).
    stop = InboundMessage.objects.get()
    assert any(e.kind == "message_in" and e.obj == stop for e in timeline_for(world.paul, world.sofia.user))


def test_an_invalid_number_is_refused(world: World, client: Client) -> None:
    Participant.objects.filter(pk=world.paul.pk).update(phone="+1555")
    sofia = _login(client, "sofia_supporter")
    key = _key(sofia, world.paul)
    response = sofia.post(f"/messaging/text/{world.paul.pk}/", {"body": "Hi", "key": key})
    assert "is not a valid number" in response.content.decode()
    assert not OutboundMessage.objects.exists()


def test_an_empty_or_overlong_text_is_refused(world: World, client: Client) -> None:
    sofia = _login(client, "sofia_supporter")
    key = _key(sofia, world.paul)
    assert sofia.post(f"/messaging/text/{world.paul.pk}/", {"body": "  ", "key": key}).status_code == 200
    assert sofia.post(f"/messaging/text/{world.paul.pk}/", {"body": "x" * 641, "key": key}).status_code == 200
    assert not OutboundMessage.objects.exists()


def test_a_coordinator_may_text_anyone_of_the_organization(world: World, client: Client) -> None:
    cora = _login(client, "cora_coordinator")
    key = _key(cora, world.paul)
    assert cora.post(f"/messaging/text/{world.paul.pk}/", {"body": "Hello", "key": key}).status_code == 302
    assert OutboundMessage.objects.get().created_by == world.cora


@pytest.mark.parametrize("username", ["sid_supporter", "otto_outsider", "paul_participant", "eve_evaluator"])
def test_others_get_no_page_and_no_link(world: World, client: Client, username: str) -> None:
    user = _login(client, username)
    assert user.get(f"/messaging/text/{world.paul.pk}/").status_code == 404
    assert user.post(f"/messaging/text/{world.paul.pk}/", {"body": "Hi", "key": "abc"}).status_code == 404
    assert not OutboundMessage.objects.exists()


def test_an_unassigned_supporter_sees_no_text_link_on_a_participant_page(world: World, client: Client) -> None:
    priya = _login(client, "priya_professional")  # may see Paul (clinical lead) but does not text
    html = priya.get(f"/people/participants/{world.paul.pk}/").content.decode()
    assert f"/messaging/text/{world.paul.pk}/" not in html
