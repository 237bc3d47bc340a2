"""/api/v1/directory-services/, /api/v1/directory-taxonomy/ and /api/v1/directory-lookups/: the page's
search as JSON, managers' writes through linkage.directory (400 saves nothing, 403 for other roles, 404 out
of scope), and look-ups that are part of a participant's record."""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest

from alongside.audit.models import AccessLogEntry
from alongside.contacts.queries import function_coverage
from alongside.linkage.models import DirectoryLookup, Location, Phone, Schedule, Service
from alongside.linkage.tests.directory_world import NEW_YORK, make_service, make_term
from alongside.programs.models import Program
from alongside.testing.api import ApiFor
from alongside.testing.world import World

pytestmark = pytest.mark.django_db

SERVICES = "/api/v1/directory-services/"
TAXONOMY = "/api/v1/directory-taxonomy/"
LOOKUPS = "/api/v1/directory-lookups/"


def north(km: float) -> tuple[float, float]:
    return (round(NEW_YORK[0] + km / 111.195, 6), NEW_YORK[1])


@pytest.fixture
def entries(world: World) -> dict[str, Any]:
    world.paul.latitude, world.paul.longitude = Decimal("40.7128"), Decimal("-74.006")
    world.paul.save()
    food = make_term(world.org, "Food")
    pantry_term = make_term(world.org, "Food pantry", parent=food)
    return {
        "food": food,
        "pantry": make_service(
            world.org, "Pantry", at=north(3), languages=["en", "es"], categories=[pantry_term], phone="+12025550143"
        ),
        "clinic": make_service(world.org, "Clinic", at=north(20), languages=["en"]),
        "hotline": make_service(world.org, "Hotline", at=None, languages=["vi"]),
        "theirs": make_service(world.other_org, "Hillcrest pantry", at=NEW_YORK),
    }


def names(body: dict[str, Any]) -> list[str]:
    return [row["name"] for row in body["results"]]


def test_the_list_searches_like_the_page(world: World, api: ApiFor, entries: dict[str, Any]) -> None:
    client = api(world.sofia.user)
    near: dict[str, str | int] = {"near": f"{NEW_YORK[0]},{NEW_YORK[1]}"}

    body = client.get(SERVICES, near).json()
    assert names(body) == ["Pantry", "Clinic", "Hotline"]
    assert body["results"][0]["distance_km"] == pytest.approx(3, abs=0.001)
    assert body["results"][2]["distance_km"] is None
    assert names(client.get(SERVICES, {**near, "within_km": 10}).json()) == ["Pantry"]
    assert names(client.get(SERVICES, {"category": entries["food"].pk}).json()) == ["Pantry"]
    assert names(client.get(SERVICES, {"language": "vi"}).json()) == ["Hotline"]
    assert names(client.get(SERVICES, {"q": "clin"}).json()) == ["Clinic"]
    row = client.get(SERVICES, {"q": "pantry"}).json()["results"][0]
    assert row["phones"][0]["number"] == "+12025550143"
    assert row["locations"][0]["map_url"].startswith("https://www.openstreetmap.org/?mlat=")
    assert row["schedules"][0]["text"] == "Monday to Friday, 09:00–17:00"
    assert row["languages"] == ["en", "es"]


def test_open_now_in_the_api(world: World, api: ApiFor, entries: dict[str, Any]) -> None:
    Schedule.objects.filter(service=entries["clinic"]).update(byday="SA")
    saturday_11 = datetime(2025, 3, 8, 16, 0, tzinfo=UTC)
    with (
        mock.patch("alongside.linkage.search.timezone.now", return_value=saturday_11),
        mock.patch("alongside.linkage.api.directory.timezone.now", return_value=saturday_11),
    ):
        body = api(world.cora).get(SERVICES, {"open_now": "true"}).json()
    assert names(body) == ["Clinic"]
    assert body["results"][0]["open_now"] is True
    assert body["results"][0]["hours_today"] == "Open now, until 17:00"


