"""Importing the HSDS 3.0 tabular form: the published CSV tables as a folder and as a zip, with their
oddities (a latitude of 100, a number in quotes, a numeric time zone, an attribute linking nothing here, a
term whose parent is nowhere, a datapackage.json that is not JSON), unknown columns and tables, bad rows
reported by file and row; malformed CSV changes nothing."""

from __future__ import annotations

import csv
import io
import shutil
import zipfile
from pathlib import Path

import pytest

from alongside.linkage.hsds.importer import import_path, import_upload
from alongside.linkage.hsds.report import ImportReport, Issue
from alongside.linkage.models import Location, Phone, ResourceOrganization, Schedule, Service, ServiceLanguage

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures" / "hsds"
CSV = FIXTURES / "csv"
SERVICE_ID = "ac148810-d857-441c-9679-408f346de14b"
LOCATION_ID = "3a19ff88-4620-4d17-9830-ac1d859eb5d5"
PHONE_ID = "1554f2e2-a373-45db-a3fa-9fc48a61c15e"
SCHEDULE_ID = "48102e86-bb50-41c4-8f1e-e269368c41d1"
ORGANIZATION_ID = "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
ATTRIBUTE_ID = "ae58cc39-8b70-4ab1-8aea-786882e5ac8e"
TERM_ID = "3f7b145d-84af-42d7-8fae-eaca714b02b2"


def issue(report: ImportReport, severity: str, hsds_id: str, field: str) -> Issue:
    found = [i for i in report.issues if (i.severity, i.hsds_id, i.field) == (severity, hsds_id, field)]
    assert found, f"no {severity} on {hsds_id} {field} in:\n" + "\n".join(map(str, report.issues))
    return found[0]


def zipped(folder: Path, replace: dict[str, str] | None = None, prefix: str = "") -> bytes:
    """The folder's files in a zip, those named in `replace` with the given text instead."""
    replace = replace or {}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.iterdir()):
            if path.name not in replace:
                archive.writestr(prefix + path.name, path.read_bytes())
        for name, text in replace.items():
            archive.writestr(prefix + name, text.encode())
    return buffer.getvalue()


def test_the_published_csv_tables_import_with_each_oddity_reported_by_file_and_row(world):
    report = import_path(world.org, CSV)

    assert not report.format_error and report.form == "csv"
    service = Service.objects.get(organization=world.org, hsds_id=SERVICE_ID)
    assert service.name == "Community Counselling" and service.languages == ["ur"]
    assert service.resource_organization == ResourceOrganization.objects.get(hsds_id=ORGANIZATION_ID)
    assert ServiceLanguage.objects.get(service=service).code == "ur"

    latitude = issue(report, "error", LOCATION_ID, "latitude")
    assert latitude.where == "locations.csv row 2" and "not a possible latitude" in latitude.message
    assert not Location.objects.exists()

    phone = Phone.objects.get(hsds_id=PHONE_ID)
    assert phone.number == "+441234234567" and phone.service == service
    number = issue(report, "warning", PHONE_ID, "number")
    assert number.where == "phones.csv row 2" and "quotes were removed" in number.message

    assert Schedule.objects.get(hsds_id=SCHEDULE_ID).service == service
    assert issue(report, "warning", SCHEDULE_ID, "timezone").where == "schedules.csv row 2"

    # The attribute links "link_entity" f28dd44b…, which is no service here: not imported, said so.
    attribute = issue(report, "warning", ATTRIBUTE_ID, "link_id")
    assert attribute.where == "attributes.csv row 2" and "not a service" in attribute.message
    assert not service.categories.exists()
    assert issue(report, "warning", TERM_ID, "parent_id").where == "taxonomy_terms.csv row 2"

    datapackage = next(i for i in report.warnings if i.where == "datapackage.json")
    assert "../../datapackage.json" in datapackage.message  # the published file is a symlink's text
    not_kept = next(i for i in report.warnings if "HSDS tables with no place" in i.message)
    assert "contacts" in not_kept.message and "funding" in not_kept.message
    assert {t: (c.created, c.skipped) for t, c in report.counts.items() if c.total} == {
        "services": (1, 0),
        "organizations": (1, 0),
        "locations": (0, 1),
        "service_at_location": (0, 1),
        "phones": (1, 0),
        "schedules": (1, 0),
        "languages": (1, 0),
        "taxonomy_terms": (1, 0),
    }


