from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from alongside.groups import recurrence, services
from alongside.groups.models import FacilitatorRole, GroupKind, GroupSeries, GroupSession, SessionStatus
from alongside.groups.services import SeriesInput
from alongside.testing.groups import GroupWorld

NY = ZoneInfo("America/New_York")


def _next_tuesday_evening() -> datetime:
    today = timezone.localdate(timezone=NY)
    day = today + timedelta(days=(1 - today.weekday()) % 7 or 7)
    return datetime(day.year, day.month, day.day, 18, 0)


def _input(gw: GroupWorld, **overrides: object) -> SeriesInput:
    data = {
        "program": gw.program,
        "kind": GroupKind.WORKSHOP,
        "title": "Autumn workshop",
        "first_session": _next_tuesday_evening(),
        "recurrence": "FREQ=WEEKLY;COUNT=6",
        "capacity": 16,
        "duration_minutes": 150,
        "venue": "Library",
        "facilitators": [(gw.lena.user, FacilitatorRole.PEER_LEADER), (gw.world.sofia.user, FacilitatorRole.CO_LEADER)],
    }
    data.update(overrides)
    return SeriesInput(**data)  # type: ignore[arg-type]


def test_weekly_times_six_keeps_the_local_clock_time(group_world: GroupWorld) -> None:
    series = services.create_series(group_world.world.cora, _input(group_world))
    starts = [s.local_start() for s in series.sessions.order_by("number")]
    assert len(starts) == 6
    assert {(s.hour, s.minute, s.weekday()) for s in starts} == {(18, 0, 1)}
    assert [(b - a).days for a, b in itertools.pairwise(starts)] == [7] * 5
    assert services.series_warnings(series) == []


def test_monthly_on_the_second_tuesday_for_twelve_months(group_world: GroupWorld) -> None:
    first = _next_tuesday_evening()
    rule = recurrence.rule_for(recurrence.Pattern.MONTHLY_BY_WEEKDAY, first, 12)
    series = services.create_series(
        group_world.world.cora,
        _input(group_world, kind=GroupKind.SUPPORT_GROUP, recurrence=rule, first_session=first),
    )
    starts = [s.local_start() for s in series.sessions.order_by("number")]
    nth = recurrence.nth_weekday_of_month(first)
    assert len(starts) == 12
    assert all(s.weekday() == 1 and recurrence.nth_weekday_of_month(s) == nth for s in starts) or nth == -1
    assert len({(s.year, s.month) for s in starts}) == 12


def test_custom_dates_and_the_curriculum_is_copied_by_number(group_world: GroupWorld) -> None:
    cora = group_world.world.cora
    template = services.save_curriculum(
        cora,
        group_world.program,
        GroupKind.WORKSHOP,
        "Two-part primer",
        [
            services.CurriculumSession("Action plans", ["daily_management"]),
            services.CurriculumSession("Finding help", ["linkage", "social_emotional"]),
        ],
    )
    first = _next_tuesday_evening()
    series = services.create_series(
        cora,
        _input(group_world, recurrence="", custom_dates=[first + timedelta(days=9), first], curriculum=template),
    )
    one, two = series.sessions.order_by("number")
    assert one.local_start().replace(tzinfo=None) == first and one.topic == "Action plans"
    assert two.functions == ["social_emotional", "linkage"] and two.topic == "Finding help"
    template.items.filter(number=1).update(topic="Changed later")
    one.refresh_from_db()
    assert one.topic == "Action plans"


@pytest.mark.parametrize(
    ("overrides", "field", "text"),
    [
        ({"recurrence": "FREQ=WEEKLY"}, "recurrence", "never ends"),
        ({"recurrence": "FREQ=WEEKLY;COUNT=0"}, "recurrence", "no sessions"),
        ({"recurrence": "FREQ=DAILY;COUNT=500"}, "recurrence", "more than 200"),
        ({"recurrence": "FREQ=SOMETIMES;COUNT=3"}, "recurrence", "does not parse"),
        ({"first_session": datetime(2020, 1, 7, 18, 0)}, "first_session", "cannot start in the past"),
        ({"capacity": 0}, "capacity", "1 to 500"),
        ({"kind": GroupKind.GROUP_VISIT, "program": None}, "kind", "does not deliver"),
        ({"online_url": "javascript:alert(1)"}, "online_url", "https://"),
        ({"timezone": "Mars/Olympus"}, "timezone", "Unknown time zone"),
    ],
)
def test_bad_schedules_are_refused_and_nothing_is_saved(
    group_world: GroupWorld, overrides: dict[str, object], field: str, text: str
) -> None:
    if overrides.get("program", "") is None:
        overrides["program"] = group_world.world.telephone  # delivers model 6 only
    with pytest.raises(ValidationError) as error:
        services.create_series(group_world.world.cora, _input(group_world, **overrides))
    assert text in " ".join(error.value.message_dict[field])
    assert GroupSeries.objects.count() == 1  # only the fixture's workshop
    assert GroupSession.objects.count() == 6


def test_moving_one_session_leaves_the_others_alone(group_world: GroupWorld) -> None:
    cora = group_world.world.cora
    series = services.create_series(cora, _input(group_world))
    before = {s.number: s.starts_at for s in series.sessions.all()}
    third = series.sessions.get(number=3)
    moved = services.move_session(cora, third, before[3].astimezone(NY).replace(tzinfo=None) + timedelta(days=2))
    after = {s.number: s.starts_at for s in series.sessions.all()}
    assert after[3] == before[3] + timedelta(days=2) and moved.original_starts_at == before[3]
    assert {n: t for n, t in after.items() if n != 3} == {n: t for n, t in before.items() if n != 3}
    assert moved.sequence == 1


def test_cancel_reinstate_and_add_a_session(group_world: GroupWorld) -> None:
    cora = group_world.world.cora
    series = services.create_series(cora, _input(group_world))
    second = series.sessions.get(number=2)
    with pytest.raises(ValidationError, match="Say why"):
        services.cancel_session(cora, second, "  ")
    services.cancel_session(cora, second, "Library closed for a holiday")
    assert series.sessions.filter(status=SessionStatus.CANCELLED).count() == 1
    services.reinstate_session(cora, second)
    extra = services.add_session(cora, series, _next_tuesday_evening() + timedelta(weeks=8), topic="Booster")
    assert extra.number == 7 and extra.is_added and extra.topic == "Booster"


def test_a_held_session_cannot_be_cancelled_or_moved(group_world: GroupWorld) -> None:
    from alongside.groups.models import AttendanceStatus

    gw = group_world
    services.mark_one(gw.lena.user, gw.current_session, gw.registrations["ana"].pk, AttendanceStatus.PRESENT)
    with pytest.raises(ValidationError, match="was held"):
        services.cancel_session(gw.world.cora, gw.current_session, "Oops")
    with pytest.raises(ValidationError, match="cannot move"):
        services.move_session(gw.world.cora, gw.current_session, timezone.now() + timedelta(days=1))


def test_a_workshop_with_one_leader_warns(group_world: GroupWorld) -> None:
    series = services.create_series(
        group_world.world.cora,
        _input(group_world, facilitators=[(group_world.world.priya, FacilitatorRole.PROFESSIONAL)]),
    )
    (warning,) = services.series_warnings(series)
    assert "two leaders" in warning and "0 of them a peer" in warning
