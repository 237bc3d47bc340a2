from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from alongside.accounts.models import Organization
from alongside.contacts.models import Contact
from alongside.messaging.models import InboundMessage
from alongside.messaging.tests.inbound_helpers import TOKEN, post_text
from alongside.people.models import Participant
from alongside.safety.models import Concern
from alongside.taxonomy import ConcernTier, Initiation, Modality, Outcome
from alongside.testing.world import World, make_participant

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _token(settings) -> None:
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.MESSAGING_NUMBERS = {}


def test_a_text_with_a_bad_signature_is_refused_and_nothing_is_saved(world: World, client: Client) -> None:
    form = {"From": world.paul.phone, "To": "+12025550100", "Body": "hi", "MessageSid": "SM1"}
    bad = RequestValidator("someone-else").compute_signature("http://testserver/messaging/inbound/", form)
    assert client.post("/messaging/inbound/", form, HTTP_X_TWILIO_SIGNATURE=bad).status_code == 403
    assert client.post("/messaging/inbound/", form).status_code == 403
    assert not InboundMessage.objects.exists()


def test_without_an_auth_token_configured_every_text_is_refused(world: World, client: Client, settings) -> None:
    settings.TWILIO_AUTH_TOKEN = ""
    form = {"From": world.paul.phone, "Body": "hi", "MessageSid": "SM1"}
    signature = RequestValidator("").compute_signature("http://testserver/messaging/inbound/", form)
    assert client.post("/messaging/inbound/", form, HTTP_X_TWILIO_SIGNATURE=signature).status_code == 403
    assert not InboundMessage.objects.exists()


def test_a_text_without_a_sender_or_message_id_is_a_bad_request(world: World, client: Client) -> None:
    assert post_text(client, "", "hi").status_code == 400
    assert post_text(client, world.paul.phone, "hi", sid="").status_code == 400
    assert client.get("/messaging/inbound/").status_code == 405
    assert not InboundMessage.objects.exists()


def test_the_same_message_id_twice_is_stored_and_handled_once(world: World, client: Client) -> None:
    assert post_text(client, world.paul.phone, "Thanks for the call", sid="SMdup").status_code == 200
    assert post_text(client, world.paul.phone, "Thanks for the call", sid="SMdup").status_code == 200
    assert InboundMessage.objects.count() == 1
    assert Contact.objects.filter(participant=world.paul, modality=Modality.TEXT_MESSAGE).count() == 1


def test_a_reply_becomes_a_participant_initiated_text_contact_for_the_assigned_supporter(
    world: World, client: Client
) -> None:
    response = post_text(client, "(202) 555-0143", "Walked 20 minutes today!")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    message = InboundMessage.objects.get()
    assert message.participant == world.paul and message.organization == world.org
    contact = message.contact
    assert contact is not None
    assert (contact.modality, contact.initiated_by, contact.outcome) == (
        Modality.TEXT_MESSAGE,
        Initiation.PARTICIPANT,
        Outcome.REACHED,
    )
    assert contact.enrollment == world.paul_enrollment and contact.supporter == world.sofia
    assert contact.note == "Walked 20 minutes today!"
    assert message.handled_at is None  # unread in Sofia's inbox
    assert message.concern is None and not Concern.objects.exists()


def test_a_red_flag_text_raises_an_emergency_concern_at_once_and_emails_the_supervisor(
    world: World,
    client: Client,
    django_capture_on_commit_callbacks,
) -> None:
    world.sam.email = "sam@example.org"
    world.sam.save()
    with django_capture_on_commit_callbacks(execute=True):
        post_text(client, world.paul.phone, "I can't go on, I want to kill myself")
    message = InboundMessage.objects.get()
    concern = message.concern
    assert concern is not None
    assert concern.tier == ConcernTier.EMERGENCY and concern.participant == world.paul
    assert concern.program == world.telephone and concern.contact == message.contact
    assert "kill myself" in message.red_flag and concern.is_open
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["sam@example.org"]
    assert "kill myself" not in mail.outbox[0].body  # no health details by email, only a link


def test_a_spanish_red_flag_raises_a_concern_too(world: World, client: Client) -> None:
    world.rita.phone = "+12025550177"
    world.rita.save()
    post_text(client, world.rita.phone, "Tuve un desmayo y estoy temblando")
    concern = Concern.objects.get()
    assert concern.participant == world.rita and concern.tier == ConcernTier.EMERGENCY
    assert "desmayo" in concern.reason


def test_no_false_alarm_on_ordinary_words(world: World, client: Client) -> None:
    post_text(client, world.paul.phone, "I stopped eating sugar")
    assert not Concern.objects.exists()
    assert InboundMessage.objects.get().keyword == ""


def test_an_unknown_number_waits_in_the_coordinators_queue(world: World, client: Client) -> None:
    post_text(client, "+12025550199", "Hi, this is Rita's new phone")
    message = InboundMessage.objects.get()
    assert message.participant is None and message.contact is None and message.handled_at is None
    assert not Contact.objects.exists()


def test_when_two_organizations_have_the_number_the_receiving_number_decides(
    world: World,
    client: Client,
    settings,
) -> None:
    twin = make_participant(world.other_org, "Hana's twin", phone=world.paul.phone)
    post_text(client, world.paul.phone, "hello", sid="SMa")
    assert InboundMessage.objects.get(provider_message_id="SMa").participant is None  # ambiguous: queued
    settings.MESSAGING_NUMBERS = {"+12025550111": "hillcrest"}
    post_text(client, world.paul.phone, "hello", sid="SMb", to="+12025550111")
    assert InboundMessage.objects.get(provider_message_id="SMb").participant == twin
    assert isinstance(twin, Participant)


def test_a_text_that_cannot_be_attached_is_kept_in_the_queue(world: World, client: Client) -> None:
    lonely = Organization.objects.create(name="No staff yet", slug="empty")
    stranger = make_participant(lonely, "Zoe", phone="+12025550188")
    assert post_text(client, stranger.phone, "hello?").status_code == 200
    message = InboundMessage.objects.get()
    assert message.participant is None and message.organization == lonely and message.handled_at is None
