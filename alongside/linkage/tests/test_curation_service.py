"""linkage.directory.save_service and verify_service: a whole entry saved in one go (location, phones in
E.164, weekly hours, languages, categories), every error reported together, and nothing written when
anything is wrong."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from alongside.linkage.directory import (
    LocationInput,
    PhoneInput,
    ServiceInput,
    hours_of,
    save_service,
    verify_service,
)
from alongside.linkage.models import (
    Location,
    Phone,
    ResourceOrganization,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceLanguage,
)
from alongside.linkage.tests.directory_world import make_service, make_term
from alongside.testing.world import World

pytestmark = pytest.mark.django_db

WEEKDAY = (time(9), time(17))


def everything() -> list[Any]:
    return [
        list(model.objects.order_by("pk").values())
        for model in (Service, Location, ServiceAtLocation, Phone, Schedule, ServiceLanguage, ResourceOrganization)
    ] + [list(Service.categories.through.objects.order_by("pk").values())]


def full_input(**changes: Any) -> ServiceInput:
    data = ServiceInput(
        name="Riverside Food Pantry",
        provider="Riverside Community Church",
        description="Groceries once a week.",
        eligibility_description="Residents of Riverside county.",
        minimum_age=18,
        maximum_age=None,
        languages=["en", "Spanish"],
        location=LocationInput(
            address_1="12 Elm Street",
            city="Riverside",
            state_province="NY",
            postal_code="10001",
            country="us",
            latitude="40.7128",
            longitude="-74.00601234",
        ),
        phones=[PhoneInput("(202) 555-0143"), PhoneInput("+44 20 7946 0958", type="text")],
        hours={"MO": WEEKDAY, "TU": WEEKDAY, "WE": WEEKDAY, "TH": WEEKDAY, "FR": (time(9), time(12))},
    )
    for key, value in changes.items():
        setattr(data, key, value)
    return data


def test_a_coordinator_adds_a_whole_entry(world: World) -> None:
    food = make_term(world.org, "Food")

    service = save_service(world.cora, world.org, full_input(category_ids=[food.pk]))

    service.refresh_from_db()
    assert service.name == "Riverside Food Pantry"
    assert service.resource_organization is not None and service.resource_organization.name.startswith("Riverside")
    assert service.languages == ["en", "es"]
    assert sorted(service.language_records.values_list("code", flat=True)) == ["en", "es"]
    assert list(service.categories.all()) == [food]
    location = service.service_at_locations.get().location
    assert (location.latitude, location.longitude) == (Decimal("40.712800"), Decimal("-74.006012"))
    assert location.country == "US" and location.address == "12 Elm Street, Riverside, NY, 10001"
    assert sorted(service.phones.values_list("number", "type")) == [
        ("+12025550143", "voice"),
        ("+442079460958", "text"),
    ]
    schedules = sorted(service.schedules.values_list("byday", "opens_at", "closes_at", "location_id"))
    assert schedules == [
        ("FR", time(9), time(12), location.pk),
        ("MO,TU,WE,TH", time(9), time(17), location.pk),
    ]
    assert hours_of(service)["FR"] == (time(9), time(12))


def test_every_error_is_reported_together_and_nothing_is_saved(world: World) -> None:
    existing = make_service(world.org, "Existing clinic")
    before = everything()
    bad = full_input(
        name=" ",
        minimum_age=65,
        maximum_age=18,
        languages=["en", "Klingon"],
        category_ids=[987654],
        location=LocationInput(latitude="123.4", longitude="-74.0", timezone="Mars/Olympus", country="USA"),
        phones=[PhoneInput("555"), PhoneInput("+1 202 555 0143", type="carrier pigeon")],
        hours={"MO": (time(17), time(9)), "TU": (time(9), time(9))},
        url="ftp://example.org",
        email="not an email",
    )

    with pytest.raises(ValidationError) as raised:
        save_service(world.cora, world.org, bad, existing)

    errors = raised.value.message_dict
    assert errors["name"] == ["Give the service a name."]
    assert errors["maximum_age"] == ["The maximum age (18) is below the minimum age (65)."]
    assert errors["languages"][0].startswith("Unknown language: Klingon.")
    assert errors["categories"][0].startswith("Unknown category: 987654.")
    assert "not a place on Earth" in errors["latitude"][0]
    assert errors["timezone"][0].startswith("Unknown time zone: Mars/Olympus.")
    assert "country" in errors
    assert errors["phones"] == [
        "Phone 1: “555” is not a valid phone number.",
        "Phone 2: unknown type carrier pigeon (one of voice, text, cell, fax, video, pager, textphone).",
    ]
    assert errors["hours"] == [
        "Monday: the closing time (09:00) must be after the opening time (17:00).",
        "Tuesday: the closing time (09:00) must be after the opening time (09:00).",
    ]
    assert "url" in errors and "email" in errors
    assert everything() == before


@pytest.mark.parametrize(
    ("latitude", "longitude", "field", "message"),
    [
        ("90.000001", "0", "latitude", "between -90 and 90"),
        ("-91", "0", "latitude", "between -90 and 90"),
        ("0", "180.5", "longitude", "between -180 and 180"),
        ("0", "-181", "longitude", "between -180 and 180"),
        ("40.7", "", "longitude", "Give the longitude too"),
        ("", "-74", "latitude", "Give the latitude too"),
        ("north", "-74", "latitude", "decimal degrees"),
        ("NaN", "-74", "latitude", "not a place on Earth"),
    ],
)
def test_impossible_coordinates_are_a_clear_error(
    world: World, latitude: str, longitude: str, field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        save_service(world.cora, world.org, full_input(location=LocationInput(latitude=latitude, longitude=longitude)))
    assert message in raised.value.message_dict[field][0]
    assert not Service.objects.exists()


def test_the_edges_of_the_map_are_possible(world: World) -> None:
    service = save_service(world.cora, world.org, full_input(location=LocationInput(latitude="-90", longitude="180")))
    location = service.service_at_locations.get().location
    assert (location.latitude, location.longitude) == (Decimal("-90"), Decimal("180"))


def test_a_category_of_another_organization_is_unknown(world: World) -> None:
    theirs = make_term(world.other_org, "Food")
    with pytest.raises(ValidationError) as raised:
        save_service(world.cora, world.org, full_input(category_ids=[theirs.pk]))
    assert raised.value.message_dict["categories"][0].startswith(f"Unknown category: {theirs.pk}.")


def test_editing_replaces_phones_and_changed_hours_and_keeps_other_schedules(world: World) -> None:
    service = save_service(world.cora, world.org, full_input())
    seasonal = Schedule.objects.create(
        organization=world.org, service=service, byday="SA", opens_at=time(10), closes_at=time(14),
        valid_from=date(2025, 11, 1), valid_to=date(2026, 3, 31),
    )  # fmt: skip
    location_id = service.service_at_locations.get().location_id

    save_service(
        world.cora,
        world.org,
        full_input(phones=[PhoneInput("202-555-0199")], hours={"SA": (time(10), time(13))}, languages=["vi"]),
        service,
    )

    assert list(service.phones.values_list("number", flat=True)) == ["+12025550199"]
    assert sorted(service.schedules.values_list("pk", "byday")) == sorted(
        [(seasonal.pk, "SA"), (Schedule.objects.exclude(pk=seasonal.pk).get().pk, "SA")]
    )
    assert hours_of(service) == {"SA": (time(10), time(13))}
    assert service.service_at_locations.get().location_id == location_id  # the same location, edited
    assert list(service.language_records.values_list("code", flat=True)) == ["vi"]


def test_unchanged_hours_leave_the_schedules_alone(world: World) -> None:
    service = save_service(world.cora, world.org, full_input())
    ids = sorted(service.schedules.values_list("pk", flat=True))
    save_service(world.cora, world.org, full_input(description="New words"), service)
    assert sorted(service.schedules.values_list("pk", flat=True)) == ids


def test_an_existing_provider_is_reused_by_name(world: World) -> None:
    save_service(world.cora, world.org, full_input(provider="YMCA"))
    save_service(world.cora, world.org, full_input(name="Swimming", provider="ymca"))
    assert ResourceOrganization.objects.filter(organization=world.org).count() == 1


@pytest.mark.parametrize("who", ["sam", "priya", "eve", "sofia", "paul_user", "otto"])
def test_only_the_organizations_managers_edit(world: World, who: str) -> None:
    user = getattr(world, who)
    user = getattr(user, "user", user)
    with pytest.raises(PermissionDenied):
        save_service(user, world.org, full_input())
    assert not Service.objects.exists()


def test_verifying_records_the_day_and_who(world: World) -> None:
    service = make_service(world.org, "Clinic")
    verify_service(world.cora, service, on=date(2025, 3, 4))
    service.refresh_from_db()
    assert (service.verified_on, service.verified_by, service.assurer_email) == (
        date(2025, 3, 4),
        world.cora,
        world.cora.email,
    )
    with pytest.raises(PermissionDenied):
        verify_service(world.otto, service)
    with pytest.raises(PermissionDenied):
        verify_service(world.sofia.user, service)
