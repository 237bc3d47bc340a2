"""Exporting the directory as HSDS 3.0: the JSON validates against the published service schema, the CSV
tables come with a datapackage.json, and either export imported into another organization reproduces the
directory (same records, same values). The management commands do the same from the shell."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from jsonschema import FormatChecker
from jsonschema.validators import validator_for

from alongside.linkage.hsds.exporter import export_csv_files, export_csv_zip, export_json, export_json_bytes
from alongside.linkage.hsds.importer import import_path, import_upload
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


def build_directory(org, *, with_unused: bool) -> None:
    """A directory using every field the exchange carries. `with_unused` adds records no service uses (an
    organization, a location, a term), which only the CSV tables carry."""

    def make(model, hsds_id, **fields):
        return model.objects.create(organization=org, hsds_id=hsds_id, **fields)

    food = make(TaxonomyTerm, "0d6a6c1e-0000-4000-8000-000000000001", code="BD", name="Food", taxonomy="AIRS")
    pantry = make(
        TaxonomyTerm,
        "0d6a6c1e-0000-4000-8000-000000000002",
        code="BD-1800.2000",
        name="Food pantries",
        description="Places that give groceries.",
        taxonomy="AIRS",
        parent=food,
        language="en",
        term_uri="https://example.org/terms/BD-1800.2000",
    )
    clinic_term = make(TaxonomyTerm, "0d6a6c1e-0000-4000-8000-000000000003", code="LN", name="Primary care")
    bank = make(
        ResourceOrganization,
        "0d6a6c1e-0000-4000-8000-000000000010",
        name="Riverside Food Bank",
        alternate_name="RFB",
        description="Food for families in need.",
        email="hello@foodbank.example.org",
        website="https://foodbank.example.org",
        tax_status="501(c)(3)",
        year_incorporated=1987,
        legal_status="Charity",
    )
    health = make(ResourceOrganization, "0d6a6c1e-0000-4000-8000-000000000011", name="Eastside Health Center")
    hall = make(
        Location,
        "0d6a6c1e-0000-4000-8000-000000000020",
        resource_organization=bank,
        name="Church Hall",
        alternate_name="St Mark's",
        description="Side door on Elm Street.",
        transportation="Bus 12",
        latitude=Decimal("40.712776"),
        longitude=Decimal("-74.005974"),
        address_1="12 Elm Street",
        address_2="Side door",
        city="Riverside",
        region="Hudson",
        state_province="NY",
        postal_code="10001",
        country="US",
        timezone="America/New_York",
    )
    clinic = make(
        Location,
        "0d6a6c1e-0000-4000-8000-000000000021",
        resource_organization=health,
        name="Eastside clinic",
        location_type="physical",
        latitude=Decimal("-33.868820"),
        longitude=Decimal("151.209290"),
    )
    online = make(Location, "0d6a6c1e-0000-4000-8000-000000000022", name="Online", location_type="virtual")
    pantry_service = make(
        Service,
        "0d6a6c1e-0000-4000-8000-000000000030",
        resource_organization=bank,
        name="Weekly food pantry",
        alternate_name="Pantry",
        description="Groceries every week.",
        url="https://foodbank.example.org/pantry",
        email="pantry@foodbank.example.org",
        status="active",
        interpretation_services="Spanish on Tuesdays",
        application_process="Walk in",
        fees_description="Free",
        eligibility_description="Residents of Riverside",
        minimum_age=18,
        maximum_age=120,
        alert="Closed on holidays",
        languages=["en", "es"],
        verified_on=date(2025, 5, 1),
        assurer_email="curator@riverside.example.org",
        last_modified=datetime(2025, 5, 1, 9, 30, tzinfo=UTC),
    )
    pantry_service.categories.set([food, pantry])
    diabetes = make(
        Service,
        "0d6a6c1e-0000-4000-8000-000000000031",
        resource_organization=health,
        name="Diabetes education",
        status="temporarily closed",
        is_clinical=True,
        languages=["en"],
    )
    diabetes.categories.set([clinic_term])
    make(Service, "0d6a6c1e-0000-4000-8000-000000000032", name="Helpline", status="active")
    make(ServiceLanguage, "0d6a6c1e-0000-4000-8000-000000000040", service=pantry_service, name="English", code="en")
    make(
        ServiceLanguage,
        "0d6a6c1e-0000-4000-8000-000000000041",
        service=pantry_service,
        name="Spanish",
        code="es",
        note="Tuesdays",
    )
    make(ServiceLanguage, "0d6a6c1e-0000-4000-8000-000000000042", service=diabetes, code="en")
    make(ServiceAtLocation, "0d6a6c1e-0000-4000-8000-000000000050", service=pantry_service, location=hall)
    make(
        ServiceAtLocation,
        "0d6a6c1e-0000-4000-8000-000000000051",
        service=diabetes,
        location=clinic,
        description="Room 4",
    )
    make(ServiceAtLocation, "0d6a6c1e-0000-4000-8000-000000000052", service=diabetes, location=online)
    make(
        Phone,
        "0d6a6c1e-0000-4000-8000-000000000060",
        service=pantry_service,
        location=hall,
        number="+12025550143",
        extension="12",
        type="voice",
        description="Front desk",
    )
    make(Phone, "0d6a6c1e-0000-4000-8000-000000000061", resource_organization=bank, number="+12025550144", type="fax")
    make(Phone, "0d6a6c1e-0000-4000-8000-000000000062", location=clinic, number="+61293744000")
    make(
        Schedule,
        "0d6a6c1e-0000-4000-8000-000000000070",
        service=pantry_service,
        freq="WEEKLY",
        byday="TU,TH",
        opens_at=time(9),
        closes_at=time(12, 30),
        valid_from=date(2025, 1, 1),
        valid_to=date(2025, 12, 31),
        description="Mornings",
        notes="Arrive early",
    )
    make(Schedule, "0d6a6c1e-0000-4000-8000-000000000071", location=clinic, freq="WEEKLY", byday="MO,TU,WE,TH,FR")
    if with_unused:
        make(ResourceOrganization, "0d6a6c1e-0000-4000-8000-000000000012", name="Not yet offering anything")
        make(Location, "0d6a6c1e-0000-4000-8000-000000000023", name="Warehouse", resource_organization=bank)
        make(TaxonomyTerm, "0d6a6c1e-0000-4000-8000-000000000004", name="Housing", parent=food)


def ids(obj: Any) -> str | None:
    return None if obj is None else obj.hsds_id


def directory(org) -> dict[str, list[tuple]]:
    """Everything the exchange carries, with links as HSDS ids, so two organizations can be compared.
    Left out: pks, the tenant, timestamps this server sets, and `verified_by` (a user of the tenant)."""
    skip = {"id", "organization", "created_at", "updated_at", "verified_by"}
    out: dict[str, list[tuple]] = {}
    for model in (TaxonomyTerm, ResourceOrganization, Location, Service, ServiceAtLocation, Phone, Schedule):
        fields = [f for f in model._meta.concrete_fields if f.name not in skip]
        rows = []
        for obj in model.objects.filter(organization=org):
            row = tuple(ids(getattr(obj, f.name)) if f.is_relation else getattr(obj, f.name) for f in fields)
            if isinstance(obj, Service):
                row += (tuple(sorted(t.hsds_id for t in obj.categories.all())),)
            rows.append(row)
        out[model.__name__] = sorted(rows, key=repr)
    out["ServiceLanguage"] = sorted(
        ServiceLanguage.objects.filter(organization=org).values_list(
            "hsds_id", "service__hsds_id", "name", "code", "note"
        )
    )
    return out


def service_validator():
    schema = json.loads((FIXTURES / "schema" / "service.json").read_text())
    return validator_for(schema)(schema, format_checker=FormatChecker())


def test_the_json_export_validates_against_the_published_service_schema(world):
    build_directory(world.org, with_unused=True)

    services = export_json(world.org)

    validator = service_validator()
    assert [s["name"] for s in services] == ["Diabetes education", "Helpline", "Weekly food pantry"]
    for service in services:
        errors = sorted(validator.iter_errors(service), key=lambda e: list(e.path))
        assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
    pantry = services[2]
    assert pantry["organization"]["name"] == "Riverside Food Bank"
    assert pantry["assured_date"] == "2025-05-01" and pantry["last_modified"] == "2025-05-01T09:30:00Z"
    location = pantry["service_at_locations"][0]["location"]
    assert location["latitude"] == 40.712776 and location["addresses"][0]["city"] == "Riverside"
    assert pantry["phones"][0]["extension"] == 12
    assert {a["taxonomy_term"]["name"] for a in pantry["attributes"]} == {"Food", "Food pantries"}
    assert services[0]["x_alongside_is_clinical"] is True
    # The export's bytes are the same list.
    assert json.loads(export_json_bytes(world.org)) == services


def test_the_published_service_example_itself_passes_the_schema_the_export_is_checked_with():
    """Guards the check: the schema accepts the specification's own example (latitude 100 and all)."""
    example = json.loads((FIXTURES / "service_full.json").read_text())
    assert not list(service_validator().iter_errors(example))


