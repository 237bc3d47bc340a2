"""/api/v1/group-figures/: completion rate and mean attendance per program and kind, over finished series,
for managers and evaluators; aggregates only, never a name."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from alongside.groups.models import AttendanceStatus, GroupKind, GroupSeries
from alongside.testing.api import ApiFor
from alongside.testing.groups import GroupWorld, make_series, mark, register_directly, weekly

pytestmark = pytest.mark.django_db

FIGURES = "/api/v1/group-figures/"


def finished_workshop(gw: GroupWorld) -> GroupSeries:
    """Six sessions, all held: Paul attends 5, Ana 4, Ben 2 (not a completer), Carmen none (not a starter)."""
    series = make_series(
        gw.world.cora, gw.program, GroupKind.WORKSHOP, weekly(timezone.now() - timedelta(weeks=8), 6), title="Winter"
    )
    sessions = list(series.sessions.order_by("number"))
    attended = {"paul": 5, "ana": 4, "ben": 2, "carmen": 0}
    for who, count in attended.items():
        registration = register_directly(gw.world.cora, series, gw.enrollments[who])
        for session in sessions[:count]:
            mark(gw.lena.user, session, registration, AttendanceStatus.PRESENT)
    return series


def test_an_evaluator_reads_completion_per_program_and_kind_without_names(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    finished_workshop(gw)

    response = api(gw.world.eve).get(FIGURES)

    assert response.status_code == 200
    [row] = response.json()
    assert (row["program"], row["program_name"], row["kind"]) == (gw.program.pk, gw.program.name, "workshop")
    assert (row["series_finished"], row["series_running"]) == (1, 1)  # the spring workshop is still running
    assert (row["starters"], row["completers"]) == (3, 2)
    assert row["completion_rate"] == pytest.approx(2 / 3)
    assert row["mean_attendance"] == pytest.approx(11 / 3)
    assert row["mean_planned"] == 6
    text = response.content.decode()
    assert not any(p.full_name in text for p in gw.participants.values())


def test_a_program_without_finished_series_has_no_rates(group_world: GroupWorld, api: ApiFor) -> None:
    [row] = api(group_world.world.cora).get(FIGURES).json()
    assert (row["series_finished"], row["series_running"], row["starters"]) == (0, 1, 0)
    assert row["completion_rate"] is None and row["mean_attendance"] is None


def test_filters_by_program_and_kind(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    make_series(gw.world.cora, gw.program, GroupKind.SUPPORT_GROUP, weekly(timezone.now(), 2))
    client = api(gw.world.eve)
    assert {r["kind"] for r in client.get(FIGURES).json()} == {"workshop", "support_group"}
    assert [r["kind"] for r in client.get(FIGURES, {"kind": "support_group"}).json()] == ["support_group"]
    assert client.get(FIGURES, {"program": gw.world.telephone.pk}).json() == []
    assert client.get(FIGURES, {"kind": "picnic"}).status_code == 400
    assert client.get(FIGURES, {"program": "x"}).status_code == 400


def test_outsiders_see_only_their_own_organization_and_participants_nothing(
    group_world: GroupWorld, api: ApiFor
) -> None:
    gw = group_world
    finished_workshop(gw)
    assert api(gw.world.otto).get(FIGURES).json() == []
    assert api(gw.world.paul_user).get(FIGURES).status_code == 403


def test_a_leader_sees_the_figures_of_the_series_they_lead(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    finished_workshop(gw)  # not led by anyone: lena does not see it
    [row] = api(gw.lena.user).get(FIGURES).json()
    assert (row["series_finished"], row["series_running"]) == (0, 1)