def test_searching_around_a_participant_logs_the_access(world: World, api: ApiFor, entries: dict[str, Any]) -> None:
    body = api(world.sofia.user).get(SERVICES, {"participant": world.paul.pk, "within_km": 5}).json()
    assert names(body) == ["Pantry"]
    assert AccessLogEntry.objects.filter(user=world.sofia.user, participant=world.paul).count() == 1
    assert api(world.sofia.user).get(SERVICES, {"participant": world.rita.pk}).status_code == 404


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"near": "north"}, "near"),
        ({"near": "91,0"}, "near"),
        ({"within_km": 5}, "within_km"),
        ({"near": "40,-74", "within_km": -1}, "within_km"),
        ({"language": 'e"s'}, "language"),
        ({"category": "food"}, "category"),
    ],
)
def test_bad_search_parameters_are_a_400(
    world: World, api: ApiFor, entries: dict[str, Any], params: dict[str, Any], field: str
) -> None:
    response = api(world.cora).get(SERVICES, params)
    assert response.status_code == 400 and field in response.json()


def test_otto_sees_only_his_organizations_entries(world: World, api: ApiFor, entries: dict[str, Any]) -> None:
    client = api(world.otto)
    assert names(client.get(SERVICES).json()) == ["Hillcrest pantry"]
    assert client.get(f"{SERVICES}{entries['pantry'].pk}/").status_code == 404
    assert client.patch(f"{SERVICES}{entries['pantry'].pk}/", {"name": "Mine"}).status_code == 404
    assert client.get(TAXONOMY).json()["results"] == []


@pytest.mark.parametrize("who", ["ada", "cora", "sam", "priya", "eve", "paul_user"])
def test_every_role_reads_the_directory(world: World, api: ApiFor, entries: dict[str, Any], who: str) -> None:
    client = api(getattr(world, who))
    assert len(client.get(SERVICES).json()["results"]) == 3
    detail = client.get(f"{SERVICES}{entries['pantry'].pk}/").json()
    assert detail["name"] == "Pantry" and detail["stale"] is True
    assert [t["name"] for t in client.get(TAXONOMY).json()["results"]] == ["Food", "Food pantry"]


def test_a_coordinator_creates_an_entry(world: World, api: ApiFor, entries: dict[str, Any]) -> None:
    body = {
        "name": "Diabetes education",
        "provider": "Riverside Hospital",
        "languages": ["en", "es"],
        "categories": [entries["food"].pk],
        "location": {"address_1": "1 Elm St", "city": "Riverside", "latitude": 40.75, "longitude": -73.99},
        "phones": [{"number": "(202) 555-0143"}, {"number": "202 555 0199", "type": "text"}],
        "hours": {"MO": {"opens": "09:00", "closes": "12:00"}, "TH": {"opens": "09:00", "closes": "12:00"}},
        "minimum_age": 18,
        "is_clinical": True,
    }
    response = api(world.cora).post(SERVICES, body)
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["provider"] == "Riverside Hospital" and data["is_clinical"] is True
    assert [p["number"] for p in data["phones"]] == ["+12025550143", "+12025550199"]
    assert data["schedules"][0]["text"] == "Monday and Thursday, 09:00–12:00"
    assert data["locations"][0]["latitude"] == "40.750000"
    service = Service.objects.get(pk=data["id"])
    assert service.organization == world.org


def test_bad_input_is_a_400_with_every_error_and_saves_nothing(
    world: World, api: ApiFor, entries: dict[str, Any]
) -> None:
    before = (Service.objects.count(), Location.objects.count(), Phone.objects.count(), Schedule.objects.count())
    response = api(world.cora).post(
        SERVICES,
        {
            "name": "Bad",
            "status": "open-ish",
            "languages": ["Klingon"],
            "categories": [entries["food"].pk, 999999],
            "location": {"latitude": 95, "longitude": 10},
            "phones": [{"number": "555"}],
            "hours": {"MO": {"opens": "17:00", "closes": "09:00"}, "XX": {"opens": "09:00", "closes": "10:00"}},
            "minimum_age": 70,
            "maximum_age": 20,
        },
    )
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) >= {"status", "languages", "categories", "latitude", "phones", "hours", "maximum_age"}
    assert "Unknown weekday: XX." in errors["hours"]
    after = (Service.objects.count(), Location.objects.count(), Phone.objects.count(), Schedule.objects.count())
    assert after == before


