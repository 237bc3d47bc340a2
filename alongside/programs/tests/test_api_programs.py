"""/api/v1/programs/: who reads which programs, who may create and change them, bad input saves nothing."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from alongside.programs.models import Program
from alongside.taxonomy import default_activities
from alongside.testing.api import ApiFor
from alongside.testing.world import World, make_program

pytestmark = pytest.mark.django_db

URL = "/api/v1/programs/"


def names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["results"]}


def program_body(**overrides):
    return {
        "name": "Walking Group",
        "description": "Weekly walks.",
        "models": [5, 2],
        "conditions": ["type2_diabetes", "hypertension"],
        "languages": ["en"],
        "activities": {"daily_management": ["physical_activity"], "social_emotional": ["encouragement"]},
        **overrides,
    }


BOTH = {"Telephone Peer Support", "Peer Coaches"}
VISIBLE = {
    "admin": BOTH,
    "coordinator": BOTH,
    "supervisor": BOTH,
    "professional": BOTH,
    "evaluator": BOTH,
    "supporter": BOTH,
    "participant": {"Telephone Peer Support"},  # only the programs they are enrolled in
    "outsider": {"Hillcrest Walkers"},
}


@pytest.mark.parametrize("role", list(VISIBLE))
def test_each_role_lists_only_the_programs_in_its_scope(world: World, api: ApiFor, role: str) -> None:
    make_program(world.otto, world.other_org, "Hillcrest Walkers", [5])
    assert names(api(world.users_by_role()[role]).get(URL)) == VISIBLE[role]


@pytest.mark.parametrize("role", list(VISIBLE))
def test_reading_a_program_out_of_scope_is_a_404(world: World, api: ApiFor, role: str) -> None:
    response = api(world.users_by_role()[role]).get(f"{URL}{world.coaching.pk}/")
    expected = 200 if "Peer Coaches" in VISIBLE[role] else 404
    assert response.status_code == expected


def test_it_shows_models_as_numbers_with_labels(world: World, api: ApiFor) -> None:
    body = api(world.sam).get(f"{URL}{world.telephone.pk}/").json()
    assert body["models"] == [6]
    assert body["model_labels"] == ["Telephone-based peer support"]
    assert body["conditions"] == ["type2_diabetes"]
    assert body["activities"] == default_activities([6])


def test_it_filters_by_model_condition_and_activity(world: World, api: ApiFor) -> None:
    make_program(world.cora, world.org, "Heart Circle", [5, 6], conditions=["hypertension"], is_active=False)
    client = api(world.cora)
    assert names(client.get(URL, {"model": 6})) == {"Telephone Peer Support", "Heart Circle"}
    assert names(client.get(URL, {"model": 3})) == {"Peer Coaches"}
    assert names(client.get(URL, {"condition": "hypertension"})) == {"Heart Circle"}
    assert names(client.get(URL, {"is_active": "false"})) == {"Heart Circle"}
    assert client.get(URL, {"model": 9}).status_code == 400


def test_a_coordinator_creates_a_program_through_the_service(world: World, api: ApiFor) -> None:
    response = api(world.cora).post(URL, program_body(), format="json")
    assert response.status_code == 201, response.content
    program = Program.objects.get(name="Walking Group")
    assert program.organization == world.org
    assert program.model_numbers == [2, 5]
    assert response.json()["models"] == [2, 5]
    assert response.json()["id"] == program.pk


@pytest.mark.parametrize("role", ["supervisor", "professional", "evaluator", "supporter", "participant"])
def test_only_managers_may_create_programs(world: World, api: ApiFor, role: str) -> None:
    response = api(world.users_by_role()[role]).post(URL, program_body(), format="json")
    assert response.status_code == 403
    assert not Program.objects.filter(name="Walking Group").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"models": [9]}, "models"),
        ({"models": []}, "models"),
        ({"conditions": ["gout"]}, "conditions"),
        ({"activities": {"fifth_function": ["diet"]}}, "activities"),
        ({"activities": {"linkage": ["diet"]}}, "activities"),  # diet is daily management
        ({"name": "Peer Coaches"}, "name"),  # taken in this organization
    ],
)
def test_bad_program_input_is_a_400_and_saves_nothing(world: World, api: ApiFor, overrides: dict, field: str) -> None:
    before = Program.objects.count()
    response = api(world.cora).post(URL, program_body(**overrides), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Program.objects.count() == before


def test_patch_changes_only_what_it_sends(world: World, api: ApiFor) -> None:
    response = api(world.cora).patch(f"{URL}{world.coaching.pk}/", {"is_active": False}, format="json")
    assert response.status_code == 200, response.content
    world.coaching.refresh_from_db()
    assert world.coaching.is_active is False
    assert world.coaching.model_numbers == [3]
    assert world.coaching.activities == default_activities([3])


def test_put_replaces_the_models_delivered(world: World, api: ApiFor) -> None:
    body = program_body(name="Peer Coaches", models=[3, 7])
    response = api(world.ada).put(f"{URL}{world.coaching.pk}/", body, format="json")
    assert response.status_code == 200, response.content
    assert Program.objects.get(pk=world.coaching.pk).model_numbers == [3, 7]


def test_an_invalid_update_changes_nothing(world: World, api: ApiFor) -> None:
    response = api(world.cora).patch(f"{URL}{world.coaching.pk}/", {"models": [3, 8]}, format="json")
    assert response.status_code == 400 and "models" in response.json()
    assert Program.objects.get(pk=world.coaching.pk).model_numbers == [3]


def test_another_organizations_coordinator_cannot_find_the_program_to_change(world: World, api: ApiFor) -> None:
    response = api(world.otto).patch(f"{URL}{world.coaching.pk}/", {"is_active": False}, format="json")
    assert response.status_code == 404
    world.coaching.refresh_from_db()
    assert world.coaching.is_active is True


def test_programs_cannot_be_deleted(world: World, api: ApiFor) -> None:
    assert api(world.cora).delete(f"{URL}{world.coaching.pk}/").status_code == 405
    assert Program.objects.filter(pk=world.coaching.pk).exists()


def test_anonymous_callers_are_refused(world: World) -> None:
    cache.clear()
    assert APIClient().get(URL).status_code in (401, 403)
