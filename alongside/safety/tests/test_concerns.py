"""Concerns on the supervisor's home: most severe and longest waiting first, acknowledged by a human once."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alongside.accounts.models import User
from alongside.people.models import Participant
from alongside.safety.models import Concern
from alongside.testing.pages import Response, flash_messages, section, text
from alongside.testing.world import World

pytestmark = pytest.mark.django_db


def concern(participant: Participant, by: User, tier: str, reason: str, hours_ago: float) -> Concern:
    return Concern.objects.create(
        participant=participant,
        tier=tier,
        reason=reason,
        raised_by=by,
        raised_at=timezone.now() - timedelta(hours=hours_ago),
    )


def open_list(response: Response) -> str:
    return section(text(response), 'aria-label="Open concerns"', "</ul>")


def recent_list(response: Response) -> str:
    return section(text(response), "<h2>Recently acknowledged</h2>", "</ul>")


def test_open_concerns_are_listed_emergency_first_then_urgent_then_routine_oldest_first(
    world: World, client: Client
) -> None:
    sofia = world.sofia.user
    concern(world.paul, sofia, "routine", "Routine, raised three days ago", 72)
    concern(world.rita, sofia, "urgent", "Urgent, raised an hour ago", 1)
    concern(world.paul, sofia, "emergency", "Emergency, raised ten minutes ago", 0.2)
    concern(world.rita, sofia, "routine", "Routine, raised a week ago", 168)
    concern(world.paul, sofia, "urgent", "Urgent, raised yesterday", 26)
    concern(world.hana, world.otto, "emergency", "Hillcrest emergency", 5)
    client.force_login(world.sam)

    page = open_list(client.get(reverse("safety:concerns")))

    expected = [
        "Emergency, raised ten minutes ago",
        "Urgent, raised yesterday",
        "Urgent, raised an hour ago",
        "Routine, raised a week ago",
        "Routine, raised three days ago",
    ]
    positions = [page.index(reason) for reason in expected]
    assert positions == sorted(positions)
    assert "Hillcrest emergency" not in page
    assert "5 waiting for a human" in text(client.get(reverse("safety:concerns")))


def test_acknowledging_records_who_and_when_and_takes_it_off_the_open_list(world: World, client: Client) -> None:
    worry = concern(world.paul, world.sofia.user, "urgent", "Glucose 45 twice this week", 3)
    client.force_login(world.sam)
    before = timezone.now()

    response = client.post(
        reverse("safety:acknowledge", args=[worry.pk]), {"note": "Called Paul, seeing the nurse today"}, follow=True
    )

    assert response.redirect_chain == [(reverse("safety:concerns"), 302)]
    assert flash_messages(response) == ["Acknowledged."]
    worry.refresh_from_db()
    assert worry.acknowledged_by == world.sam
    assert worry.acknowledged_at is not None and before <= worry.acknowledged_at <= timezone.now()
    assert worry.acknowledgement_note == "Called Paul, seeing the nurse today"
    assert "Glucose 45 twice this week" not in open_list(response)
    assert "No open concerns." in open_list(response)
    recent = recent_list(response)
    assert "Glucose 45 twice this week" in recent
    assert f"Acknowledged by {world.sam.display_name}" in recent
    assert "Called Paul, seeing the nurse today" in recent


def test_acknowledging_from_the_page_with_htmx_returns_the_small_acknowledged_fragment(
    world: World, client: Client
) -> None:
    worry = concern(world.paul, world.sofia.user, "emergency", "Chest pain on the call", 0.5)
    client.force_login(world.sam)

    response = client.post(reverse("safety:acknowledge", args=[worry.pk]), {"note": ""}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    fragment = text(response)
    assert "<html" not in fragment and "<nav" not in fragment  # only the list item, swapped in place
    assert fragment.startswith(f'<li id="concern-{worry.pk}">')
    assert "Acknowledged" in fragment
    assert "Paul Okafor" in fragment
    assert f"by {world.sam.display_name}" in fragment
    worry.refresh_from_db()
    assert worry.acknowledged_by == world.sam and worry.acknowledged_at is not None
    assert f"{timezone.localtime(worry.acknowledged_at, ZoneInfo(world.org.timezone)):%H:%M}" in fragment


def test_acknowledging_twice_keeps_the_first_acknowledgement(world: World, client: Client) -> None:
    world.org.timezone = "Pacific/Auckland"  # far from the server's zone, so a UTC time would show
    world.org.save()
    worry = concern(world.paul, world.sofia.user, "urgent", "Missed two insulin doses", 3)
    client.force_login(world.sam)
    client.post(reverse("safety:acknowledge", args=[worry.pk]), {"note": "Spoke to Paul"}, follow=True)
    worry.refresh_from_db()
    first_at = worry.acknowledged_at
    assert first_at is not None
    client.force_login(world.cora)

    response = client.post(reverse("safety:acknowledge", args=[worry.pk]), {"note": "Me too"}, follow=True)

    worry.refresh_from_db()
    assert worry.acknowledged_by == world.sam
    assert worry.acknowledged_at == first_at
    assert worry.acknowledgement_note == "Spoke to Paul"
    # One message, naming the first acknowledger and the time in the organization's time zone.
    local = timezone.localtime(first_at, ZoneInfo(world.org.timezone))
    assert flash_messages(response) == [f"Already acknowledged by {world.sam.display_name} at {local:%Y-%m-%d %H:%M}."]


def test_acknowledging_twice_with_htmx_shows_the_first_acknowledgement(world: World, client: Client) -> None:
    worry = concern(world.paul, world.sofia.user, "urgent", "Missed two insulin doses", 3)
    client.force_login(world.sam)
    client.post(reverse("safety:acknowledge", args=[worry.pk]), follow=True)
    client.force_login(world.cora)

    response = client.post(reverse("safety:acknowledge", args=[worry.pk]), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert f"by {world.sam.display_name}" in text(response)
    worry.refresh_from_db()
    assert worry.acknowledged_by == world.sam
    # The fragment already says who was first: no stale message waits for the next page.
    assert flash_messages(client.get(reverse("safety:concerns"))) == []


def test_a_supporter_cannot_acknowledge_a_concern(world: World, client: Client) -> None:
    worry = concern(world.paul, world.sam, "urgent", "Sounded very low", 3)
    client.force_login(world.sofia.user)

    response = client.post(reverse("safety:acknowledge", args=[worry.pk]))

    assert response.status_code == 404
    worry.refresh_from_db()
    assert worry.acknowledged_at is None and worry.acknowledged_by is None
    page = text(client.get(reverse("safety:concerns")))
    assert "Sounded very low" in page  # she still sees it open, without a button
    assert reverse("safety:acknowledge", args=[worry.pk]) not in page


def test_a_supporter_raises_a_concern_that_appears_on_the_supervisors_home(world: World, client: Client) -> None:
    client.force_login(world.sofia.user)
    before = timezone.now()

    response = client.post(
        reverse("safety:raise", args=[world.paul.pk]),
        {"tier": "urgent", "reason": "  Said he has been dizzy since Monday.  "},
        follow=True,
    )

    assert response.redirect_chain == [(reverse("people:participant", args=[world.paul.pk]), 302)]
    assert flash_messages(response) == ["The concern was raised; supervisors see it now."]
    worry = Concern.objects.get()
    assert (worry.participant, worry.tier, worry.raised_by) == (world.paul, "urgent", world.sofia.user)
    assert worry.reason == "Said he has been dizzy since Monday."
    assert before <= worry.raised_at <= timezone.now()
    assert worry.acknowledged_at is None
    assert "not yet acknowledged" in text(response)  # on Paul's timeline
    client.force_login(world.sam)
    home = open_list(client.get(reverse("safety:concerns")))
    assert "Said he has been dizzy since Monday." in home
    assert "Paul Okafor" in home
    assert f"Raised by {world.sofia.user.display_name}" in home


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_concern_without_a_reason_is_refused(world: World, client: Client, reason: str) -> None:
    client.force_login(world.sofia.user)
    response = client.post(reverse("safety:raise", args=[world.paul.pk]), {"tier": "emergency", "reason": reason})
    assert response.status_code == 200
    page = text(response)
    assert "This field is required." in page
    assert "Nothing was saved." in page
    assert not Concern.objects.exists()


def test_a_concern_with_an_unknown_tier_is_refused(world: World, client: Client) -> None:
    client.force_login(world.sofia.user)
    response = client.post(reverse("safety:raise", args=[world.paul.pk]), {"tier": "meh", "reason": "Worried"})
    assert response.status_code == 200
    assert "Select a valid choice. meh is not one of the available choices." in text(response)
    assert "Worried</textarea>" in text(response)
    assert not Concern.objects.exists()


def test_a_supporter_cannot_raise_a_concern_for_someone_they_do_not_support(world: World, client: Client) -> None:
    client.force_login(world.sofia.user)
    response = client.post(reverse("safety:raise", args=[world.rita.pk]), {"tier": "urgent", "reason": "Worried"})
    assert response.status_code == 404
    assert not Concern.objects.exists()


def test_an_outsider_cannot_acknowledge_another_organizations_concern(world: World, client: Client) -> None:
    worry = concern(world.paul, world.sofia.user, "emergency", "Chest pain on the call", 0.5)
    client.force_login(world.otto)

    response = client.post(reverse("safety:acknowledge", args=[worry.pk]))

    assert response.status_code == 404
    worry.refresh_from_db()
    assert worry.acknowledged_at is None
    assert "Chest pain on the call" not in text(client.get(reverse("safety:concerns")))


def test_an_unknown_concern_is_not_found(world: World, client: Client) -> None:
    client.force_login(world.sam)
    assert client.post(reverse("safety:acknowledge", args=[999999])).status_code == 404
