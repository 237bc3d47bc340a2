"""Re-importing HSDS data updates the directory rather than duplicating it: the same file twice changes
nothing, a changed value is updated, and a service that lists its phones, languages... in full loses those
it no longer lists; a table left out of an upload leaves its records alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

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
    document["service_at_locations"][0]["location"]["latitude"] = 51.52  # a possible place, so it is linked
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
