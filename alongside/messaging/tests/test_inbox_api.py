from __future__ import annotations

import pytest
from django.test import Client

from alongside.audit.models import AccessChannel, AccessLogEntry
from alongside.messaging.models import InboundMessage
from alongside.messaging.tests.inbound_helpers import TOKEN, post_text
from alongside.testing.api import ApiFor
from alongside.testing.world import World

pytestmark = pytest.mark.django_db
URL = "/api/v1/inbound-messages/"


@pytest.fixture(autouse=True)
def _token(settings) -> None:
    settings.TWILIO_AUTH_TOKEN = TOKEN


def _results(data: object) -> list[dict[str, object]]:
    rows = data["results"] if isinstance(data, dict) else data
    assert isinstance(rows, list)
    return rows


def test_the_assigned_supporter_lists_unread_texts_and_marks_one_read(world: World, api: ApiFor) -> None:
    post_text(Client(), world.paul.phone, "I'm shaking, sugar is 52")
    sofia = api(world.sofia.user)
    rows = _results(sofia.get(URL, {"unread": "true"}).json())
    assert len(rows) == 1
    row = rows[0]
    assert row["participant"] == world.paul.pk and row["is_read"] is False
    assert row["concern"] is not None and "shaking" in str(row["red_flag"])
    assert AccessLogEntry.objects.filter(user=world.sofia.user, channel=AccessChannel.API).exists()
    response = sofia.post(f"{URL}{row['id']}/read/")
    assert response.status_code == 200 and response.json()["is_read"] is True
    assert _results(sofia.get(URL, {"unread": "true"}).json()) == []
    assert len(_results(sofia.get(URL).json())) == 1


def test_others_see_no_texts_and_cannot_mark_them(world: World, api: ApiFor) -> None:
    post_text(Client(), world.paul.phone, "hello")
    message = InboundMessage.objects.get()
    for user in (world.sid.user, world.otto, world.paul_user, world.eve):
        client = api(user)
        assert _results(client.get(URL).json()) == []
        assert client.post(f"{URL}{message.pk}/read/").status_code == 404
    message.refresh_from_db()
    assert message.handled_at is None