def test_the_tables_import_the_same_from_a_zip_even_in_a_subfolder(world):
    report = import_upload(world.org, "hsds.zip", zipped(CSV, prefix="export/csv/"))

    assert not report.format_error
    assert Service.objects.filter(organization=world.org, hsds_id=SERVICE_ID).exists()
    assert issue(report, "error", LOCATION_ID, "latitude").where == "locations.csv row 2"


def test_unknown_columns_and_tables_are_warnings_and_bad_rows_errors_with_their_row(world, tmp_path):
    folder = tmp_path / "tables"
    shutil.copytree(CSV, folder)
    rows = list(csv.reader((folder / "services.csv").open(newline="")))
    header = [*rows[0], "favourite_colour"]
    width = len(header)

    def service(hsds_id: str, name: str, **values: str) -> list[str]:
        row = dict.fromkeys(header, "") | {"id": hsds_id, "name": name, "status": "active"} | values
        return [row[c] for c in header]

    with (folder / "services.csv").open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerow([*rows[1], "green"])
        writer.writerow([*service("55555555-5555-4555-8555-555555555555", "Food Pantry"), "one too many"])
        writer.writerow(service(SERVICE_ID, "Again"))
        writer.writerow(service("66666666-6666-4666-8666-666666666666", "Night Shelter", email="not-an-email"))
    (folder / "favourites.csv").write_text("id,name\n1,x\n")

    report = import_path(world.org, folder)

    assert issue(report, "warning", "", "favourite_colour").where == "services.csv"
    assert "not an HSDS 3.0 table" in next(i for i in report.warnings if i.where == "favourites.csv").message
    cells = next(i for i in report.errors if i.where == "services.csv row 3")
    assert f"has {width + 1} cells but the header has {width} columns" in cells.message
    repeat = next(i for i in report.errors if i.where == "services.csv row 4")
    assert repeat.field == "id" and "repeats the id of row 2" in repeat.message
    email = issue(report, "error", "66666666-6666-4666-8666-666666666666", "email")
    assert email.where == "services.csv row 5" and "not an email address" in email.message
    assert list(Service.objects.values_list("name", flat=True)) == ["Community Counselling"]
    assert report.counts["services"].skipped == 3


@pytest.mark.parametrize(
    ("replace", "reason"),
    [
        ({"services.csv": 'id,name,status\n"abc,Food,active\n'}, "services.csv is not valid CSV"),
        ({"phones.csv": "number,type\n+15550100,voice\n"}, "phones.csv has no id column"),
        ({"locations.csv": "id,name,name\n1,a,b\n"}, "names the column name more than once"),
    ],
)
def test_malformed_csv_imports_nothing_and_says_why(world, replace, reason):
    import_path(world.org, FIXTURES / "service_full.json")
    before = (Service.objects.count(), Phone.objects.count(), Service.objects.get().name)

    report = import_upload(world.org, "tables.zip", zipped(CSV, replace))

    assert reason in report.format_error
    assert (Service.objects.count(), Phone.objects.count(), Service.objects.get().name) == before


def test_a_file_that_is_not_a_zip_or_has_no_tables_imports_nothing(world):
    assert "not a readable zip" in import_upload(world.org, "tables.zip", b"not a zip at all").format_error
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README.md", "hello")
    assert "No HSDS tables found" in import_upload(world.org, "tables.zip", buffer.getvalue()).format_error
    assert not Service.objects.exists()


def test_a_phones_table_on_its_own_adds_phones_to_services_already_in_the_directory(world, tmp_path):
    import_path(world.org, CSV)
    (tmp_path / "phones.csv").write_text(
        "id,service_id,number,type\n"
        f"77777777-7777-4777-8777-777777777777,{SERVICE_ID},(202) 555-0143,voice\n"
        "88888888-8888-4888-8888-888888888888,99999999-9999-4999-8999-999999999999,+12025550144,voice\n"
    )

    report = import_path(world.org, tmp_path)

    assert Phone.objects.get(hsds_id="77777777-7777-4777-8777-777777777777").number == "+12025550143"
    missing = issue(report, "error", "88888888-8888-4888-8888-888888888888", "service_id")
    assert missing.where == "phones.csv row 3" and "neither in this upload nor in the directory" in missing.message
    # The phones table is all this upload states: the service's other phone is left as it is.
    assert Phone.objects.filter(hsds_id=PHONE_ID).exists()