def test_a_patch_changes_only_what_is_given(world: World, api: ApiFor, entries: dict[str, Any]) -> None:
    pantry = entries["pantry"]
    response = api(world.cora).patch(f"{SERVICES}{pantry.pk}/", {"description": "Open to all", "status": "inactive"})
    assert response.status_code == 200, response.json()
    pantry.refresh_from_db()
    assert (pantry.description, pantry.status, pantry.languages) == ("Open to all", "inactive", ["en", "es"])
    assert list(pantry.phones.values_list("number", flat=True)) == ["+12025550143"]
    assert list(pantry.schedules.values_list("opens_at", flat=True)) == [time(9)]
    assert pantry.categories.count() == 1
    location = pantry.service_at_locations.get().location
    assert location.latitude is not None


@pytest.mark.parametrize("who", ["sam", "priya", "eve", "paul_user"])
def test_other_roles_may_not_write(world: World, api: ApiFor, entries: dict[str, Any], who: str) -> None:
    client = api(getattr(world, who))
    assert client.post(SERVICES, {"name": "X"}).status_code == 403
    assert client.patch(f"{SERVICES}{entries['pantry'].pk}/", {"name": "X"}).status_code == 403
    assert client.post(f"{SERVICES}{entries['pantry'].pk}/verify/").status_code == 403
    assert not Service.objects.filter(name="X").exists()


def test_verify(world: World, api: ApiFor, entries: dict[str, Any]) -> None:
    response = api(world.cora).post(f"{SERVICES}{entries['pantry'].pk}/verify/")
    assert response.status_code == 200
    data = response.json()
    assert data["verified_by"] == world.cora.pk and data["verified_by_name"] == world.cora.display_name
    assert data["stale"] is False


# ----------------------------------------------------------------------------------------------- look-ups


def test_sharing_through_the_api_counts_as_linkage(world: World, api: ApiFor, entries: dict[str, Any]) -> None:
    response = api(world.sofia.user).post(
        LOOKUPS, {"participant": world.paul.pk, "service": entries["pantry"].pk, "note": "Tuesdays"}
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["enrollment"], data["service_name"], data["note"]) == (world.paul_enrollment.pk, "Pantry", "Tuesdays")
    coverage = function_coverage(Program.objects.filter(pk=world.telephone.pk), 30)[world.telephone.pk]
    assert coverage.by_function["linkage"] == 1


def test_lookups_are_scoped_and_logged(world: World, api: ApiFor, entries: dict[str, Any]) -> None:
    api(world.sofia.user).post(LOOKUPS, {"participant": world.paul.pk, "service": entries["pantry"].pk})
    AccessLogEntry.objects.all().delete()

    assert len(api(world.sofia.user).get(LOOKUPS).json()["results"]) == 1
    assert AccessLogEntry.objects.filter(user=world.sofia.user, participant=world.paul).count() == 1
    assert api(world.sid.user).get(LOOKUPS).json()["results"] == []
    assert api(world.otto).get(LOOKUPS).json()["results"] == []
    assert api(world.eve).get(LOOKUPS).json()["results"] == []
    assert len(api(world.paul_user).get(LOOKUPS).json()["results"]) == 1  # what was shared with him
    lookup = DirectoryLookup.objects.get()
    assert api(world.sid.user).get(f"{LOOKUPS}{lookup.pk}/").status_code == 404


def test_sharing_out_of_scope_or_by_the_wrong_role(world: World, api: ApiFor, entries: dict[str, Any]) -> None:
    pantry = entries["pantry"].pk
    assert api(world.paul_user).post(LOOKUPS, {"participant": world.paul.pk, "service": pantry}).status_code == 403
    assert api(world.eve).post(LOOKUPS, {"participant": world.paul.pk, "service": pantry}).status_code == 403
    rita = api(world.sofia.user).post(LOOKUPS, {"participant": world.rita.pk, "service": pantry})
    assert rita.status_code == 400 and "participant" in rita.json()
    theirs = api(world.sofia.user).post(LOOKUPS, {"participant": world.paul.pk, "service": entries["theirs"].pk})
    assert theirs.status_code == 400 and "service" in theirs.json()
    assert not DirectoryLookup.objects.exists()
