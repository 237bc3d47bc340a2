"""/api/v1/worklist/ and /api/v1/call-appointments/: the same lines and rules as the Today page, access
per role, the access log, bad input that saves nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from alongside.audit.models import AccessLogEntry
from alongside.followup import engine
from alongside.followup.cadence import Cadence, CadenceKind
from alongside.followup.models import AppointmentStatus, CallAppointment
from alongside.followup.services import save_cadence, schedule_call
from alongside.followup.worklist import worklist
from alongside.safety.models import Concern
from alongside.testing.api import ApiFor
from alongside.testing.world import World, make_enrollment, make_participant

pytestmark = pytest.mark.django_db

URL = "/api/v1/worklist/"
APPOINTMENTS = "/api/v1/call-appointments/"


@pytest.fixture
def due(world: World) -> World:
    for program in (world.telephone, world.coaching):
        save_cadence(world.cora, Cadence(CadenceKind.INTERVAL, interval_days=7, grace_days=3), program=program)
    orphan = make_participant(world.org, "Orphan", family_name="Nobody")
    make_enrollment(world.cora, orphan, world.telephone, [])
    Concern.objects.create(
        participant=world.rita, tier="urgent", reason="Dizzy", raised_by=world.sam, raised_at=timezone.now()
    )
    engine.recompute_all()
    return world


def test_a_supporter_gets_their_own_lines_with_every_field(due: World, api: ApiFor) -> None:
    body = api(due.sofia.user).get(URL).json()
    assert [line["participant_name"] for line in body] == ["Paul Okafor"]
    line = body[0]
    state = due.paul_enrollment.follow_up
    today = timezone.localdate()
    assert state.window_start is not None and state.window_end is not None
    assert line["participant"] == due.paul.pk and line["enrollment"] == due.paul_enrollment.pk
    assert line["program"] == due.telephone.pk and line["program_name"] == "Telephone Peer Support"
    assert line["supporter"] == due.sofia.pk
    assert line["window_start"] == state.window_start.isoformat()
    assert line["window_end"] == state.window_end.isoformat()
    assert line["overdue_days"] == (today - state.window_end).days
    assert line["last_reached_on"] is None and line["failed_attempts"] == 0
    assert line["priority"] == 2
    codes = [r["code"] for r in line["reasons"]]
    assert codes == ["overdue", "function_gap"]
    assert line["reasons"][0] == {
        "code": "overdue",
        "label": "Overdue",
        "detail": f"{line['overdue_days']} days past its window",
    }
    assert "quiet_until" in line


def test_it_matches_the_worklist_function(due: World, api: ApiFor) -> None:
    body = api(due.cora).get(URL).json()
    assert [line["enrollment"] for line in body] == [line.state.enrollment_id for line in worklist(due.cora)]


def test_filters_are_those_of_the_page(due: World, api: ApiFor) -> None:
    client = api(due.cora)
    assert [x["participant_name"] for x in client.get(URL, {"supporter": due.sid.pk}).json()] == ["Rita Gomez"]
    assert [x["participant_name"] for x in client.get(URL, {"unassigned": "true"}).json()] == ["Orphan Nobody"]
    urgent = client.get(URL, {"reason": "urgent"}).json()
    assert [x["participant_name"] for x in urgent] == ["Rita Gomez"] and urgent[0]["priority"] == 1
    assert {x["program"] for x in client.get(URL, {"program": due.coaching.pk}).json()} == {due.coaching.pk}
    assert [x["participant_name"] for x in client.get(URL, {"search": "okaf"}).json()] == ["Paul Okafor"]


def test_bad_filters_are_a_400(due: World, api: ApiFor) -> None:
    client = api(due.cora)
    assert "reason" in client.get(URL, {"reason": "bogus"}).json()
    assert "program" in client.get(URL, {"program": 99999}).json()
    assert "program" in api(due.otto).get(URL, {"program": due.telephone.pk}).json()


def test_a_supporter_asking_for_another_supporters_list_gets_a_404(due: World, api: ApiFor) -> None:
    client = api(due.sofia.user)
    assert client.get(URL, {"supporter": due.sid.pk}).status_code == 404
    assert client.get(URL, {"supporter": due.sofia.pk}).status_code == 200
    # the unassigned list is for organization-wide roles, as on the page
    assert client.get(URL, {"unassigned": "true"}).status_code == 404


def test_an_outsider_gets_a_404_for_our_supporter_and_none_of_our_lines(due: World, api: ApiFor) -> None:
    assert api(due.otto).get(URL, {"supporter": due.sofia.pk}).status_code == 404
    assert api(due.otto).get(URL).json() == []


@pytest.mark.parametrize("role", ["participant", "evaluator", "professional"])
def test_other_roles_get_a_403(due: World, api: ApiFor, role: str) -> None:
    assert api(due.users_by_role()[role]).get(URL).status_code == 403


def test_reading_it_writes_the_access_log(due: World, api: ApiFor) -> None:
    body = api(due.cora).get(URL).json()
    logged = set(AccessLogEntry.objects.filter(user=due.cora).values_list("participant_id", flat=True))
    assert logged == {line["participant"] for line in body}


# ---- appointments


def soon() -> str:
    return (timezone.now() + timedelta(days=1)).replace(microsecond=0).isoformat()


def test_a_supporter_books_lists_and_cancels_a_call(world: World, api: ApiFor) -> None:
    client = api(world.sofia.user)
    created = client.post(APPOINTMENTS, {"enrollment": world.paul_enrollment.pk, "scheduled_for": soon(), "note": "x"})
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (
        body["participant"] == world.paul.pk and body["status"] == "scheduled" and body["supporter"] == world.sofia.pk
    )
    listed = client.get(APPOINTMENTS).json()
    assert [a["id"] for a in listed["results"]] == [body["id"]]
    cancelled = client.post(f"{APPOINTMENTS}{body['id']}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = client.post(f"{APPOINTMENTS}{body['id']}/cancel/")
    assert again.status_code == 400 and "Only a scheduled appointment" in str(again.json())


def test_bad_appointments_are_a_400_and_save_nothing(world: World, api: ApiFor) -> None:
    client = api(world.sofia.user)
    past = (timezone.now() - timedelta(days=1)).isoformat()
    response = client.post(APPOINTMENTS, {"enrollment": world.paul_enrollment.pk, "scheduled_for": past})
    assert response.status_code == 400 and response.json() == {
        "scheduled_for": ["An appointment cannot be in the past."]
    }
    response = client.post(APPOINTMENTS, {"enrollment": world.rita_enrollment.pk, "scheduled_for": soon()})
    assert response.status_code == 400 and "enrollment" in response.json()
    response = api(world.priya).post(APPOINTMENTS, {"enrollment": world.paul_enrollment.pk, "scheduled_for": soon()})
    assert response.status_code == 400 and "participant" in response.json()
    assert not CallAppointment.objects.exists()


def test_appointments_are_scoped_and_reading_them_is_logged(world: World, api: ApiFor) -> None:
    appointment = schedule_call(world.sofia.user, world.paul_enrollment, timezone.now() + timedelta(days=1))
    assert api(world.sid.user).get(APPOINTMENTS).json()["results"] == []
    assert api(world.sid.user).get(f"{APPOINTMENTS}{appointment.pk}/").status_code == 404
    assert api(world.sid.user).post(f"{APPOINTMENTS}{appointment.pk}/cancel/").status_code == 404
    assert api(world.otto).get(f"{APPOINTMENTS}{appointment.pk}/").status_code == 404
    assert api(world.cora).get(APPOINTMENTS, {"status": "scheduled"}).json()["count"] == 1
    assert api(world.cora).get(APPOINTMENTS, {"status": "done"}).json()["count"] == 0
    assert AccessLogEntry.objects.filter(user=world.cora, participant=world.paul).exists()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.SCHEDULED