def test_the_json_export_imported_into_another_organization_reproduces_the_directory(world):
    build_directory(world.org, with_unused=False)

    report = import_upload(world.other_org, "export.json", export_json_bytes(world.org))

    assert not report.errors and not report.warnings, report.lines()
    assert directory(world.other_org) == directory(world.org)
    assert report.counts["services"].created == 3


def test_the_csv_export_imported_into_another_organization_reproduces_the_whole_directory(world):
    build_directory(world.org, with_unused=True)

    report = import_upload(world.other_org, "export.zip", export_csv_zip(world.org))

    assert not report.errors and not report.warnings, report.lines()
    assert directory(world.other_org) == directory(world.org)
    assert ResourceOrganization.objects.filter(organization=world.other_org).count() == 3


def test_exporting_and_importing_back_into_the_same_organization_changes_nothing(world):
    build_directory(world.org, with_unused=True)
    before = directory(world.org)

    for report in (
        import_upload(world.org, "export.json", export_json_bytes(world.org)),
        import_upload(world.org, "export.zip", export_csv_zip(world.org)),
    ):
        assert (report.totals.created, report.totals.updated, report.totals.removed) == (0, 0, 0), report.lines()
    assert directory(world.org) == before


def test_a_language_set_on_the_curation_page_without_a_record_travels_as_a_language_record(world):
    build_directory(world.org, with_unused=False)
    Service.objects.filter(name="Helpline").update(languages=["so"])

    import_upload(world.other_org, "export.json", export_json_bytes(world.org))

    helpline = Service.objects.get(organization=world.other_org, name="Helpline")
    assert helpline.languages == ["so"]
    assert list(helpline.language_records.values_list("code", flat=True)) == ["so"]


