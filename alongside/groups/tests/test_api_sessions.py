"""/api/v1/group-sessions/: sessions in scope with their local times; cancelling, reinstating and moving
one session (managers), and recording what it covered (its facilitators too)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from alongside.groups.models import AttendanceStatus, GroupKind, GroupSession
from alongside.testing.api import ApiFor
from alongside.testing.groups import GroupWorld, make_series, mark, weekly

pytestmark = pytest.mark.django_db

SESSIONS = "/api/v1/group-sessions/"
NY = ZoneInfo("America/New_York")


def sessions_snapshot() -> list[Any]:
    return list(GroupSession.objects.order_by("pk").values())


def url(session: GroupSession, action: str = "") -> str:
    return f"{SESSIONS}{session.pk}/{action + '/' if action else ''}"


def in_a_week_local(session: GroupSession, hour: int = 10) -> datetime:
    day = session.local_start() + timedelta(days=7)
    return datetime(day.year, day.month, day.day, hour, 0)


def test_a_leader_lists_the_sessions_of_their_series_with_local_times(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    make_series(gw.world.cora, gw.program, GroupKind.GROUP_VISIT, weekly(timezone.now(), 2))  # priya's, not lena's

    rows = api(gw.lena.user).get(SESSIONS).json()["results"]

    assert [r["number"] for r in rows] == [1, 2, 3, 4, 5, 6]
    first = gw.workshop.sessions.get(number=1)
    assert rows[0]["local_start"] == first.local_start().strftime("%Y-%m-%dT%H:%M")
    assert rows[0]["timezone"] == "America/New_York"
    assert rows[0]["functions"] == first.functions and rows[0]["topic"] == first.topic


def test_filters_by_series_and_local_days(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    current = gw.current_session
    client = api(gw.world.cora)
    day = current.starts_on.isoformat()
    rows = client.get(SESSIONS, {"series": str(gw.workshop.pk), "since": day, "until": day}).json()["results"]
    assert [r["id"] for r in rows] == [current.pk]
    later = client.get(SESSIONS, {"since": day}).json()["results"]
    assert [r["number"] for r in later] == [4, 5, 6]


def test_a_participant_sees_the_sessions_of_their_group_and_otto_none(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    assert len(api(gw.world.paul_user).get(SESSIONS).json()["results"]) == 6
    assert api(gw.world.otto).get(SESSIONS).json()["results"] == []
    assert api(gw.world.otto).get(url(gw.current_session)).status_code == 404
    assert api(gw.world.sid.user).get(url(gw.current_session)).status_code == 404


def test_cancelling_a_session_keeps_it_on_the_schedule_marked_cancelled(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    last = gw.workshop.sessions.get(number=6)

    response = api(gw.world.cora).post(url(last, "cancel"), {"reason": "Public holiday"}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["cancel_reason"], body["sequence"]) == ("cancelled", "Public holiday", 1)
    assert gw.workshop.sessions.filter(status="scheduled").count() == 5

    again = api(gw.world.cora).post(url(last, "reinstate"), format="json")
    assert again.status_code == 200
    assert (again.json()["status"], again.json()["sequence"]) == ("scheduled", 2)


def test_a_session_that_was_held_or_has_no_reason_is_not_cancelled(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    held = gw.workshop.sessions.get(number=1)
    mark(gw.lena.user, held, gw.registrations["ana"], AttendanceStatus.PRESENT)
    before = sessions_snapshot()
    client = api(gw.world.cora)

    no_reason = client.post(url(gw.workshop.sessions.get(number=6), "cancel"), {"reason": ""}, format="json")
    was_held = client.post(url(held, "cancel"), {"reason": "Oops"}, format="json")
    not_cancelled = client.post(url(held, "reinstate"), format="json")

    assert (no_reason.status_code, was_held.status_code, not_cancelled.status_code) == (400, 400, 400)
    assert "reason" in no_reason.json()
    assert "was held" in was_held.json()["status"][0]
    assert sessions_snapshot() == before


def test_moving_a_session_to_a_local_clock_time_moves_that_session_only(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    fifth = gw.workshop.sessions.get(number=5)
    new_start = in_a_week_local(fifth)
    others = list(gw.workshop.sessions.exclude(pk=fifth.pk).values_list("starts_at", flat=True))

    response = api(gw.world.cora).post(
        url(fifth, "move"),
        {"starts_at": new_start.isoformat(timespec="minutes"), "duration_minutes": 90},
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["local_start"] == new_start.isoformat(timespec="minutes")
    assert (body["was_moved"], body["duration_minutes"], body["sequence"]) == (True, 90, 1)
    fifth.refresh_from_db()
    assert fifth.starts_at == new_start.replace(tzinfo=NY)
    assert fifth.original_starts_at is not None
    assert list(gw.workshop.sessions.exclude(pk=fifth.pk).values_list("starts_at", flat=True)) == others


def test_moving_with_an_offset_takes_that_instant(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    sixth = gw.workshop.sessions.get(number=6)
    instant = (timezone.now() + timedelta(days=30)).replace(second=0, microsecond=0).astimezone(ZoneInfo("UTC"))

    response = api(gw.world.cora).post(url(sixth, "move"), {"starts_at": instant.isoformat()}, format="json")

    assert response.status_code == 200, response.content
    sixth.refresh_from_db()
    assert sixth.starts_at == instant
    assert response.json()["local_start"] == instant.astimezone(NY).strftime("%Y-%m-%dT%H:%M")


def test_bad_moves_are_refused_and_change_nothing(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    before = sessions_snapshot()
    client = api(gw.world.cora)
    sixth = gw.workshop.sessions.get(number=6)
    assert client.post(url(sixth, "move"), {"starts_at": "2020-01-01T10:00"}, format="json").status_code == 400
    assert client.post(url(sixth, "move"), {"starts_at": "next tuesday"}, format="json").status_code == 400
    too_long = client.post(
        url(sixth, "move"), {"starts_at": in_a_week_local(sixth).isoformat(), "duration_minutes": 0}, format="json"
    )
    assert too_long.status_code == 400 and "duration_minutes" in too_long.json()
    assert sessions_snapshot() == before


def test_leaders_and_participants_may_not_change_the_schedule(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    sixth = gw.workshop.sessions.get(number=6)
    before = sessions_snapshot()
    for user in (gw.lena.user, gw.world.paul_user):
        client = api(user)
        assert client.post(url(sixth, "cancel"), {"reason": "x"}, format="json").status_code == 403
        assert client.post(url(sixth, "move"), {"starts_at": "bad"}, format="json").status_code == 403
        assert client.post(url(sixth, "reinstate"), format="json").status_code == 403
    assert api(gw.world.otto).post(url(sixth, "cancel"), {"reason": "x"}, format="json").status_code == 404
    assert sessions_snapshot() == before


def test_a_leader_records_what_a_session_covered(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    session = gw.current_session
    response = api(gw.lena.user).post(
        url(session, "content"),
        {
            "topic": "Healthy eating on a budget",
            "description": "Label reading; local food bank",
            "functions": ["daily_management", "linkage"],
            "activities": ["diet", "community_resource"],
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["topic"] == "Healthy eating on a budget"
    assert body["functions"] == ["daily_management", "linkage"]
    assert body["activities"] == ["diet", "community_resource"]
    session.refresh_from_db()
    assert session.fn_linkage and session.sequence == 1


def test_bad_content_and_the_wrong_people_change_nothing(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    session = gw.current_session
    before = sessions_snapshot()
    data = {"topic": "x", "functions": ["daily_management"]}
    unknown = api(gw.lena.user).post(url(session, "content"), {"topic": "x", "functions": ["magic"]}, format="json")
    assert unknown.status_code == 400 and "magic" in unknown.json()["functions"][0]
    assert api(gw.world.paul_user).post(url(session, "content"), data, format="json").status_code == 403
    assert api(gw.world.sid.user).post(url(session, "content"), data, format="json").status_code == 404
    assert api(gw.world.eve).post(url(session, "content"), data, format="json").status_code == 404
    assert sessions_snapshot() == before
