"""The directory pages: search with its filters, results with what a supporter needs on a phone, a
service's page, sharing with a participant (which counts as linkage delivered), and who sees what."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alongside.accounts.models import User
from alongside.audit.models import AccessLogEntry
from alongside.contacts.queries import function_coverage
from alongside.followup.models import FollowUpState
from alongside.linkage.models import DirectoryLookup, Phone, Schedule, Service, ServiceStatus, TaxonomyTerm
from alongside.linkage.tests.directory_world import make_service, make_term
from alongside.programs.models import EnrollmentStatus, Program
from alongside.testing.world import World, make_enrollment

pytestmark = pytest.mark.django_db

URL = reverse("linkage:directory")
# Paul lives near Riverside (the test locality); services 2 km and 9 km north of him.
PAUL_AT = (40.7128, -74.006)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def north(km: float) -> tuple[float, float]:
    return (round(PAUL_AT[0] + km / 111.195, 6), PAUL_AT[1])


@pytest.fixture
def directory(world: World) -> dict[str, Service]:
    world.paul.latitude, world.paul.longitude = Decimal(str(PAUL_AT[0])), Decimal(str(PAUL_AT[1]))
    world.paul.save()
    food = make_term(world.org, "Food")
    pantry = make_service(
        world.org,
        "Riverside Food Pantry",
        at=north(2),
        languages=["en", "es"],
        categories=[make_term(world.org, "Food pantry", parent=food)],
        provider="Riverside Community Church",
        phone="+12025550143",
        eligibility_description="Residents of Riverside county.",
        minimum_age=18,
        description="Groceries every weekday.",
    )
    clinic = make_service(
        world.org,
        "Hillside Diabetes Education",
        at=north(9),
        languages=["en"],
        byday="SA",
        opens=time(10),
        closes=time(12),
        is_clinical=True,
    )
    hotline = make_service(world.org, "Warmline", at=None, languages=["en", "vi"], opens=None)
    theirs = make_service(world.other_org, "Hillcrest Shelter", at=PAUL_AT)
    return {"pantry": pantry, "clinic": clinic, "hotline": hotline, "theirs": theirs}


def result_names(html: str) -> list[str]:
    listing = html.split('aria-label="Services"', 1)[1] if 'aria-label="Services"' in html else ""
    return re.findall(r'class="dir-name"[^>]*><strong>([^<]+)</strong>', listing)


@pytest.mark.parametrize("who", ["ada", "cora", "sam", "priya", "eve", "sofia", "paul_user"])
def test_every_role_of_the_organization_searches_its_directory(
    world: World, directory: dict[str, Service], who: str
) -> None:
    user = getattr(world, who)
    response = client_for(getattr(user, "user", user)).get(URL)
    assert response.status_code == 200
    names = result_names(response.content.decode())
    assert "Hillcrest Shelter" not in names
    assert set(names) == {"Riverside Food Pantry", "Hillside Diabetes Education", "Warmline"}


def test_otto_sees_only_his_organizations_entries(world: World, directory: dict[str, Service]) -> None:
    client = client_for(world.otto)
    assert result_names(client.get(URL).content.decode()) == ["Hillcrest Shelter"]
    assert client.get(reverse("linkage:service", args=[directory["pantry"].pk])).status_code == 404
    assert client.get(reverse("linkage:service", args=[directory["theirs"].pk])).status_code == 200


def test_signed_out_visitors_are_sent_to_log_in(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_result_shows_what_a_supporter_needs_on_the_phone(world: World, directory: dict[str, Service]) -> None:
    tuesday_noon = datetime(2025, 3, 4, 17, 0, tzinfo=UTC)  # 12:00 in New York
    with mock.patch("alongside.linkage.views.directory.timezone.now", return_value=tuesday_noon):
        html = client_for(world.sofia.user).get(URL, {"participant": world.paul.pk}).content.decode()

    assert result_names(html) == ["Riverside Food Pantry", "Hillside Diabetes Education", "Warmline"]
    line = html.split('class="dir-line"')[1]
    assert "Riverside Community Church" in line
    assert "2.0 km" in line
    assert "Open now, until 17:00" in line
    assert "Languages: English, Spanish" in line
    assert 'href="tel:+12025550143"' in line and "+1 202-555-0143" in line
    assert "1 Main Street, Riverside" in line
    clinic = html.split('class="dir-line"')[2]
    assert "9.0 km" in clinic and "Closed today" in clinic
    assert "Share with Paul" in line
    refer = f"{reverse('linkage:referral_new', args=[world.paul.pk])}?service={directory['pantry'].pk}"
    assert f'href="{refer}"' in line and "Refer Paul here" in line


def test_filters_narrow_the_results(world: World, directory: dict[str, Service]) -> None:
    client = client_for(world.cora)
    food_term = TaxonomyTerm.objects.get(organization=world.org, name="Food")
    assert result_names(client.get(URL, {"category": food_term.pk}).content.decode()) == ["Riverside Food Pantry"]
    assert result_names(client.get(URL, {"language": "vi"}).content.decode()) == ["Warmline"]
    assert result_names(client.get(URL, {"q": "diabetes"}).content.decode()) == ["Hillside Diabetes Education"]
    near = client.get(URL, {"near": f"{PAUL_AT[0]},{PAUL_AT[1]}", "within_km": "5"}).content.decode()
    assert result_names(near) == ["Riverside Food Pantry"]
    around_paul = client.get(URL, {"participant": str(world.paul.pk), "within_km": "25"}).content.decode()
    assert result_names(around_paul) == ["Riverside Food Pantry", "Hillside Diabetes Education"]


def test_open_now_filters_on_the_current_time(world: World, directory: dict[str, Service]) -> None:
    saturday_11 = datetime(2025, 3, 8, 16, 0, tzinfo=UTC)  # 11:00 in New York
    with mock.patch("alongside.linkage.search.timezone.now", return_value=saturday_11):
        html = client_for(world.cora).get(URL, {"open_now": "on"}).content.decode()
    assert result_names(html) == ["Hillside Diabetes Education"]


def test_a_filter_that_does_not_parse_is_reported_and_left_out(world: World, directory: dict[str, Service]) -> None:
    html = client_for(world.cora).get(URL, {"near": "somewhere", "within_km": "-3", "language": "xx"}).content.decode()
    assert "Some filters were left out." in html
    assert "latitude,longitude" in html
    assert len(result_names(html)) == 3


def test_a_radius_without_a_place_says_so(world: World, directory: dict[str, Service]) -> None:
    html = client_for(world.cora).get(URL, {"within_km": "5"}).content.decode()
    assert "“Within” needs a place" in html
    assert len(result_names(html)) == 3


def test_the_search_page_costs_the_same_queries_for_3_or_30_services(
    world: World, directory: dict[str, Service], django_assert_max_num_queries: Any
) -> None:
    client = client_for(world.sofia.user)
    params: dict[str, str | int] = {"participant": world.paul.pk, "open_now": "on", "language": "en", "q": "a"}

    with CaptureQueriesContext(connection) as few:
        client.get(URL, params)
    for i in range(27):
        make_service(world.org, f"Extra pantry {i}", at=north(i % 10 + 0.5), phone="+12025550143")
    with CaptureQueriesContext(connection) as many:
        client.get(URL, params)
    assert len(many.captured_queries) == len(few.captured_queries) <= 30


# ----------------------------------------------------------------------------------------------- sharing


def test_searching_for_a_participant_logs_the_access(world: World, directory: dict[str, Service]) -> None:
    client_for(world.sofia.user).get(URL, {"participant": world.paul.pk})
    assert AccessLogEntry.objects.filter(user=world.sofia.user, participant=world.paul).count() == 1


@pytest.mark.parametrize(("who", "participant"), [("sofia", "rita"), ("otto", "paul"), ("sid", "paul")])
def test_a_participant_out_of_scope_is_a_404(
    world: World, directory: dict[str, Service], who: str, participant: str
) -> None:
    user = getattr(world, who)
    response = client_for(getattr(user, "user", user)).get(URL, {"participant": getattr(world, participant).pk})
    assert response.status_code == 404


def test_sharing_creates_a_look_up_that_counts_as_linkage(world: World, directory: dict[str, Service]) -> None:
    pantry = directory["pantry"]
    client = client_for(world.sofia.user)
    here = f"{URL}?participant={world.paul.pk}&q=pantry"
    programs = Program.objects.filter(pk=world.telephone.pk)
    assert function_coverage(programs, 30)[world.telephone.pk].by_function.get("linkage", 0) == 0

    response = client.post(
        reverse("linkage:share", args=[pantry.pk]), {"participant": world.paul.pk, "next": here}, follow=True
    )

    lookup = DirectoryLookup.objects.get()
    assert (lookup.participant, lookup.enrollment, lookup.service, lookup.shared_by) == (
        world.paul,
        world.paul_enrollment,
        pantry,
        world.sofia.user,
    )
    assert lookup.shared_on == timezone.localdate()
    assert response.redirect_chain[-1][0] == here
    html = response.content.decode()
    assert "Shared Riverside Food Pantry with Paul Okafor (Telephone Peer Support)." in html
    assert "Shared with Paul on" in html
    assert function_coverage(programs, 30)[world.telephone.pk].by_function["linkage"] == 1
    state = FollowUpState.objects.get(enrollment=world.paul_enrollment)
    assert state.last_linkage_on == timezone.localdate()


def test_sharing_needs_an_open_enrolment(world: World, directory: dict[str, Service]) -> None:
    world.paul_enrollment.status = EnrollmentStatus.COMPLETED
    world.paul_enrollment.save()
    client = client_for(world.cora)

    page = client.get(URL, {"participant": world.paul.pk}).content.decode()
    assert "Share with Paul" not in page
    assert "has no open enrolment you work on" in page
    response = client.post(
        reverse("linkage:share", args=[directory["pantry"].pk]), {"participant": world.paul.pk}, follow=True
    )
    assert "has no open enrolment you work on" in response.content.decode()
    assert not DirectoryLookup.objects.exists()


def test_an_inactive_service_is_not_shared(world: World, directory: dict[str, Service]) -> None:
    Service.objects.filter(pk=directory["pantry"].pk).update(status=ServiceStatus.TEMPORARILY_CLOSED)
    response = client_for(world.sofia.user).post(
        reverse("linkage:share", args=[directory["pantry"].pk]), {"participant": world.paul.pk}, follow=True
    )
    assert "is not active (temporarily closed)" in response.content.decode()
    assert not DirectoryLookup.objects.exists()


def test_with_two_open_enrolments_the_share_goes_on_the_chosen_one(world: World, directory: dict[str, Service]) -> None:
    coaching = make_enrollment(world.cora, world.paul, world.coaching, [world.sid])
    client = client_for(world.cora)
    page = client.get(reverse("linkage:service", args=[directory["pantry"].pk]), {"participant": world.paul.pk})
    assert 'name="enrollment"' in page.content.decode()
    client.post(
        reverse("linkage:share", args=[directory["pantry"].pk]),
        {"participant": world.paul.pk, "enrollment": coaching.pk, "note": "Call before 11"},
    )
    lookup = DirectoryLookup.objects.get()
    assert (lookup.enrollment, lookup.note) == (coaching, "Call before 11")
    # An enrolment the user does not work on is refused.
    response = client_for(world.sofia.user).post(
        reverse("linkage:share", args=[directory["pantry"].pk]),
        {"participant": world.paul.pk, "enrollment": coaching.pk},
        follow=True,
    )
    assert "open enrolments that you work on" in response.content.decode()
    assert DirectoryLookup.objects.count() == 1


@pytest.mark.parametrize("who", ["paul_user", "eve"])
def test_participants_and_evaluators_never_share(world: World, directory: dict[str, Service], who: str) -> None:
    client = client_for(getattr(world, who))
    if who == "paul_user":
        page = client.get(URL, {"participant": world.paul.pk})
        assert page.status_code == 200 and "Share with" not in page.content.decode()
    response = client.post(reverse("linkage:share", args=[directory["pantry"].pk]), {"participant": world.paul.pk})
    assert response.status_code == 404
    assert not DirectoryLookup.objects.exists()


def test_sharing_another_organizations_service_or_with_someone_out_of_scope_is_a_404(
    world: World, directory: dict[str, Service]
) -> None:
    client = client_for(world.sofia.user)
    theirs = client.post(reverse("linkage:share", args=[directory["theirs"].pk]), {"participant": world.paul.pk})
    rita = client.post(reverse("linkage:share", args=[directory["pantry"].pk]), {"participant": world.rita.pk})
    assert theirs.status_code == rita.status_code == 404
    assert client.get(reverse("linkage:share", args=[directory["pantry"].pk])).status_code == 405
    assert not DirectoryLookup.objects.exists()


def test_a_participant_searches_around_their_own_locality(world: World, directory: dict[str, Service]) -> None:
    html = client_for(world.paul_user).get(URL, {"within_km": "5"}).content.decode()
    assert result_names(html) == ["Riverside Food Pantry"]
    assert "Share with" not in html


# ------------------------------------------------------------------------------------------ service page


def test_the_service_page_shows_every_field(world: World, directory: dict[str, Service]) -> None:
    pantry = directory["pantry"]
    Phone.objects.create(organization=world.org, service=pantry, number="+12025550199", type="text", extension="12")
    Schedule.objects.create(
        organization=world.org, service=pantry, byday="1SA", opens_at=time(9), closes_at=time(11),
        valid_from=date(2025, 1, 1), description="Fresh produce.",
    )  # fmt: skip
    pantry.verified_on, pantry.verified_by = date(2025, 2, 3), world.cora
    pantry.save()

    html = client_for(world.sofia.user).get(reverse("linkage:service", args=[pantry.pk])).content.decode()

    assert "<h1>Riverside Food Pantry</h1>" in html
    assert "Provided by Riverside Community Church" in html
    assert "Groceries every weekday." in html
    assert 'href="tel:+12025550143"' in html and 'href="tel:+12025550199"' in html and "ext. 12" in html
    location = pantry.service_at_locations.get().location
    assert f"https://www.openstreetmap.org/?mlat={location.latitude}&amp;mlon={location.longitude}" in html
    assert "1 Main Street, Riverside" in html
    assert "Monday to Friday, 09:00–17:00" in html
    assert "The first Saturday of the month, 09:00–11:00 (from 1 January 2025). Fresh produce." in html
    assert "Residents of Riverside county." in html and "18 and over" in html
    assert "English, Spanish" in html
    assert "Food pantry" in html
    assert "Verified on 3 February 2025 by Cora" in html
    assert "Edit" not in html.split("<h2>Verified</h2>")[1]  # supporters do not curate


def test_a_coordinator_gets_edit_and_verify_on_the_service_page(world: World, directory: dict[str, Service]) -> None:
    html = client_for(world.cora).get(reverse("linkage:service", args=[directory["hotline"].pk])).content.decode()
    assert reverse("linkage:service_edit", args=[directory["hotline"].pk]) in html
    assert reverse("linkage:verify", args=[directory["hotline"].pk]) in html
    assert "Not verified yet." in html and "No opening hours on record." in html
    assert "Show on a map" not in html  # a location without coordinates


def test_the_resources_menu_entry_shows_for_every_role(world: World) -> None:
    for user in world.users_by_role().values():
        html = client_for(user).get(reverse("home"), follow=True).content.decode()
        assert f'href="{URL}"' in html, user.username


def test_a_stale_entry_is_flagged_on_its_page(world: World, directory: dict[str, Service]) -> None:
    pantry = directory["pantry"]
    pantry.verified_on = timezone.localdate() - timedelta(days=400)
    pantry.save()
    html = client_for(world.sofia.user).get(reverse("linkage:service", args=[pantry.pk])).content.decode()
    assert "Check before relying on it" in html


def test_a_participant_without_locality_coordinates_gets_results_by_name(
    world: World, directory: dict[str, Service]
) -> None:
    html = client_for(world.cora).get(URL, {"participant": str(world.rita.pk), "within_km": "5"}).content.decode()
    assert "Rita has no locality coordinates on record" in html
    assert result_names(html) == ["Hillside Diabetes Education", "Riverside Food Pantry", "Warmline"]
    assert " km</span>" not in html
