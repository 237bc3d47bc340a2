"""/api/v1/group-attendance/: a session's roster with marks for those who may see it, and a whole
session's marks in one all-or-nothing call by its leaders."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from alongside.audit.models import AccessLogEntry
from alongside.groups.models import Attendance, AttendanceStatus
from alongside.testing.api import ApiFor
from alongside.testing.groups import GroupWorld, mark

pytestmark = pytest.mark.django_db

ATTENDANCE = "/api/v1/group-attendance/"


def snapshot() -> list[Any]:
    return list(Attendance.objects.order_by("pk").values())


def marks_for(gw: GroupWorld, **statuses: str) -> list[dict[str, Any]]:
    return [{"registration": gw.registrations[who].pk, "status": status} for who, status in statuses.items()]


def test_a_leader_reads_the_roster_of_the_session_under_way(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    session = gw.current_session
    mark(gw.lena.user, gw.sessions[0], gw.registrations["ana"], AttendanceStatus.PRESENT)

    response = api(gw.lena.user).get(ATTENDANCE, {"session": session.pk})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["session"], body["number"], body["session_status"]) == (session.pk, 4, "scheduled")
    assert body["local_start"] == session.local_start().strftime("%Y-%m-%dT%H:%M")
    lines = {line["participant_name"]: line for line in body["lines"]}
    assert set(lines) == {p.full_name for p in gw.participants.values()}
    ana = lines[gw.participants["ana"].full_name]
    assert (ana["status"], ana["attended_so_far"], ana["registration"]) == (None, 1, gw.registrations["ana"].pk)
    assert AccessLogEntry.objects.filter(user=gw.lena.user).count() == 6


def test_a_leader_marks_the_whole_session_at_once(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    session = gw.current_session
    marks = marks_for(gw, paul="present", ana="absent", ben="excused")
    marks.append({"registration": gw.registrations["dev"].pk, "status": "present", "minutes_late": 15, "note": "Bus"})

    response = api(gw.lena.user).post(ATTENDANCE, {"session": session.pk, "marks": marks}, format="json")

    assert response.status_code == 200, response.content
    lines = {line["registration"]: line for line in response.json()["lines"]}
    assert lines[gw.registrations["paul"].pk]["status"] == "present"
    assert lines[gw.registrations["ana"].pk]["status"] == "absent"
    dev = lines[gw.registrations["dev"].pk]
    assert (dev["status"], dev["minutes_late"], dev["note"]) == ("present", 15, "Bus")
    assert lines[gw.registrations["elena"].pk]["status"] is None
    assert Attendance.objects.filter(session=session).count() == 4


def test_marks_can_be_corrected_and_a_make_up_has_its_date(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    held = gw.sessions[1]
    client = api(gw.lena.user)
    client.post(ATTENDANCE, {"session": held.pk, "marks": marks_for(gw, carmen="absent")}, format="json")
    today = timezone.localdate(timezone=gw.workshop.zone).isoformat()

    response = client.post(
        ATTENDANCE,
        {
            "session": held.pk,
            "marks": [{"registration": gw.registrations["carmen"].pk, "status": "made_up", "made_up_on": today}],
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    row = Attendance.objects.get(session=held, registration=gw.registrations["carmen"])
    assert (row.status, row.made_up_on.isoformat() if row.made_up_on else None) == ("made_up", today)


def test_one_bad_mark_saves_none(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    before = snapshot()
    marks = marks_for(gw, paul="present", ana="present")
    marks.append({"registration": gw.registrations["ben"].pk, "status": "absent", "minutes_late": 10})
    marks.append({"registration": gw.registrations["dev"].pk, "status": "made_up"})

    response = api(gw.lena.user).post(ATTENDANCE, {"session": gw.current_session.pk, "marks": marks}, format="json")

    assert response.status_code == 400
    problems = " ".join(response.json()["attendance"])
    assert "Only someone present can be late" in problems and "make up" in problems
    assert snapshot() == before


def test_a_session_still_to_come_and_unknown_statuses_are_refused(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    before = snapshot()
    client = api(gw.lena.user)
    future = client.post(ATTENDANCE, {"session": gw.sessions[5].pk, "marks": marks_for(gw, ana="present")})
    unknown = client.post(ATTENDANCE, {"session": gw.current_session.pk, "marks": marks_for(gw, ana="asleep")})
    empty = client.post(ATTENDANCE, {"session": gw.current_session.pk, "marks": []}, format="json")
    assert (future.status_code, unknown.status_code, empty.status_code) == (400, 400, 400)
    assert "take attendance on the day" in future.json()["session"][0]
    assert "marks" in unknown.json()
    assert snapshot() == before


def test_participants_neither_read_the_roster_nor_mark(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    before = snapshot()
    client = api(gw.world.paul_user)
    read = client.get(ATTENDANCE, {"session": gw.current_session.pk})
    assert read.status_code == 403 and "Ana" not in read.content.decode()
    data = {"session": gw.current_session.pk, "marks": marks_for(gw, paul="present")}
    assert client.post(ATTENDANCE, data, format="json").status_code == 403
    assert api(gw.world.eve).post(ATTENDANCE, data, format="json").status_code == 403
    assert snapshot() == before


def test_people_outside_the_series_cannot_read_or_mark(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    before = snapshot()
    data = {"session": gw.current_session.pk, "marks": marks_for(gw, ana="present")}
    for user in (gw.world.otto, gw.world.sid.user):
        client = api(user)
        assert client.get(ATTENDANCE, {"session": gw.current_session.pk}).status_code == 404
        response = client.post(ATTENDANCE, data, format="json")
        assert response.status_code == 400 and "that you can see" in response.json()["session"][0]
    assert snapshot() == before


def test_the_session_is_required(group_world: GroupWorld, api: ApiFor) -> None:
    response = api(group_world.lena.user).get(ATTENDANCE)
    assert response.status_code == 400 and "session" in response.json()
