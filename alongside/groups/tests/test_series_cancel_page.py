from __future__ import annotations

from django.test import Client
from django.urls import reverse

from alongside.groups.models import AttendanceStatus, SessionStatus
from alongside.testing.groups import GroupWorld, mark


def test_a_coordinator_cancels_the_rest_of_a_series_and_held_sessions_keep_their_attendance(
    group_world: GroupWorld, client: Client
) -> None:
    gw = group_world
    held = gw.workshop.sessions.get(number=1)
    mark(gw.world.cora, held, gw.registrations["ana"], AttendanceStatus.PRESENT)
    client.force_login(gw.world.cora)
    response = client.post(reverse("groups:series_cancel", args=[gw.workshop.pk]), {"reason": "Venue closed"})
    assert response.status_code == 302
    gw.workshop.refresh_from_db()
    assert gw.workshop.is_cancelled
    cancelled = set(gw.workshop.sessions.filter(status=SessionStatus.CANCELLED).values_list("number", flat=True))
    assert cancelled == {5, 6}  # sessions 1-4 have started
    assert held.attendance.count() == 1
    page = client.get(reverse("groups:series", args=[gw.workshop.pk])).content.decode()
    assert "Series cancelled" in page and "Venue closed" in page


def test_cancelling_without_a_reason_is_refused_and_changes_nothing(group_world: GroupWorld, client: Client) -> None:
    client.force_login(group_world.world.cora)
    response = client.post(reverse("groups:series_cancel", args=[group_world.workshop.pk]), {"reason": " "})
    assert response.status_code == 400 and "Say why" in response.content.decode()
    group_world.workshop.refresh_from_db()
    assert not group_world.workshop.is_cancelled
    assert not group_world.workshop.sessions.filter(status=SessionStatus.CANCELLED).exists()


def test_a_leader_cannot_cancel_a_series(group_world: GroupWorld, client: Client) -> None:
    client.force_login(group_world.lena.user)
    response = client.post(reverse("groups:series_cancel", args=[group_world.workshop.pk]), {"reason": "Tired"})
    assert response.status_code == 404
    group_world.workshop.refresh_from_db()
    assert not group_world.workshop.is_cancelled
