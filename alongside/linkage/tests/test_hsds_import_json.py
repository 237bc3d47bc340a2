"""Importing HSDS 3.0 JSON: the published service and organization examples with their oddities (a latitude
of 100, phone numbers in quotes, a numeric time zone, a taxonomy term whose parent is nowhere), lists of
records, and records that must be skipped whole (a minimum age above the maximum, a bad nested value, a
reference to an unknown taxonomy term), each reported with where it is and why; malformed JSON changes
nothing."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path

import pytest

from alongside.linkage.hsds.importer import import_upload
from alongside.linkage.hsds.report import ImportReport, Issue
from alongside.linkage.models import (
    Location,
    Phone,
    ResourceOrganization,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceLanguage,
    TaxonomyTerm,
)

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures" / "hsds"
SERVICE_ID = "ac148810-d857-441c-9679-408f346de14b"
LOCATION_ID = "3a19ff88-4620-4d17-9830-ac1d859eb5d5"
PHONE_ID = "1554f2e2-a373-45db-a3fa-9fc48a61c15e"
SCHEDULE_ID = "48102e86-bb50-41c4-8f1e-e269368c41d1"
TERM_ID = "3f7b145d-84af-42d7-8fae-eaca714b02b2"
ORGANIZATION_ID = "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
SAL_ID = "e94c9f38-1e8f-4564-91d4-d53501ab1765"
DIRECTORY_MODELS = (
    Service,
    ResourceOrganization,
    Location,
    ServiceAtLocation,
    Phone,
    Schedule,
    ServiceLanguage,
    TaxonomyTerm,
)


def published(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def upload(org, document, name: str = "upload.json") -> ImportReport:
    return import_upload(org, name, json.dumps(document).encode())


def issue(report: ImportReport, severity: str, hsds_id: str, field: str) -> Issue:
    found = [i for i in report.issues if (i.severity, i.hsds_id, i.field) == (severity, hsds_id, field)]
    assert found, f"no {severity} on {hsds_id} {field} in:\n" + "\n".join(map(str, report.issues))
    return found[0]


def counts(org) -> dict[str, int]:
    return {m.__name__: m.objects.filter(organization=org).count() for m in DIRECTORY_MODELS}


def test_the_published_service_example_imports_the_service_and_reports_each_oddity_with_where_and_why(world):
    report = upload(world.org, published("service_full.json"), "service_full.json")

    assert not report.format_error
    service = Service.objects.get(organization=world.org, hsds_id=SERVICE_ID)
    assert service.name == "Community Counselling"
    assert (service.minimum_age, service.maximum_age) == (12, 100)
    assert service.verified_on == date(2005, 1, 1)  # assured_date
    assert service.assurer_email == "email@example.com"
    assert service.last_modified == datetime(2023, 3, 15, 10, 30, 45, 123000, tzinfo=UTC)
    assert service.languages == ["ur"]
    assert service.resource_organization is not None
    assert service.resource_organization.hsds_id == ORGANIZATION_ID
    assert service.resource_organization.year_incorporated == 2011
    assert [t.hsds_id for t in service.categories.all()] == [TERM_ID]  # the attribute's taxonomy term

    # Latitude 100: the location is rejected, the service is imported without it (and says so).
    latitude = issue(report, "error", LOCATION_ID, "latitude")
    assert latitude.where == "$.service_at_locations[0].location"
    assert "100" in latitude.message and "between -90 and 90" in latitude.message
    assert not Location.objects.filter(organization=world.org).exists()
    sal = issue(report, "error", SAL_ID, "location_id")
    assert "was not imported" in sal.message and "without this location" in sal.message
    assert not ServiceAtLocation.objects.exists()

    # The phone number in quotes: the quotes are removed, with a warning; E.164 once it parses.
    phone = Phone.objects.get(organization=world.org, hsds_id=PHONE_ID)
    assert phone.number == "+441234234567"
    assert (phone.extension, phone.type) == ("100", "voice")
    assert phone.service == service and phone.resource_organization == service.resource_organization
    assert "quotes" in issue(report, "warning", PHONE_ID, "number").message

    # The numeric time zone: a UTC offset has no place here; the schedule is imported with a warning.
    schedule = Schedule.objects.get(organization=world.org, hsds_id=SCHEDULE_ID)
    assert (schedule.freq, schedule.byday) == ("WEEKLY", "TH,FR")
    assert (schedule.opens_at, schedule.closes_at) == (time(10), time(18))
    assert "UTC offset" in issue(report, "warning", SCHEDULE_ID, "timezone").message

    # The term's parent is nowhere: imported without a parent, with a warning.
    term = TaxonomyTerm.objects.get(organization=world.org, hsds_id=TERM_ID)
    assert term.parent is None
    assert "0bc248fa-dc27-4650-9ba4-8f1a24ef16a2" in issue(report, "warning", TERM_ID, "parent_id").message

    assert report.counts["services"].created == 1
    assert report.counts["locations"].skipped == 1
    assert len(report.errors) == 2  # the latitude, and the service-at-location that is nothing but that link


def test_the_published_organization_example_imports_the_organization_with_its_nested_service(world):
    report = upload(world.org, published("organization_full.json"), "organization_full.json")

    organization = ResourceOrganization.objects.get(organization=world.org, hsds_id=ORGANIZATION_ID)
    service = Service.objects.get(organization=world.org, hsds_id=SERVICE_ID)
    assert service.resource_organization == organization
    assert issue(report, "error", LOCATION_ID, "latitude").where == "$.locations[0]"
    assert report.counts["organizations"].created == 1
    assert report.counts["services"].created == 1
    assert Phone.objects.get(hsds_id=PHONE_ID).resource_organization == organization


def test_a_list_of_services_imports_the_good_ones_and_skips_a_bad_one_whole(world):
    good = published("service_full.json")
    bad = copy.deepcopy(good)
    bad["id"] = "11111111-1111-4111-8111-111111111111"
    bad["name"] = "Youth Counselling"
    bad["minimum_age"], bad["maximum_age"] = 30, 12
    bad["phones"][0]["id"] = "22222222-2222-4222-8222-222222222222"
    bad["schedules"] = []
    bad["languages"] = []

    report = upload(world.org, [good, bad])

    assert Service.objects.filter(organization=world.org).count() == 1
    ages = issue(report, "error", bad["id"], "minimum_age")
    assert ages.where == "$[1]" and "30 is above the maximum age 12" in ages.message
    # Nothing of the skipped service was written, not even its own phone.
    assert not Phone.objects.filter(hsds_id="22222222-2222-4222-8222-222222222222").exists()
    assert report.counts["services"].created == 1 and report.counts["services"].skipped == 1


def test_a_bad_value_nested_in_a_service_skips_the_service_with_everything_in_it(world):
    document = published("service_full.json")
    document["schedules"][0]["opens_at"] = "ten o'clock"
    document["service_at_locations"][0]["location"]["latitude"] = 51.5  # the location itself is fine

    report = upload(world.org, document)

    assert not Service.objects.exists()
    assert not Phone.objects.exists() and not ServiceLanguage.objects.exists()
    opens = issue(report, "error", SCHEDULE_ID, "opens_at")
    assert opens.where == "$.schedules[0]" and "not a time of day" in opens.message
    head = issue(report, "error", SERVICE_ID, "")
    assert "not imported" in head.message and "schedule" in head.message
    # The location is a record of its own (services share locations): it is imported.
    assert Location.objects.get(hsds_id=LOCATION_ID).latitude == Decimal("51.500000")


def test_an_attribute_naming_an_unknown_taxonomy_term_is_reported_and_the_service_imported_without_it(world):
    document = published("service_full.json")
    unknown = "99999999-9999-4999-8999-999999999999"
    document["attributes"].append(
        {"id": "33333333-3333-4333-8333-333333333333", "taxonomy_term_id": unknown, "link_entity": "service"}
    )

    report = upload(world.org, document)

    service = Service.objects.get(hsds_id=SERVICE_ID)
    assert [t.hsds_id for t in service.categories.all()] == [TERM_ID]
    error = issue(report, "error", "33333333-3333-4333-8333-333333333333", "taxonomy_term_id")
    assert unknown in error.message and "neither in this upload nor in the directory" in error.message


def test_a_location_with_possible_coordinates_is_linked_with_its_address(world):
    document = published("service_full.json")
    document["service_at_locations"][0]["location"]["latitude"] = 51.52
    document["service_at_locations"][0]["location"]["longitude"] = -0.1

    upload(world.org, document)

    location = Location.objects.get(hsds_id=LOCATION_ID)
    assert (location.latitude, location.longitude) == (Decimal("51.520000"), Decimal("-0.100000"))
    assert (location.address_1, location.city, location.state_province, location.postal_code, location.country) == (
        "1-30 Main Street",
        "MyCity",
        "MyState",
        "ABC 1234",
        "US",
    )
    assert location.address_2 == "MyVillage" and location.region == "MyRegion"
    sal = ServiceAtLocation.objects.get(hsds_id=SAL_ID)
    assert sal.service.hsds_id == SERVICE_ID and sal.location == location
    assert Phone.objects.get(hsds_id=PHONE_ID).location == location
    assert Schedule.objects.get(hsds_id=SCHEDULE_ID).location == location


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"id": "x", "name": ', "not valid JSON"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b"[]", "empty list"),
        (b'"a service"', "expected a service"),
    ],
)
def test_malformed_json_imports_nothing_and_says_why(world, content, reason):
    upload(world.org, published("service_full.json"))
    before = counts(world.org)

    report = import_upload(world.org, "broken.json", content)

    assert reason in report.format_error
    assert report.lines()[0].startswith("broken.json: nothing imported.")
    assert counts(world.org) == before


def test_a_record_without_an_id_is_reported_and_not_imported(world):
    document = published("service_full.json")
    del document["id"]

    report = upload(world.org, document)

    assert not Service.objects.exists()
    assert "needs its HSDS id" in issue(report, "error", "", "id").message


def test_imports_stay_within_the_tenant(world):
    upload(world.org, published("service_full.json"))
    upload(world.other_org, published("service_full.json"))

    assert Service.objects.filter(hsds_id=SERVICE_ID).count() == 2
    assert counts(world.org) == counts(world.other_org)
