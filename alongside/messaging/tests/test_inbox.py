from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from alongside.audit.models import AccessLogEntry
from alongside.messaging.models import InboundMessage
from alongside.messaging.tests.inbound_helpers import OUR_NUMBER, TOKEN, post_text
from alongside.safety.models import Concern
from alongside.testing.world import PASSWORD, World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _token(settings) -> None:
    settings.TWILIO_AUTH_TOKEN = TOKEN
    # Our receiving number belongs to Riverside: an unknown sender's text waits in Riverside's queue.
    settings.MESSAGING_NUMBERS = {OUR_NUMBER: "riverside"}


def _login(client: Client, username: str) -> Client:
    assert client.login(username=username, password=PASSWORD)
    return client


def test_the_assigned_supporter_sees_the_reply_unread_with_a_count_in_the_menu_and_marks_it_read(
    world: World, client: Client
) -> None:
    post_text(Client(), world.paul.phone, "Walked 20 minutes today!")
    sofia = _login(client, "sofia_supporter")
    page = sofia.get("/messaging/inbox/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Walked 20 minutes today!" in html and "Paul Okafor" in html
    assert "Messages (1)" in html
    assert AccessLogEntry.objects.filter(user=world.sofia.user).exists()
    message = InboundMessage.objects.get()
    assert sofia.post(f"/messaging/inbox/{message.pk}/read/").status_code == 302
    message.refresh_from_db()
    assert message.handled_by == world.sofia.user and message.handled_at is not None
    html = sofia.get("/messaging/inbox/").content.decode()
    assert "Walked 20 minutes" not in html and "Messages (1)" not in html
    assert "Walked 20 minutes" in sofia.get("/messaging/inbox/?show=all").content.decode()


def test_an_unassigned_supporter_and_an_outsider_see_nothing_and_cannot_mark_it(world: World, client: Client) -> None:
    post_text(Client(), world.paul.phone, "Walked 20 minutes today!")
    message = InboundMessage.objects.get()
    sid = _login(client, "sid_supporter")
    assert "Walked 20 minutes" not in sid.get("/messaging/inbox/").content.decode()
    assert sid.post(f"/messaging/inbox/{message.pk}/read/").status_code == 404
    otto = _login(Client(), "otto_outsider")
    assert "Walked 20 minutes" not in otto.get("/messaging/inbox/").content.decode()
    assert otto.post(f"/messaging/inbox/{message.pk}/read/").status_code == 404
    assert _login(Client(), "paul_participant").get("/messaging/inbox/").status_code == 404
    message.refresh_from_db()
    assert message.handled_at is None


def test_a_red_flag_text_shows_its_concern_in_the_inbox_and_on_the_supervisors_concerns(
    world: World, client: Client
) -> None:
    post_text(Client(), world.paul.phone, "quiero morir")
    html = _login(client, "sofia_supporter").get("/messaging/inbox/").content.decode()
    assert "Emergency concern raised" in html
    concern = Concern.objects.get()
    assert concern.participant == world.paul
    sam_page = _login(Client(), "sam_supervisor").get("/safety/concerns/")
    assert sam_page.status_code == 200 and "Paul" in sam_page.content.decode()


def test_a_coordinator_assigns_an_unknown_number_to_a_participant(
    world: World, client: Client, django_capture_on_commit_callbacks
) -> None:
    world.sam.email = "sam@example.org"
    world.sam.save()
    with django_capture_on_commit_callbacks(execute=True):
        post_text(Client(), "+12025550199", "Hola, soy Rita, estoy temblando")
    message = InboundMessage.objects.get()
    assert message.red_flag  # shown first in the queue; no participant to raise it for yet
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["sam@example.org"]  # the supervisors are told now
    assert "temblando" not in mail.outbox[0].body and "/messaging/unknown/" in mail.outbox[0].body
    cora = _login(client, "cora_coordinator")
    assert "Messages (1)" in cora.get("/messaging/inbox/").content.decode()  # the queue's count in her menu
    html = cora.get("/messaging/unknown/").content.decode()
    assert "Hola, soy Rita" in html and "Red-flag words" in html
    assert cora.post(f"/messaging/unknown/{message.pk}/assign/", {"participant": world.rita.pk}).status_code == 302
    message.refresh_from_db()
    assert message.participant == world.rita and message.contact is not None
    assert message.contact.enrollment == world.rita_enrollment and message.contact.supporter == world.sid
    assert message.concern is not None and message.concern.raised_by == world.cora
    assert "Hola, soy Rita" not in cora.get("/messaging/unknown/").content.decode()


def test_a_coordinator_dismisses_an_unknown_number_and_others_cannot_see_the_queue(
    world: World, client: Client
) -> None:
    post_text(Client(), "+12025550199", "wrong number sorry")
    message = InboundMessage.objects.get()
    assert _login(Client(), "sofia_supporter").get("/messaging/unknown/").status_code == 404
    otto = _login(Client(), "otto_outsider")
    assert "wrong number" not in otto.get("/messaging/unknown/").content.decode()
    assert otto.post(f"/messaging/unknown/{message.pk}/dismiss/").status_code == 404
    assert otto.post(f"/messaging/unknown/{message.pk}/assign/", {"participant": world.hana.pk}).status_code == 404
    cora = _login(client, "cora_coordinator")
    assert cora.post(f"/messaging/unknown/{message.pk}/dismiss/").status_code == 302
    message.refresh_from_db()
    assert message.handled_by == world.cora and message.participant is None


def test_a_coordinator_cannot_assign_a_text_to_another_organizations_participant(world: World, client: Client) -> None:
    post_text(Client(), "+12025550199", "hello")
    message = InboundMessage.objects.get()
    cora = _login(client, "cora_coordinator")
    cora.post(f"/messaging/unknown/{message.pk}/assign/", {"participant": world.hana.pk})
    message.refresh_from_db()
    assert message.participant is None and message.handled_at is None
