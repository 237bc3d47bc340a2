"""The HSDS exchange pages: coordinators and admins upload a JSON file or a zip of the CSV tables and read
the report (created, updated, skipped, each error with where and why); organization-wide roles download the
directory as JSON or CSV; everyone else, and anyone naming another organization, gets a 404."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from alongside.linkage.models import Location, Service
from alongside.testing.browser import SCREENSHOTS
from alongside.testing.world import PASSWORD, World

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures" / "hsds"
IMPORT = reverse("linkage:import")
EXPORT_JSON = reverse("linkage:export_json")
EXPORT_CSV = reverse("linkage:export_csv")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def json_file(name: str = "service_full.json", content: bytes | None = None) -> SimpleUploadedFile:
    data = content if content is not None else (FIXTURES / name).read_bytes()
    return SimpleUploadedFile(name, data, content_type="application/json")


def csv_zip() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted((FIXTURES / "csv").iterdir()):
            archive.writestr(path.name, path.read_bytes())
    return SimpleUploadedFile("hsds.zip", buffer.getvalue(), content_type="application/zip")


@pytest.mark.parametrize("role", ["admin", "coordinator"])
def test_managers_open_the_import_page_with_the_export_links(world: World, role):
    page = client_for(world.users_by_role()[role]).get(IMPORT)

    assert page.status_code == 200
    html = page.content.decode()
    assert 'enctype="multipart/form-data"' in html and 'name="file"' in html
    assert EXPORT_JSON in html and EXPORT_CSV in html


@pytest.mark.parametrize("role", ["supervisor", "professional", "evaluator", "supporter", "participant"])
def test_other_roles_get_a_404_on_the_import_page(world: World, role):
    client = client_for(world.users_by_role()[role])

    assert client.get(IMPORT).status_code == 404
    assert client.post(IMPORT, {"file": json_file()}).status_code == 404
    assert not Service.objects.exists()


def test_a_coordinator_of_another_organization_cannot_reach_this_ones_directory(world: World):
    otto = client_for(world.otto)
    riverside = f"{IMPORT}?organization=riverside"

    assert otto.get(riverside).status_code == 404
    assert otto.post(riverside, {"file": json_file()}).status_code == 404
    assert otto.get(f"{EXPORT_JSON}?organization=riverside").status_code == 404
    assert otto.get(f"{EXPORT_CSV}?organization=riverside").status_code == 404
    assert not Service.objects.exists()
    # On his own page, his import goes into his own organization's directory only.
    assert otto.post(IMPORT, {"file": json_file()}).status_code == 200
    assert list(Service.objects.values_list("organization__slug", flat=True)) == ["hillcrest"]


def test_uploading_the_published_json_shows_counts_and_each_error_with_where_and_why(world: World):
    page = client_for(world.cora).post(IMPORT, {"file": json_file()})

    assert page.status_code == 200
    html = page.content.decode()
    assert "Import report: service_full.json" in html
    assert 'data-created="7"' in html and 'data-skipped="2"' in html
    assert 'data-severity="error" data-hsds-id="3a19ff88-4620-4d17-9830-ac1d859eb5d5" data-field="latitude"' in html
    assert "$.service_at_locations[0].location" in html
    assert "100 is not a possible latitude (it must be between -90 and 90)" in html
    assert "the quotes were removed" in html and "is a UTC offset" in html
    assert Service.objects.filter(organization=world.org).count() == 1


def test_uploading_the_same_file_twice_reports_updates_not_new_records(world: World):
    client = client_for(world.ada)
    client.post(IMPORT, {"file": json_file()})

    html = client.post(IMPORT, {"file": json_file()}).content.decode()

    assert 'data-created="0" data-updated="0"' in html
    assert Service.objects.count() == 1


def test_uploading_a_zip_of_the_csv_tables_reports_rows_by_file_and_row(world: World):
    html = client_for(world.cora).post(IMPORT, {"file": csv_zip()}).content.decode()

    assert "locations.csv row 2" in html and "phones.csv row 2" in html
    assert Service.objects.filter(organization=world.org).count() == 1
    assert not Location.objects.exists()


def test_a_malformed_upload_changes_nothing_and_says_why(world: World):
    client = client_for(world.cora)
    client.post(IMPORT, {"file": json_file()})
    name_before = Service.objects.get().name

    html = client.post(IMPORT, {"file": json_file("broken.json", b'[{"id": "x", "name": ')}).content.decode()

    assert "data-format-error" in html and "Nothing was imported." in html and "not valid JSON" in html
    assert Service.objects.get().name == name_before and Service.objects.count() == 1


def test_a_file_of_another_kind_is_refused_by_the_form(world: World):
    upload = SimpleUploadedFile("notes.txt", b"hello", content_type="text/plain")

    html = client_for(world.cora).post(IMPORT, {"file": upload}).content.decode()

    assert "Choose a .json file, or a .zip of the CSV tables." in html
    assert "Import report" not in html


@pytest.mark.parametrize("role", ["admin", "coordinator", "supervisor"])
def test_organization_wide_roles_download_the_directory(world: World, role):
    client_for(world.cora).post(IMPORT, {"file": json_file()})
    client = client_for(world.users_by_role()[role])

    as_json = client.get(EXPORT_JSON)
    as_csv = client.get(EXPORT_CSV)

    assert as_json.status_code == 200 and as_json["Content-Type"] == "application/json"
    assert 'attachment; filename="hsds-services-riverside-' in as_json["Content-Disposition"]
    assert [s["name"] for s in json.loads(as_json.content)] == ["Community Counselling"]
    assert as_csv.status_code == 200 and as_csv["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(as_csv.content)) as archive:
        assert {"services.csv", "datapackage.json"} <= set(archive.namelist())


@pytest.mark.parametrize("role", ["professional", "evaluator", "supporter", "participant"])
def test_other_roles_get_a_404_on_the_downloads(world: World, role):
    client = client_for(world.users_by_role()[role])

    assert client.get(EXPORT_JSON).status_code == 404
    assert client.get(EXPORT_CSV).status_code == 404


def test_the_pages_need_a_login(world: World):
    for url in (IMPORT, EXPORT_JSON, EXPORT_CSV):
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_coordinator_uploads_on_a_phone_and_reads_the_report_without_scrolling_sideways(
    world: World, live_server, page
):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(world.cora.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    page.goto(f"{live_server.url}{IMPORT}")
    page.get_by_label("HSDS file").set_input_files(str(FIXTURES / "service_full.json"))
    page.get_by_role("button", name="Import").click()

    page.get_by_role("heading", name="Import report: service_full.json").wait_for()
    errors = page.get_by_role("list", name="Errors: not imported")
    assert errors.get_by_role("listitem").count() == 2
    assert "100 is not a possible latitude" in errors.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "hsds-import-report-360.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert Service.objects.filter(organization=world.org).count() == 1
