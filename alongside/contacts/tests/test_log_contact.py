"""Logging a contact from the quick form: the good path, every kind of bad input, and concerns."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alongside.contacts.models import Contact
from alongside.safety.models import Concern
from alongside.testing.world import World

pytestmark = pytest.mark.django_db


def form_data(world: World, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "enrollment": world.paul_enrollment.pk,
        "modality": "phone_call",
        "outcome": "reached",
        "functions": ["daily_management", "social_emotional"],
        "duration_choice": "10",
        "next_contact_in": "7",
        "note": "Went over the glucose log together.",
        "initiated_by": "proactive",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post(client: Client, world: World, **overrides: Any) -> Any:
    return client.post(reverse("contacts:log", args=[world.paul.pk]), form_data(world, **overrides))


def test_a_supporter_logs_a_reached_call_with_two_functions(world: World, client: Client) -> None:
    client.force_login(world.sofia.user)
    response = post(client, world, activities_daily_management=["self_monitoring"])
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert contact.functions == ["daily_management", "social_emotional"]
    assert contact.activities == ["self_monitoring"]
    assert contact.supporter == world.sofia and contact.recorded_by == world.sofia.user
    assert contact.duration_minutes == 10
    assert contact.next_contact_due == timezone.localdate() + timedelta(days=7)


def test_an_activity_implies_its_function(world: World, client: Client) -> None:
    client.force_login(world.sofia.user)
    post(client, world, functions=[], activities_linkage=["appointment_support"])
    assert Contact.objects.get().functions == ["linkage"]


def test_a_missed_call_is_logged_without_functions(world: World, client: Client) -> None:
    client.force_login(world.sofia.user)
    response = post(client, world, outcome="no_answer", duration_choice="5", next_contact_in="2")
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert contact.outcome == "no_answer" and contact.functions == []


def test_a_contact_with_a_concern_reaches_the_supervisors_home(world: World, client: Client) -> None:
    client.force_login(world.sofia.user)
    post(client, world, concern_tier="urgent", concern_reason="BP 168/104 twice this week.")
    concern = Concern.objects.get()
    assert concern.tier == "urgent" and concern.contact == Contact.objects.get()
    client.force_login(world.sam)
    assert "BP 168/104 twice this week." in client.get(reverse("safety:concerns")).content.decode()


BAD_INPUT: dict[str, tuple[Any, str]] = {
    "unknown modality": ({"modality": "carrier_pigeon"}, "modality"),
    "unknown function": ({"functions": ["astrology"]}, "functions"),
    "duration out of range": ({"duration_minutes": "900"}, "duration_minutes"),
    "negative duration": ({"duration_minutes": "-5"}, "duration_minutes"),
    "dated in the future": (
        {"occurred_at": (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")},
        "A contact cannot be dated in the future.",
    ),
    "reached without functions": ({"functions": []}, "Tick at least one key function"),
    "concern without a reason": ({"concern_tier": "emergency", "concern_reason": ""}, "Say what the concern is"),
    "unknown concern tier": ({"concern_tier": "apocalyptic", "concern_reason": "x"}, "concern_tier"),
    "next contact before this one": (
        {"next_contact_in": "", "next_contact_due": (timezone.localdate() - timedelta(days=3)).isoformat()},
        "cannot be due before this one",
    ),
    "enrolment of someone else": ("rita", "enrollment"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_refused_with_a_clear_message_and_saves_nothing(world: World, client: Client, case: str) -> None:
    overrides, expected = BAD_INPUT[case]
    if overrides == "rita":
        overrides = {"enrollment": world.rita_enrollment.pk}
    client.force_login(world.sofia.user)
    response = post(client, world, **overrides)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was saved." in page
    errors = response.context["form"].errors
    assert expected in errors or expected in page, errors
    assert "Went over the glucose log together." in page  # what the supporter typed is kept
    assert Contact.objects.count() == 0 and Concern.objects.count() == 0


def test_a_proactive_contact_needs_consent_to_be_contacted(world: World, client: Client) -> None:
    world.paul.consent_contact = False
    world.paul.save()
    client.force_login(world.sofia.user)
    response = post(client, world)
    assert "has not consented to be contacted" in response.content.decode()
    assert Contact.objects.count() == 0
    response = post(client, world, initiated_by="participant")
    assert response.status_code == 302 and Contact.objects.count() == 1


def test_a_supporter_cannot_log_for_a_participant_they_are_not_assigned_to(world: World, client: Client) -> None:
    client.force_login(world.sofia.user)
    url = reverse("contacts:log", args=[world.rita.pk])
    response = client.post(url, form_data(world, enrollment=world.rita_enrollment.pk))
    assert response.status_code == 404
    assert Contact.objects.count() == 0


def test_contacts_cannot_be_logged_on_a_completed_enrolment(world: World, client: Client) -> None:
    world.paul_enrollment.status = "completed"
    world.paul_enrollment.save()
    client.force_login(world.sofia.user)
    assert client.get(reverse("contacts:log", args=[world.paul.pk])).status_code == 404