def test_the_csv_export_has_every_table_with_its_hsds_columns_and_a_datapackage(world):
    build_directory(world.org, with_unused=True)

    files = export_csv_files(world.org)

    package = json.loads(files["datapackage.json"])
    assert package["profile"] == "tabular-data-package"
    for resource in package["resources"]:
        header = next(csv.reader(io.StringIO(files[resource["path"]].decode())))
        assert header == [f["name"] for f in resource["schema"]["fields"]]
    published = next(csv.reader((FIXTURES / "csv" / "services.csv").open()))
    services_header = next(csv.reader(io.StringIO(files["services.csv"].decode())))
    assert services_header[: len(published)] == published  # the HSDS columns, then Alongside's extension
    rows = list(csv.DictReader(io.StringIO(files["locations.csv"].decode())))
    assert len(rows) == 4 and {r["name"] for r in rows} >= {"Warehouse", "Church Hall"}
    with zipfile.ZipFile(io.BytesIO(export_csv_zip(world.org))) as archive:
        assert set(archive.namelist()) == set(files)


def test_the_commands_export_and_import_from_the_shell(world, tmp_path):
    build_directory(world.org, with_unused=True)
    out = io.StringIO()

    call_command("export_hsds", tmp_path / "d.json", organization="riverside", format="json", stdout=out)
    call_command("export_hsds", tmp_path / "d.zip", organization="riverside", format="csv", stdout=out)
    call_command("export_hsds", tmp_path / "tables", organization="riverside", format="csv", stdout=out)
    assert (tmp_path / "tables" / "services.csv").exists()

    call_command("import_hsds", tmp_path / "tables", organization="hillcrest", stdout=out)
    assert "created" in out.getvalue()
    assert directory(world.other_org) == directory(world.org)
    out = io.StringIO()
    call_command("import_hsds", tmp_path / "d.zip", organization="hillcrest", stdout=out)
    assert out.getvalue().splitlines()[0].startswith("d.zip: 0 created, 0 updated")

    (tmp_path / "broken.json").write_text("{")
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("import_hsds", tmp_path / "broken.json", organization="hillcrest")
    with pytest.raises(CommandError, match="No organization"):
        call_command("import_hsds", tmp_path / "d.zip", organization="nowhere")


def test_the_import_command_prints_each_problem_of_the_published_example(world):
    out = io.StringIO()

    call_command("import_hsds", FIXTURES / "service_full.json", organization="riverside", stdout=out)

    text = out.getvalue()
    assert "error: $.service_at_locations[0].location, location 3a19ff88" in text
    assert "latitude: 100 is not a possible latitude" in text
    assert import_path(world.org, FIXTURES / "service_full.json").totals.created == 0
