"""/api/v1/group-series/: scoped reads with the schedule, creation from a rule or dates, changes, cancelling,
adding a session, warnings, figures and the registrations of a series (names only for the roster roles)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from alongside.audit.models import AccessLogEntry
from alongside.groups import services
from alongside.groups.models import (
    AttendanceStatus,
    Facilitator,
    GroupKind,
    GroupSeries,
    GroupSession,
    SessionStatus,
)
from alongside.groups.services import CurriculumSession
from alongside.testing.api import ApiFor
from alongside.testing.groups import GroupWorld, make_series, mark, weekly

pytestmark = pytest.mark.django_db

SERIES = "/api/v1/group-series/"
NY = ZoneInfo("America/New_York")


def next_tuesday_evening() -> str:
    today = timezone.localdate(timezone=NY)
    day = today + timedelta(days=(1 - today.weekday()) % 7 or 7)
    return f"{day:%Y-%m-%d}T18:00"


def snapshot() -> tuple[list[Any], list[Any], list[Any]]:
    return (
        list(GroupSeries.objects.order_by("pk").values()),
        list(GroupSession.objects.order_by("pk").values()),
        list(Facilitator.objects.order_by("pk").values()),
    )


def new_series(gw: GroupWorld, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "program": gw.program.pk,
        "kind": "workshop",
        "title": "Autumn workshop",
        "first_session": next_tuesday_evening(),
        "recurrence": "FREQ=WEEKLY;COUNT=6",
        "venue": "Community centre",
        "timezone": "America/New_York",
        "facilitators": [
            {"user": gw.lena.user.pk, "role": "peer_leader"},
            {"user": gw.world.sofia.user.pk, "role": "co_leader"},
        ],
    }
    data.update(overrides)
    return data


# ----------------------------------------------------------------------------------------------- reading


def test_a_coordinator_reads_a_series_with_its_schedule_and_places(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    body = api(gw.world.cora).get(f"{SERIES}{gw.workshop.pk}/").json()

    assert body["title"] == "Living Well with Diabetes, spring"
    assert (body["kind"], body["capacity"], body["registered"], body["waitlisted"]) == ("workshop", 16, 6, 0)
    assert body["recurrence_description"] == "Weekly, 6 sessions"
    assert body["completion"] == {
        "min_attended": 4,
        "of_sessions": 6,
        "text": "attended at least 4 of every 6 sessions",
    }
    assert {(f["name"], f["role"]) for f in body["facilitators"]} == {
        (gw.lena.user.display_name, "peer_leader"),
        (gw.world.sofia.user.display_name, "co_leader"),
    }
    sessions = body["sessions"]
    assert [s["number"] for s in sessions] == [1, 2, 3, 4, 5, 6]
    first = gw.workshop.sessions.get(number=1)
    assert sessions[0]["local_start"] == first.local_start().strftime("%Y-%m-%dT%H:%M")
    assert sessions[0]["topic"] == first.topic
    assert body["warnings"] == []


@pytest.mark.parametrize(
    ("who", "sees"),
    [("cora", True), ("ada", True), ("sam", True), ("lena", True), ("paul", True), ("sid", False), ("eve", False)],
)
def test_who_sees_the_workshop(group_world: GroupWorld, api: ApiFor, who: str, sees: bool) -> None:
    w = group_world.world
    users = {"cora": w.cora, "ada": w.ada, "sam": w.sam, "lena": group_world.lena.user, "paul": w.paul_user}
    users.update(sid=w.sid.user, eve=w.eve)
    client = api(users[who])
    listed = [row["id"] for row in client.get(SERIES).json()["results"]]
    assert (group_world.workshop.pk in listed) is sees
    assert client.get(f"{SERIES}{group_world.workshop.pk}/").status_code == (200 if sees else 404)


def test_otto_from_another_organization_sees_nothing(group_world: GroupWorld, api: ApiFor) -> None:
    client = api(group_world.world.otto)
    assert client.get(SERIES).json()["results"] == []
    for suffix in ("", "warnings/", "figures/", "registrations/"):
        assert client.get(f"{SERIES}{group_world.workshop.pk}/{suffix}").status_code == 404


def test_filters_by_program_and_kind(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    visits = make_series(gw.world.cora, gw.program, GroupKind.GROUP_VISIT, weekly(timezone.now(), 2))
    client = api(gw.world.cora)
    assert [r["id"] for r in client.get(SERIES, {"kind": "group_visit"}).json()["results"]] == [visits.pk]
    assert {r["id"] for r in client.get(SERIES, {"program": gw.program.pk}).json()["results"]} == {
        visits.pk,
        gw.workshop.pk,
    }
    assert client.get(SERIES, {"program": gw.world.telephone.pk}).json()["results"] == []


# ---------------------------------------------------------------------------------------------- creating


def test_a_coordinator_creates_a_weekly_workshop_at_local_evening_times(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    curriculum = services.save_curriculum(
        gw.world.cora,
        gw.program,
        "workshop",
        "Our workshop",
        [CurriculumSession(f"Topic {n}", ["daily_management"]) for n in range(1, 7)],
    )

    response = api(gw.world.cora).post(
        SERIES, new_series(gw, curriculum=curriculum.pk, capacity=12, completion=[3, 6]), format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    series = GroupSeries.objects.get(pk=body["id"])
    assert (series.capacity, series.duration_minutes, series.completion_min_attended) == (12, 150, 3)
    starts = [s.local_start() for s in series.sessions.order_by("number")]
    assert len(starts) == 6 and {(s.hour, s.minute, s.weekday()) for s in starts} == {(18, 0, 1)}
    assert [s["topic"] for s in body["sessions"]] == [f"Topic {n}" for n in range(1, 7)]
    assert [s["local_start"][-5:] for s in body["sessions"]] == ["18:00"] * 6
    assert body["warnings"] == []


def test_a_series_from_custom_dates_with_one_leader_is_saved_with_a_warning(
    group_world: GroupWorld, api: ApiFor
) -> None:
    gw = group_world
    first = next_tuesday_evening()
    dates = [first, first.replace("T18:00", "T10:30")]
    data = new_series(gw, recurrence="", first_session=None, custom_dates=dates)
    data["facilitators"] = [{"user": gw.lena.user.pk, "role": "peer_leader"}]

    response = api(gw.world.cora).post(SERIES, data, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert [s["local_start"] for s in body["sessions"]] == sorted(dates)
    assert body["recurrence_description"] == "Custom dates"
    assert any("two leaders" in w for w in body["warnings"])


def test_defaults_by_kind_fill_in_capacity_and_duration(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    data = new_series(gw, kind="support_group", recurrence="FREQ=MONTHLY;COUNT=12", facilitators=[])
    body = api(gw.world.cora).post(SERIES, data, format="json").json()
    assert (body["capacity"], body["duration_minutes"], len(body["sessions"])) == (20, 90, 12)


def test_bad_input_is_a_400_with_field_errors_and_saves_nothing(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    before = snapshot()
    data = new_series(
        gw,
        title="",
        timezone="Mars/Olympus",
        online_url="not a link",
        capacity=0,
        facilitators=[{"user": gw.world.paul_user.pk, "role": "peer_leader"}],
    )

    response = api(gw.world.cora).post(SERIES, data, format="json")

    assert response.status_code == 400
    errors = response.json()
    assert {"title", "timezone", "online_url", "capacity", "facilitators"} <= set(errors)
    assert snapshot() == before


def test_a_first_session_in_the_past_or_with_an_offset_is_refused(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    before = snapshot()
    client = api(gw.world.cora)
    past = client.post(SERIES, new_series(gw, first_session="2020-01-07T18:00"), format="json")
    offset = client.post(SERIES, new_series(gw, first_session=next_tuesday_evening() + "-05:00"), format="json")
    never = client.post(SERIES, new_series(gw, recurrence="FREQ=WEEKLY"), format="json")
    assert (past.status_code, offset.status_code, never.status_code) == (400, 400, 400)
    assert "cannot start in the past" in past.json()["first_session"][0]
    assert "without an offset" in offset.json()["first_session"][0]
    assert "never ends" in never.json()["recurrence"][0]
    assert snapshot() == before


def test_a_program_that_does_not_deliver_the_model_is_refused(group_world: GroupWorld, api: ApiFor) -> None:
    response = api(group_world.world.cora).post(
        SERIES, new_series(group_world, program=group_world.world.telephone.pk), format="json"
    )
    assert response.status_code == 400
    assert "does not deliver model 2" in response.json()["kind"][0]


def test_leaders_and_participants_may_not_create_a_series(group_world: GroupWorld, api: ApiFor) -> None:
    before = snapshot()
    for user in (group_world.lena.user, group_world.world.paul_user, group_world.world.sam, group_world.world.eve):
        assert api(user).post(SERIES, new_series(group_world), format="json").status_code == 403
    assert snapshot() == before


def test_otto_cannot_create_a_series_in_another_organizations_program(group_world: GroupWorld, api: ApiFor) -> None:
    before = snapshot()
    response = api(group_world.world.otto).post(SERIES, new_series(group_world), format="json")
    assert response.status_code == 400
    assert "that you can see" in response.json()["program"][0]
    assert snapshot() == before


# ---------------------------------------------------------------------------------------------- changing


def test_changing_title_capacity_and_leaders_at_once(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    response = api(gw.world.cora).patch(
        f"{SERIES}{gw.workshop.pk}/",
        {
            "title": "Living Well, spring",
            "capacity": 10,
            "facilitators": [{"user": gw.lena.user.pk, "role": "peer_leader"}],
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["title"], body["capacity"]) == ("Living Well, spring", 10)
    assert [f["user"] for f in body["facilitators"]] == [gw.lena.user.pk]
    assert any("two leaders" in w for w in body["warnings"])


def test_a_bad_change_saves_none_of_the_changes(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    before = snapshot()
    client = api(gw.world.cora)
    too_small = client.patch(f"{SERIES}{gw.workshop.pk}/", {"capacity": 3, "title": "Renamed"}, format="json")
    bad_leader = client.patch(
        f"{SERIES}{gw.workshop.pk}/",
        {"title": "Renamed", "facilitators": [{"user": gw.world.paul_user.pk, "role": "co_leader"}]},
        format="json",
    )
    assert too_small.status_code == bad_leader.status_code == 400
    assert "6 people are registered" in too_small.json()["capacity"][0]
    assert "facilitators" in bad_leader.json()
    assert snapshot() == before


def test_only_managers_change_a_series(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    before = snapshot()
    url = f"{SERIES}{gw.workshop.pk}/"
    assert api(gw.lena.user).patch(url, {"title": "Mine now"}, format="json").status_code == 403
    assert api(gw.world.paul_user).patch(url, {"title": "Mine now"}, format="json").status_code == 403
    assert api(gw.world.otto).patch(url, {"title": "Mine now"}, format="json").status_code == 404
    assert api(gw.world.cora).put(url, {"title": "Mine now"}, format="json").status_code == 405
    assert snapshot() == before


def test_cancelling_a_series_cancels_the_sessions_to_come_only(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    client = api(gw.world.cora)
    url = f"{SERIES}{gw.workshop.pk}/cancel/"
    assert client.post(url, {"reason": " "}, format="json").status_code == 400
    assert not GroupSeries.objects.get(pk=gw.workshop.pk).is_cancelled

    response = client.post(url, {"reason": "Leader unwell"}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["is_cancelled"] is True
    assert [s["status"] for s in body["sessions"]] == ["scheduled"] * 4 + ["cancelled"] * 2
    assert api(gw.lena.user).post(url, {"reason": "x"}, format="json").status_code == 403


def test_adding_a_session_takes_the_next_number(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    url = f"{SERIES}{gw.workshop.pk}/add_session/"
    response = api(gw.world.cora).post(
        url, {"starts_at": next_tuesday_evening(), "topic": "Booster", "functions": ["ongoing"]}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["number"], body["is_added"], body["topic"], body["functions"]) == (7, True, "Booster", ["ongoing"])
    assert body["local_start"] == next_tuesday_evening()

    past = api(gw.world.cora).post(url, {"starts_at": "2020-01-01T10:00"}, format="json")
    assert past.status_code == 400 and "past" in past.json()["starts_at"][0]
    assert api(gw.lena.user).post(url, {"starts_at": next_tuesday_evening()}, format="json").status_code == 403
    assert gw.workshop.sessions.count() == 7


# --------------------------------------------------------------------------------- warnings, figures, people


def test_warnings_list_what_to_fix(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    visits = make_series(gw.world.cora, gw.program, GroupKind.GROUP_VISIT, weekly(timezone.now(), 2))
    body = api(gw.world.cora).get(f"{SERIES}{visits.pk}/warnings/").json()
    assert any("professional" in w for w in body["warnings"])
    assert api(gw.world.paul_user).get(f"{SERIES}{gw.workshop.pk}/warnings/").status_code == 403


def test_figures_of_a_running_series(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    sessions = gw.sessions
    for session in sessions[:3]:
        mark(gw.lena.user, session, gw.registrations["ana"], AttendanceStatus.PRESENT)
    mark(gw.lena.user, sessions[0], gw.registrations["ben"], AttendanceStatus.PRESENT)

    body = api(gw.world.cora).get(f"{SERIES}{gw.workshop.pk}/figures/").json()

    assert (body["planned"], body["held"], body["finished"]) == (6, 4, False)
    assert (body["registered"], body["starters"], body["completers"]) == (6, 2, 0)
    assert body["mean_attendance"] == 2.0
    assert api(gw.world.paul_user).get(f"{SERIES}{gw.workshop.pk}/figures/").status_code == 403


def test_the_registrations_of_a_series_name_people_for_leaders_but_not_for_participants(
    group_world: GroupWorld, api: ApiFor
) -> None:
    gw = group_world
    url = f"{SERIES}{gw.workshop.pk}/registrations/"
    rows = api(gw.lena.user).get(url).json()
    assert sorted(r["participant_name"] for r in rows) == sorted(p.full_name for p in gw.participants.values())
    assert AccessLogEntry.objects.filter(user=gw.lena.user).count() == 6

    response = api(gw.world.paul_user).get(url)
    assert response.status_code == 403
    assert "Ana" not in response.content.decode()


def test_a_cancelled_session_shows_in_the_schedule(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    GroupSession.objects.filter(series=gw.workshop, number=6).update(status=SessionStatus.CANCELLED)
    body = api(gw.world.paul_user).get(f"{SERIES}{gw.workshop.pk}/").json()
    assert body["sessions"][-1]["status"] == "cancelled"
    assert body["warnings"] == []
    # A participant sees the schedule and the leaders, never the other people in the group.
    assert "Ana" not in str(body)


def test_times_are_given_as_instants_and_local_clock_times(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    body = api(gw.world.cora).get(f"{SERIES}{gw.workshop.pk}/").json()
    first = gw.workshop.sessions.get(number=1)
    assert datetime.fromisoformat(body["sessions"][0]["starts_at"]) == first.starts_at
    assert body["timezone"] == "America/New_York"
