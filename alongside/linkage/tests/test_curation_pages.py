"""Curation pages (administrators and coordinators): the entries with the ones to check first, adding and
editing an entry with its location, phones and hours, and marking it verified. Bad input shows the form
again with every error and everything typed; nothing is saved."""

from __future__ import annotations

import re
from datetime import time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alongside.accounts.models import User
from alongside.linkage.models import Location, Phone, Schedule, Service, ServiceAtLocation
from alongside.linkage.tests.directory_world import make_service, make_term
from alongside.testing.world import World

pytestmark = pytest.mark.django_db

CURATION = reverse("linkage:curation")
NEW = reverse("linkage:service_edit")


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def listed(html: str) -> list[str]:
    body = html.split('aria-label="Directory entries, the ones to check first"', 1)[1]
    return re.findall(r"<strong>([^<]+)</strong>", body)


def snapshot() -> list[Any]:
    return [list(m.objects.order_by("pk").values()) for m in (Service, Location, ServiceAtLocation, Phone, Schedule)]


def form_data(**changes: str) -> dict[str, str]:
    data = {
        "name": "Riverside Food Pantry",
        "provider": "Riverside Community Church",
        "description": "Groceries once a week.",
        "status": "active",
        "languages": "en, Spanish",
        "eligibility_description": "Residents of the county.",
        "minimum_age": "18",
        "maximum_age": "",
        "address_1": "12 Elm Street",
        "city": "Riverside",
        "country": "US",
        "latitude": "40.7128",
        "longitude": "-74.0060",
        "phone_1": "(202) 555-0143",
        "phone_1_type": "voice",
        "phone_2": "",
        "phone_3": "",
        "opens_mo": "09:00",
        "closes_mo": "17:00",
        "opens_we": "09:00",
        "closes_we": "17:00",
        "opens_sa": "10:00",
        "closes_sa": "12:00",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("who", ["ada", "cora"])
def test_administrators_and_coordinators_curate(world: World, who: str) -> None:
    client = client_for(getattr(world, who))
    assert client.get(CURATION).status_code == 200
    assert client.get(NEW).status_code == 200


@pytest.mark.parametrize("who", ["sam", "priya", "eve", "sofia", "paul_user"])
def test_other_roles_do_not_curate(world: World, who: str) -> None:
    user = getattr(world, who)
    client = client_for(getattr(user, "user", user))
    service = make_service(world.org, "Clinic")
    assert client.get(CURATION).status_code == 404
    assert client.get(NEW).status_code == 404
    assert client.get(reverse("linkage:service_edit", args=[service.pk])).status_code == 404
    assert client.post(reverse("linkage:verify", args=[service.pk])).status_code == 404
    assert client.post(NEW, form_data()).status_code == 404
    assert Service.objects.count() == 1


def test_entries_to_check_come_first(world: World, settings: Any) -> None:
    today = timezone.localdate()
    make_service(world.org, "A fresh clinic", verified_on=today - timedelta(days=10))
    make_service(world.org, "B never verified")
    make_service(world.org, "C long ago", verified_on=today - timedelta(days=400))
    make_service(world.org, "D just stale", verified_on=today - timedelta(days=181))
    make_service(world.org, "E on the day", verified_on=today - timedelta(days=180))
    make_service(world.other_org, "Hillcrest clinic")

    html = client_for(world.cora).get(CURATION).content.decode()

    assert listed(html) == ["B never verified", "C long ago", "D just stale", "E on the day", "A fresh clinic"]
    assert "3 to check" in html and "more than 180 days ago" in html
    only_stale = client_for(world.cora).get(CURATION, {"stale": "on"}).content.decode()
    assert listed(only_stale) == ["B never verified", "C long ago", "D just stale"]

    settings.DIRECTORY_STALE_AFTER_DAYS = 5
    html = client_for(world.cora).get(CURATION).content.decode()
    assert "5 to check" in html and "more than 5 days ago" in html
    assert listed(html) == ["B never verified", "C long ago", "D just stale", "E on the day", "A fresh clinic"]


def test_otto_curates_only_his_organizations_entries(world: World) -> None:
    ours = make_service(world.org, "Riverside clinic")
    make_service(world.other_org, "Hillcrest clinic")
    client = client_for(world.otto)
    assert listed(client.get(CURATION).content.decode()) == ["Hillcrest clinic"]
    assert client.get(reverse("linkage:service_edit", args=[ours.pk])).status_code == 404
    assert client.post(reverse("linkage:verify", args=[ours.pk])).status_code == 404
    ours.refresh_from_db()
    assert ours.verified_on is None


def test_a_coordinator_adds_a_service(world: World) -> None:
    food = make_term(world.org, "Food")
    response = client_for(world.cora).post(NEW, form_data(categories=str(food.pk)))

    service = Service.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("linkage:service", args=[service.pk])
    assert service.organization == world.org and service.languages == ["en", "es"]
    assert list(service.categories.all()) == [food]
    assert list(service.phones.values_list("number", flat=True)) == ["+12025550143"]
    location = service.service_at_locations.get().location
    assert (location.latitude, location.longitude) == (Decimal("40.712800"), Decimal("-74.006000"))
    assert sorted(service.schedules.values_list("byday", "opens_at", "closes_at")) == [
        ("MO,WE", time(9), time(17)),
        ("SA", time(10), time(12)),
    ]


def test_bad_input_shows_every_error_keeps_what_was_typed_and_saves_nothing(world: World) -> None:
    existing = make_service(world.org, "Existing clinic")
    before = snapshot()
    data = form_data(
        name="",
        latitude="123.4",
        longitude="-74.0060",
        phone_2="555",
        opens_mo="17:00",
        closes_mo="09:00",
        opens_tu="09:00",
        minimum_age="65",
        maximum_age="18",
        languages="en, Klingon",
        timezone="Mars/Olympus",
        description="Typed with care",
    )

    response = client_for(world.cora).post(NEW, data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing was saved." in html
    assert "This field is required." in html
    assert "123.4 is not a place on Earth" in html
    assert "is not a valid phone number" in html
    assert "Monday: the closing time (09:00) must be after the opening time (17:00)." in html
    assert "Tuesday: give both the opening and the closing time" in html
    assert "The maximum age (18) is below the minimum age (65)." in html
    assert "Unknown language: Klingon." in html
    assert "Unknown time zone: Mars/Olympus." in html
    assert "Typed with care" in html and 'value="123.4"' in html and 'value="555"' in html
    assert snapshot() == before
    assert Service.objects.get() == existing


def test_an_unknown_category_is_an_error(world: World) -> None:
    theirs = make_term(world.other_org, "Food")
    response = client_for(world.cora).post(NEW, form_data(categories=str(theirs.pk)))
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert not Service.objects.exists()


def test_the_edit_form_starts_from_the_entry_and_saves_changes(world: World) -> None:
    service = make_service(
        world.org, "Clinic", at=(40.7, -74.0), languages=["en", "vi"], phone="+12025550143", provider="Health Dept"
    )
    url = reverse("linkage:service_edit", args=[service.pk])
    client = client_for(world.cora)

    html = client.get(url).content.decode()
    assert 'value="Clinic"' in html and 'value="Health Dept"' in html and 'value="en, vi"' in html
    assert 'value="+12025550143"' in html and 'value="40.700000"' in html
    assert 'name="opens_mo" value="09:00"' in html or re.search(r'name="opens_mo"[^>]*value="09:00"', html)

    response = client.post(
        url,
        form_data(name="Clinic (renamed)", phone_1="202 555 0199", latitude="40.75", longitude="-73.99"),
    )

    assert response.status_code == 302
    service.refresh_from_db()
    assert service.name == "Clinic (renamed)"
    assert list(service.phones.values_list("number", flat=True)) == ["+12025550199"]
    location = service.service_at_locations.get().location
    assert location.latitude == Decimal("40.75")


def test_marking_verified_records_today_and_who(world: World) -> None:
    service = make_service(world.org, "Clinic")
    response = client_for(world.cora).post(
        reverse("linkage:verify", args=[service.pk]), {"next": f"{CURATION}?stale=on"}
    )
    assert response.status_code == 302 and response["Location"] == f"{CURATION}?stale=on"
    service.refresh_from_db()
    assert (service.verified_on, service.verified_by) == (timezone.localdate(), world.cora)
    assert client_for(world.cora).get(reverse("linkage:verify", args=[service.pk])).status_code == 405


def test_verify_ignores_a_next_address_on_another_site(world: World) -> None:
    service = make_service(world.org, "Clinic")
    response = client_for(world.cora).post(
        reverse("linkage:verify", args=[service.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == CURATION
