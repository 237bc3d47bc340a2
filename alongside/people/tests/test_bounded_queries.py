"""The caseload and the participant page cost the same number of queries whatever their size."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alongside.people.timeline import source_names as timeline_sources
from alongside.safety.models import Concern
from alongside.testing.world import World, make_contact, make_enrollment, make_participant

pytestmark = pytest.mark.django_db


def queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def grow_caseload(world: World, people: int, contacts_each: int) -> None:
    for i in range(people):
        participant = make_participant(world.org, f"Extra{i}")
        enrollment = make_enrollment(world.cora, participant, world.telephone, [world.sofia])
        for day in range(contacts_each):
            make_contact(enrollment, world.sofia.user, days_ago=day + 1, next_contact_due=None)
        Concern.objects.create(
            participant=participant, tier="routine", reason="r", raised_by=world.sam, raised_at=enrollment.created_at
        )


def test_caseload_queries_do_not_grow_with_the_caseload(world: World, client: Client) -> None:
    client.force_login(world.sofia.user)
    url = reverse("people:caseload")
    small = queries_for(client, url)
    grow_caseload(world, people=25, contacts_each=3)
    large = queries_for(client, url)
    assert large == small
    assert large <= 7  # 6 + the menu's unread-texts count (messaging)


def test_participant_page_queries_do_not_grow_with_the_timeline(world: World, client: Client) -> None:
    client.force_login(world.sofia.user)
    url = reverse("people:participant", args=[world.paul.pk])
    make_contact(world.paul_enrollment, world.sofia.user)
    small = queries_for(client, url)
    for day in range(60):
        make_contact(world.paul_enrollment, world.sofia.user, days_ago=day + 2, note=f"call {day}")
    for _ in range(5):
        Concern.objects.create(
            participant=world.paul, tier="urgent", reason="r", raised_by=world.sam, raised_at=world.paul.created_at
        )
    large = queries_for(client, url)
    assert large == small
    # The page's own thirteen (with the menu and its unread-texts count), four for the action plans and
    # readings section, one for the open referrals (linkage), and one per timeline source (each app its own).
    assert large <= 13 + 4 + 1 + len(timeline_sources())


def test_coordinator_home_queries_do_not_grow_with_programs_or_people(world: World, client: Client) -> None:
    client.force_login(world.cora)
    url = reverse("programs:overview")
    small = queries_for(client, url)
    grow_caseload(world, people=10, contacts_each=2)
    from alongside.testing.world import make_program

    for n in range(3):
        make_program(world.cora, world.org, f"Extra program {n}", [n + 1])
    assert queries_for(client, url) == small


def test_caseload_shows_last_contact_next_due_and_open_concerns(world: World, client: Client) -> None:
    from datetime import timedelta

    from django.utils import timezone

    due = timezone.localdate() + timedelta(days=5)
    make_contact(world.paul_enrollment, world.sofia.user, days_ago=2, next_contact_due=due)
    # make_contact writes the row directly; the caseload's next due comes from the follow-up engine's state.
    from alongside.followup import engine

    engine.refresh([world.paul_enrollment.pk])
    Concern.objects.create(
        participant=world.paul, tier="urgent", reason="BP high", raised_by=world.sam, raised_at=timezone.now()
    )
    client.force_login(world.sofia.user)
    page = client.get(reverse("people:caseload")).content.decode()
    assert "Paul Okafor" in page
    assert "2\xa0days ago" in page
    assert due.isoformat() in page
    assert "1 open concern" in page
    assert "Rita" not in page
