"""/api/v1/email-sequences/: scoped reads, managers' writes, members added with clear 400s."""

from __future__ import annotations

from typing import Any

import pytest

from alongside.messaging.models import EmailSequence, SequenceMembership
from alongside.testing.api import ApiFor
from alongside.testing.world import World

pytestmark = pytest.mark.django_db

BODY = "Hi {{ first_name }}. Stop: {{ unsubscribe_url }}"


def payload(world: World, **extra: Any) -> dict[str, Any]:
    return {
        "program": world.telephone.pk,
        "name": "Tips",
        "language": "en",
        "functions": ["daily_management"],
        "steps": [
            {"days_after_start": 7, "subject": "Two", "body": BODY},
            {"days_after_start": 0, "subject": "One", "body": BODY},
        ],
        **extra,
    }


def test_a_coordinator_creates_a_sequence_and_reads_it_back(world: World, api: ApiFor) -> None:
    response = api(world.cora).post("/api/v1/email-sequences/", payload(world), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert [s["subject"] for s in data["steps"]] == ["One", "Two"]
    assert data["functions"] == ["daily_management"]
    assert api(world.sam).get(f"/api/v1/email-sequences/{data['id']}/").status_code == 200


def test_a_bad_step_is_a_400_with_field_errors_and_saves_nothing(world: World, api: ApiFor) -> None:
    bad = payload(world, steps=[{"days_after_start": 0, "subject": "One", "body": "no link"}])
    response = api(world.cora).post("/api/v1/email-sequences/", bad, format="json")
    assert response.status_code == 400
    assert "unsubscribe_url" in response.json()["steps"][0]
    assert not EmailSequence.objects.exists()


def test_roles_outside_see_nothing_and_a_supervisor_may_not_write(world: World, api: ApiFor) -> None:
    pk = api(world.cora).post("/api/v1/email-sequences/", payload(world), format="json").json()["id"]
    assert api(world.otto).get(f"/api/v1/email-sequences/{pk}/").status_code == 404
    assert api(world.otto).get("/api/v1/email-sequences/").json()["results"] == []
    assert api(world.sofia.user).get(f"/api/v1/email-sequences/{pk}/").status_code == 404
    assert api(world.sam).post("/api/v1/email-sequences/", payload(world, name="X"), format="json").status_code == 403


def test_members_are_added_or_refused_with_the_reason(world: World, api: ApiFor) -> None:
    pk = api(world.cora).post("/api/v1/email-sequences/", payload(world), format="json").json()["id"]
    url = f"/api/v1/email-sequences/{pk}/members/"
    response = api(world.cora).post(url, {"participants": [world.paul.pk]}, format="json")
    assert response.status_code == 400
    assert response.json()["participants"] == ["Paul Okafor has no email address on record."]
    world.paul.email = "paul@example.org"
    world.paul.save()
    response = api(world.cora).post(url, {"participants": [world.paul.pk]}, format="json")
    assert response.status_code == 201
    assert [m["participant"] for m in api(world.cora).get(url).json()] == [world.paul.pk]
    assert SequenceMembership.objects.count() == 1
