"""Signed one-click unsubscribe links: GET confirms, POST (the button or a mail client's RFC 8058 one-click)
unsubscribes without a session; tampered or expired links change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import signing
from django.test import Client

from alongside.messaging import sequences
from alongside.messaging.models import SequenceMembership, SequenceMembershipStatus
from alongside.messaging.unsubscribe import (
    SALT,
    BadToken,
    list_unsubscribe_headers,
    make_token,
    membership_for,
    unsubscribe_path,
)
from alongside.testing.world import World

pytestmark = pytest.mark.django_db

BODY = "Hi {{ first_name }}. Stop: {{ unsubscribe_url }}"


@pytest.fixture
def membership(world: World) -> SequenceMembership:
    sequence = sequences.save_sequence(
        world.cora,
        world.telephone,
        name="Tips",
        language="en",
        functions=[],
        steps=[sequences.StepDraft(0, "One", BODY), sequences.StepDraft(7, "Two", BODY)],
    )
    world.paul.email = "paul@example.org"
    world.paul.save()
    (row,) = sequences.add_members(world.cora, sequence, [world.paul.pk])
    return row


def status(membership: SequenceMembership) -> str:
    membership.refresh_from_db()
    return membership.status


def test_opening_the_link_asks_before_unsubscribing(membership: SequenceMembership) -> None:
    response = Client().get(unsubscribe_path(membership))
    assert response.status_code == 200
    assert b"Unsubscribe</button>" in response.content
    assert status(membership) == SequenceMembershipStatus.ACTIVE


def test_the_confirm_button_unsubscribes_without_a_login_or_csrf_token(membership: SequenceMembership) -> None:
    response = Client(enforce_csrf_checks=True).post(unsubscribe_path(membership))
    assert response.status_code == 200
    assert b"You are unsubscribed" in response.content
    assert status(membership) == SequenceMembershipStatus.UNSUBSCRIBED
    assert membership.unsubscribed_at is not None


def test_a_mail_clients_one_click_post_unsubscribes_and_stops_further_steps(membership: SequenceMembership) -> None:
    response = Client(enforce_csrf_checks=True).post(unsubscribe_path(membership), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert status(membership) == SequenceMembershipStatus.UNSUBSCRIBED
    assert sequences.generate_due(membership.started_on + timedelta(days=30)) == 0


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_token_is_a_400_and_changes_nothing(membership: SequenceMembership, method: str) -> None:
    token = make_token(membership)
    forged = signing.dumps(membership.pk + 1, salt=SALT).split(":")[0] + ":" + token.split(":", 1)[1]
    for bad in (token[:-2] + "xx", forged, "nonsense", signing.dumps(membership.pk, salt="another.salt")):
        response = getattr(Client(), method)(f"/messaging/unsubscribe/{bad}/")
        assert response.status_code == 400
        assert b"This unsubscribe link is not valid" in response.content
    assert status(membership) == SequenceMembershipStatus.ACTIVE


def test_an_expired_token_is_refused(membership: SequenceMembership) -> None:
    token = make_token(membership)
    with pytest.raises(BadToken):
        membership_for(token, max_age=timedelta(seconds=-1))
    assert membership_for(token) == membership


def test_an_email_programs_message_gets_one_click_list_unsubscribe_headers(membership: SequenceMembership) -> None:
    headers = list_unsubscribe_headers(f"seq:{membership.pk}:2")
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = headers["List-Unsubscribe"].strip("<>")
    path = url.split("localhost:8000", 1)[1]
    assert Client(enforce_csrf_checks=True).post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert status(membership) == SequenceMembershipStatus.UNSUBSCRIBED
    assert list_unsubscribe_headers("session:1:2:24h") == {}
