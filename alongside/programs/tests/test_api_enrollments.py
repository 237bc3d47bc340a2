"""/api/v1/enrollments/: scoped reads with assignments and history, enrolling, status transitions and
assigning supporters through programs.services; bad input saves nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from alongside.audit.models import AccessLogEntry
from alongside.programs.models import Assignment, Enrollment, EnrollmentTransition
from alongside.testing.api import ApiFor
from alongside.testing.world import World, make_participant, make_supporter

pytestmark = pytest.mark.django_db

URL = "/api/v1/enrollments/"


def listed(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["participant_name"] for row in response.json()["results"]}


VISIBLE = {
    "admin": {"Paul Okafor", "Rita Gomez"},
    "coordinator": {"Paul Okafor", "Rita Gomez"},
    "supervisor": {"Paul Okafor", "Rita Gomez"},
    "professional": {"Paul Okafor"},
    "evaluator": set(),
    "supporter": {"Paul Okafor"},
    "participant": {"Paul Okafor"},
    "outsider": set(),
}


@pytest.mark.parametrize("role", list(VISIBLE))
def test_each_role_lists_only_the_enrolments_in_its_scope(world: World, api: ApiFor, role: str) -> None:
    assert listed(api(world.users_by_role()[role]).get(URL)) == VISIBLE[role]


@pytest.mark.parametrize("role", list(VISIBLE))
def test_reading_an_enrolment_out_of_scope_is_a_404(world: World, api: ApiFor, role: str) -> None:
    response = api(world.users_by_role()[role]).get(f"{URL}{world.rita_enrollment.pk}/")
    assert response.status_code == (200 if "Rita Gomez" in VISIBLE[role] else 404)


def test_the_record_has_assignments_and_status_history(world: World, api: ApiFor) -> None:
    body = api(world.sofia.user).get(f"{URL}{world.paul_enrollment.pk}/").json()
    assert body["participant"] == world.paul.pk and body["program"] == world.telephone.pk
    assert body["status"] == "active"
    assert set(body["allowed_next_statuses"]) == {"paused", "completed", "withdrawn", "lost_to_follow_up"}
    [assignment] = body["assignments"]
    assert assignment["supporter"] == world.sofia.pk and assignment["is_primary"] is True
    assert [(t["from_status"], t["to_status"]) for t in body["transitions"]] == [("", "active")]
    assert AccessLogEntry.objects.filter(participant=world.paul, user=world.sofia.user, channel="api").count() == 1


def test_it_filters_by_program_status_and_participant(world: World, api: ApiFor) -> None:
    client = api(world.cora)
    assert listed(client.get(URL, {"program": world.coaching.pk})) == {"Rita Gomez"}
    assert listed(client.get(URL, {"participant": world.paul.pk})) == {"Paul Okafor"}
    assert listed(client.get(URL, {"status": "active"})) == {"Paul Okafor", "Rita Gomez"}
    assert listed(client.get(URL, {"status": "paused"})) == set()
    assert client.get(URL, {"status": "asleep"}).status_code == 400


def test_a_coordinator_enrols_a_participant_with_supporters(world: World, api: ApiFor) -> None:
    body = {
        "participant": world.rita.pk,
        "program": world.telephone.pk,
        "status": "enrolled",
        "supporters": [world.sid.pk, world.sofia.pk],
    }
    response = api(world.cora).post(URL, body, format="json")
    assert response.status_code == 201, response.content
    enrollment = Enrollment.objects.get(participant=world.rita, program=world.telephone)
    assert enrollment.status == "enrolled" and enrollment.created_by == world.cora
    assert [(a["supporter"], a["is_primary"]) for a in response.json()["assignments"]] == [
        (world.sid.pk, True),
        (world.sofia.pk, False),
    ]
    assert response.json()["transitions"][0]["to_status"] == "enrolled"


def count_rows() -> tuple[int, int, int]:
    return Enrollment.objects.count(), EnrollmentTransition.objects.count(), Assignment.objects.count()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ("no consent", "status"),  # enrolled needs consent to be contacted
        ("already enrolled", "program"),
        ("future date", "enrolled_on"),
        ("paused start", "status"),
        ("other organization's supporter", "supporters"),
        ("unknown participant", "participant"),
        ("other organization's participant", "participant"),
    ],
)
def test_bad_enrolment_input_is_a_400_and_saves_nothing(world: World, api: ApiFor, change: str, field: str) -> None:
    quiet = make_participant(world.org, "Quinn", consent_contact=False)
    outsider = make_supporter("hugo_supporter", world.other_org)
    body: dict[str, object] = {"participant": world.rita.pk, "program": world.telephone.pk, "status": "enrolled"}
    changes: dict[str, dict[str, object]] = {
        "no consent": {"participant": quiet.pk},
        "already enrolled": {"program": world.coaching.pk},
        "future date": {"enrolled_on": str(timezone.localdate() + timedelta(days=3))},
        "paused start": {"status": "paused"},
        "other organization's supporter": {"supporters": [outsider.pk]},
        "unknown participant": {"participant": 999_999},
        "other organization's participant": {"participant": world.hana.pk},
    }
    body.update(changes[change])
    before = count_rows()
    response = api(world.cora).post(URL, body, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert count_rows() == before


def test_a_referral_needs_no_consent_yet(world: World, api: ApiFor) -> None:
    quiet = make_participant(world.org, "Quinn", consent_contact=False)
    body = {"participant": quiet.pk, "program": world.telephone.pk, "status": "referred"}
    assert api(world.cora).post(URL, body, format="json").status_code == 201


@pytest.mark.parametrize("role", ["supervisor", "professional", "evaluator", "supporter", "participant"])
def test_only_managers_may_enrol_move_or_assign(world: World, api: ApiFor, role: str) -> None:
    client = api(world.users_by_role()[role])
    before = count_rows()
    body = {"participant": world.rita.pk, "program": world.telephone.pk, "status": "referred"}
    assert client.post(URL, body, format="json").status_code == 403
    url = f"{URL}{world.paul_enrollment.pk}/"
    assert client.post(f"{url}transition/", {"status": "paused", "reason": "Away"}, format="json").status_code == 403
    assert client.post(f"{url}assign/", {"supporter": world.sid.pk}, format="json").status_code == 403
    assert count_rows() == before


def test_a_valid_transition_is_recorded(world: World, api: ApiFor) -> None:
    url = f"{URL}{world.paul_enrollment.pk}/transition/"
    response = api(world.cora).post(url, {"status": "paused", "reason": "Travelling for a month"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "paused"
    latest = body["transitions"][0]
    assert (latest["from_status"], latest["to_status"], latest["reason"]) == (
        "active",
        "paused",
        "Travelling for a month",
    )
    assert latest["changed_by"] == world.cora.pk


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "referred"}, "status"),  # active cannot go back to referred
        ({"status": "dormant"}, "status"),
        ({"status": "withdrawn"}, "reason"),  # withdrawing needs a reason
    ],
)
def test_an_invalid_transition_is_a_400_and_changes_nothing(world: World, api: ApiFor, body: dict, field: str) -> None:
    before = count_rows()
    response = api(world.cora).post(f"{URL}{world.paul_enrollment.pk}/transition/", body, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert count_rows() == before
    world.paul_enrollment.refresh_from_db()
    assert world.paul_enrollment.status == "active"


def test_a_final_status_cannot_be_left(world: World, api: ApiFor) -> None:
    client = api(world.cora)
    url = f"{URL}{world.rita_enrollment.pk}/transition/"
    assert client.post(url, {"status": "completed"}, format="json").status_code == 200
    response = client.post(url, {"status": "active"}, format="json")
    assert response.status_code == 400
    assert "nothing (final)" in response.json()["status"][0]


def test_assigning_a_supporter_widens_their_scope(world: World, api: ApiFor) -> None:
    url = f"{URL}{world.rita_enrollment.pk}/"
    assert api(world.sofia.user).get(url).status_code == 404
    response = api(world.cora).post(f"{url}assign/", {"supporter": world.sofia.pk, "is_primary": True}, format="json")
    assert response.status_code == 201, response.content
    primary = [a["supporter"] for a in response.json()["assignments"] if a["is_primary"]]
    assert primary == [world.sofia.pk]
    assert api(world.sofia.user).get(url).status_code == 200


def test_assigning_twice_or_across_organizations_is_a_400(world: World, api: ApiFor) -> None:
    client = api(world.cora)
    url = f"{URL}{world.paul_enrollment.pk}/assign/"
    outsider = make_supporter("hugo_supporter", world.other_org)
    before = count_rows()
    for supporter in (world.sofia, outsider):
        response = client.post(url, {"supporter": supporter.pk}, format="json")
        assert response.status_code == 400 and "supporter" in response.json()
    assert count_rows() == before


def test_another_organizations_coordinator_gets_404s(world: World, api: ApiFor) -> None:
    client = api(world.otto)
    url = f"{URL}{world.paul_enrollment.pk}/"
    assert client.post(f"{url}transition/", {"status": "paused", "reason": "x"}, format="json").status_code == 404
    assert client.post(f"{url}assign/", {"supporter": world.sid.pk}, format="json").status_code == 404


def test_enrolments_are_not_edited_or_deleted(world: World, api: ApiFor) -> None:
    client = api(world.cora)
    url = f"{URL}{world.paul_enrollment.pk}/"
    assert client.patch(url, {"status": "paused"}, format="json").status_code == 405
    assert client.delete(url).status_code == 405
