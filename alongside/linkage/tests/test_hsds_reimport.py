"""Re-importing HSDS data updates the directory rather than duplicating it: the same file twice changes
nothing, a changed value is updated, and a service that lists its phones, languages... in full loses those
it no longer lists; a table left out of an upload leaves its records alone."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from django.db import connection

from alongside.linkage.hsds.importer import import_path, import_upload
from alongside.linkage.hsds.report import ImportReport
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
PHONE_ID = "1554f2e2-a373-45db-a3fa-9fc48a61c15e"
MODELS = (Service, ResourceOrganization, Location, ServiceAtLocation, Phone, Schedule, ServiceLanguage, TaxonomyTerm)


def counts(org) -> dict[str, int]:
    return {m.__name__: m.objects.filter(organization=org).count() for m in MODELS}


def service_document() -> dict:
    document = json.loads((FIXTURES / "service_full.json").read_text())
    for location in (document["service_at_locations"][0]["location"], *document["organization"]["locations"]):
        location["latitude"] = 51.52  # a possible place, so it is linked
    return document


def send(org, document) -> ImportReport:
    return import_upload(org, "service.json", json.dumps(document).encode())


@pytest.mark.parametrize("source", ["service_full.json", "organization_full.json", "csv"])
def test_importing_the_same_file_again_changes_nothing_and_adds_nothing(world, source):
    first = import_path(world.org, FIXTURES / source)
    after_first = counts(world.org)

    second = import_path(world.org, FIXTURES / source)
    third = import_path(world.org, FIXTURES / source)

    assert counts(world.org) == after_first
    for report in (second, third):
        totals = report.totals
        assert (totals.created, totals.updated, totals.removed) == (0, 0, 0)
        assert totals.unchanged == first.totals.created
        assert [str(i) for i in report.errors] == [str(i) for i in first.errors]


def test_a_changed_value_is_updated_in_place(world):
    document = service_document()
    send(world.org, document)
    service_pk = Service.objects.get(hsds_id=SERVICE_ID).pk

    document["name"] = "Community Counselling Centre"
    document["maximum_age"] = 99
    document["assured_date"] = "2025-06-01"
    document["phones"][0]["number"] = "+44 1234 999999"
    document["service_at_locations"][0]["location"]["name"] = "MyCity Town Hall"
    report = send(world.org, document)

    service = Service.objects.get(hsds_id=SERVICE_ID)
    assert service.pk == service_pk
    assert (service.name, service.maximum_age, str(service.verified_on)) == (
        "Community Counselling Centre",
        99,
        "2025-06-01",
    )
    assert Phone.objects.get(hsds_id=PHONE_ID).number == "+441234999999"
    assert Location.objects.get().name == "MyCity Town Hall"
    assert report.counts["services"].updated == 1
    assert report.counts["phones"].updated == 1
    assert report.counts["locations"].updated == 1
    assert report.counts["schedules"].unchanged == 1
    assert counts(world.org)["Service"] == 1


def test_records_a_service_no_longer_lists_are_removed_and_an_absent_key_leaves_them(world):
    document = service_document()
    send(world.org, document)
    assert Service.objects.get().languages == ["ur"]

    document["languages"] = []
    document["attributes"] = []
    del document["schedules"]  # not stated: left as it is
    report = send(world.org, document)

    service = Service.objects.get()
    assert service.languages == [] and not ServiceLanguage.objects.exists()
    assert not service.categories.exists()
    assert TaxonomyTerm.objects.count() == 1  # the term stays in the directory
    assert Schedule.objects.get().service == service  # the schedules key was left out
    assert report.counts["languages"].removed == 1
    assert report.counts["attributes"].removed == 1

    document["phones"] = []
    document["service_at_locations"] = []
    report = send(world.org, document)
    # The phone was also the organization's and the location's: it stays, unlinked from the service.
    phone = Phone.objects.get()
    assert phone.service is None and phone.location is not None
    assert not ServiceAtLocation.objects.exists()
    assert report.counts["service_at_location"].removed == 1


def test_a_link_made_by_hand_takes_the_imported_id_rather_than_a_second_link(world):
    document = service_document()
    send(world.org, document)
    sal = ServiceAtLocation.objects.get()
    sal.hsds_id = "made-by-hand"
    sal.save()

    send(world.org, document)

    assert list(ServiceAtLocation.objects.values_list("hsds_id", flat=True)) == ["e94c9f38-1e8f-4564-91d4-d53501ab1765"]


def test_a_check_made_here_is_not_undone_by_an_older_or_missing_assured_date(world):
    document = service_document()  # assured_date 2005-01-01
    send(world.org, document)
    Service.objects.update(verified_on=date(2020, 1, 1), verified_by=world.cora, assurer_email="cora@example.org")

    send(world.org, document)
    del document["assured_date"]
    send(world.org, document)

    service = Service.objects.get()
    assert (service.verified_on, service.verified_by, service.assurer_email) == (
        date(2020, 1, 1),
        world.cora,
        "cora@example.org",
    )

    document["assured_date"] = "2024-06-01"
    send(world.org, document)

    service.refresh_from_db()
    assert (service.verified_on, service.verified_by, service.assurer_email) == (
        date(2024, 6, 1),
        None,
        "email@example.com",
    )


def test_a_time_zone_set_here_stays_when_the_source_has_none(world):
    document = service_document()
    send(world.org, document)
    Location.objects.update(timezone="Europe/London")

    report = send(world.org, document)

    assert Location.objects.get().timezone == "Europe/London"
    assert report.counts["locations"].unchanged == 1


def test_a_service_moved_to_another_location_keeps_its_link_id_without_clashing(world):
    document = service_document()
    send(world.org, document)
    other = {"id": "44444444-4444-4444-8444-444444444444", "location_type": "physical", "name": "Library"}
    document["service_at_locations"] = [{"id": "e94c9f38-1e8f-4564-91d4-d53501ab1765", "location": other}]

    report = send(world.org, document)

    assert not report.errors, report.lines()
    sal = ServiceAtLocation.objects.get()
    assert sal.location.name == "Library" and report.counts["service_at_location"].updated == 1


def many_services(count: int) -> list[dict]:
    out = []
    for i in range(count):
        document = service_document()
        for path in ("id", "phones", "schedules", "languages", "service_at_locations", "attributes"):
            if path == "id":
                document["id"] = f"00000000-0000-4000-8000-{i:012d}"
                continue
            for j, item in enumerate(document[path]):
                item["id"] = f"{j:08d}-{len(path):04d}-4000-8000-{i:012d}"
        document["service_at_locations"][0]["location"]["id"] = f"11111111-0000-4000-8000-{i:012d}"
        out.append(document)
    return out


def selects_to_import(world, documents) -> int:
    selects = 0

    def count(execute, sql, params, many, context):
        nonlocal selects
        selects += sql.lstrip().upper().startswith("SELECT")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        report = send(world.org, documents)
    assert not report.errors, report.lines()
    return selects


def test_reading_what_exists_is_set_based_not_a_query_per_record(world):
    small, large = many_services(3), many_services(12)
    send(world.org, small)
    send(world.org, large)

    assert selects_to_import(world, small) == selects_to_import(world, large)
    assert Service.objects.count() == 12
