"""Property-based tests of the cadence arithmetic (alongside.followup.cadence), no database.

Strategies build only valid cadences (the same shapes check_cadence accepts), so every property is a
statement about every cadence a coordinator could save.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from alongside.followup.cadence import (
    MAX_DAY,
    PRESETS,
    Cadence,
    CadenceKind,
    DueWindow,
    Phase,
    Window,
    check_cadence,
    expand_phases,
    local_day,
    next_due_window,
)

FAST = settings(max_examples=150, deadline=None)

# Enrolment days that cross month ends, leap days (2028-02-29) and both DST switches of a year.
enrolment_days = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def interval_cadences(draw: st.DrawFn) -> Cadence:
    interval = draw(st.integers(1, 366))
    grace = draw(st.integers(0, min(60, interval - 1)))
    return Cadence(CadenceKind.INTERVAL, interval_days=interval, grace_days=grace)


@st.composite
def phase_cadences(draw: st.DrawFn) -> Cadence:
    grace = draw(st.integers(0, 10))
    phases = []
    previous_until = 0
    for _ in range(draw(st.integers(1, 3))):
        every = draw(st.integers(grace + 1, 60))
        if previous_until + every > MAX_DAY:
            break
        # Within check_cadence's limits: at most 50 windows per phase (MAX_WINDOWS in all), ends by MAX_DAY.
        until = draw(st.integers(previous_until + every, min(MAX_DAY, previous_until + every * 50)))
        phases.append(Phase(every, until))
        previous_until = until
    return Cadence(CadenceKind.PHASES, grace_days=grace, phases=tuple(phases))


@st.composite
def window_cadences(draw: st.DrawFn) -> Cadence:
    windows = []
    day = draw(st.integers(0, 30))
    for _ in range(draw(st.integers(1, 12))):
        length = draw(st.integers(0, 20))
        windows.append(Window(day, day + length))
        day += length + draw(st.integers(1, 40))
    shuffled = draw(st.permutations(windows))  # the order they are typed in does not matter
    return Cadence(CadenceKind.WINDOWS, windows=tuple(shuffled))


cadences = st.one_of(interval_cadences(), phase_cadences(), window_cadences())
fixed_cadences = st.one_of(phase_cadences(), window_cadences())


@FAST
@given(fixed_cadences)
def test_expanded_windows_are_in_order_and_never_overlap(cadence: Cadence) -> None:
    checked = check_cadence(cadence)
    windows = checked.expanded_windows()
    assert windows, "a valid fixed cadence has at least one window"
    for window in windows:
        assert 0 <= window.start_day <= window.end_day
    for earlier, later in pairwise(windows):
        assert earlier.end_day < later.start_day


@FAST
@given(phase_cadences())
def test_phase_windows_fall_inside_their_phase_at_its_interval(cadence: Cadence) -> None:
    windows = expand_phases(cadence.phases, cadence.grace_days)
    expected_count = 0
    previous_until = 0
    for phase in cadence.phases:
        expected_count += (phase.until_day - previous_until) // phase.every_days
        previous_until = phase.until_day
    assert len(windows) == expected_count
    assert all(w.end_day - w.start_day == cadence.grace_days for w in windows)
    assert windows[-1].start_day <= cadence.phases[-1].until_day


@FAST
@given(cadences, enrolment_days, st.integers(-1, 800), st.integers(0, 400))
def test_a_later_reached_contact_never_gives_an_earlier_window(
    cadence: Cadence, enrolled_on: date, offset: int, later_by: int
) -> None:
    earlier = next_due_window(cadence, enrolled_on, enrolled_on + timedelta(days=offset))
    later = next_due_window(cadence, enrolled_on, enrolled_on + timedelta(days=offset + later_by))
    if earlier is None:
        assert later is None, "a finished schedule stays finished"
        return
    if later is None:
        return
    assert later.start >= earlier.start
    assert later.end >= earlier.end


@FAST
@given(cadences, enrolment_days, st.one_of(st.none(), st.integers(-1, 800)))
def test_the_due_window_is_well_formed_and_after_the_last_contact(
    cadence: Cadence, enrolled_on: date, offset: int | None
) -> None:
    last = None if offset is None else enrolled_on + timedelta(days=offset)
    window = next_due_window(cadence, enrolled_on, last)
    if window is None:
        assert cadence.kind != CadenceKind.INTERVAL
        last_day = (last - enrolled_on).days if last else -1
        assert all(w.start_day <= last_day for w in cadence.expanded_windows())
        return
    assert window.start <= window.end
    if last is not None:
        assert window.start > last, "the contact that was just made is never due again"
    if cadence.kind == CadenceKind.INTERVAL:
        assert (window.start - (last or enrolled_on)).days == cadence.interval_days
        assert (window.end - window.start).days == cadence.grace_days
    else:
        # Calendar arithmetic: the window is exactly its days since enrolment, whatever months lie between.
        days = Window((window.start - enrolled_on).days, (window.end - enrolled_on).days)
        assert days in cadence.expanded_windows()


@FAST
@given(fixed_cadences, enrolment_days, st.integers(-1, 800))
def test_the_due_window_is_the_first_that_starts_after_the_last_contact(
    cadence: Cadence, enrolled_on: date, offset: int
) -> None:
    window = next_due_window(cadence, enrolled_on, enrolled_on + timedelta(days=offset))
    starts = [w.start_day for w in cadence.expanded_windows() if w.start_day > offset]
    if not starts:
        assert window is None
    else:
        assert window is not None and (window.start - enrolled_on).days == min(starts)


@FAST
@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)), st.integers(0, 60))
def test_status_on_moves_from_upcoming_to_due_to_overdue(start: date, length: int) -> None:
    window = DueWindow(start, start + timedelta(days=length))
    assert window.status_on(start - timedelta(days=1)) == ("upcoming", 1)
    assert window.status_on(start) == ("due", length)
    assert window.status_on(window.end) == ("due", 0)
    assert window.status_on(window.end + timedelta(days=3)) == ("overdue", 3)


@pytest.mark.parametrize(
    ("enrolled_on", "days", "expected"),
    [
        (date(2028, 2, 28), 1, date(2028, 2, 29)),  # leap day exists in 2028
        (date(2028, 2, 28), 2, date(2028, 3, 1)),
        (date(2027, 2, 28), 1, date(2027, 3, 1)),  # and not in 2027
        (date(2026, 1, 31), 30, date(2026, 3, 2)),  # past a short February
        (date(2026, 12, 25), 7, date(2027, 1, 1)),  # over a year end
    ],
)
def test_due_dates_count_calendar_days_across_month_ends_and_leap_days(
    enrolled_on: date, days: int, expected: date
) -> None:
    interval = Cadence(CadenceKind.INTERVAL, interval_days=days)
    windows = Cadence(CadenceKind.WINDOWS, windows=(Window(days, days + 3),))
    assert next_due_window(interval, enrolled_on, None) == DueWindow(expected, expected)
    assert next_due_window(windows, enrolled_on, None) == DueWindow(expected, expected + timedelta(days=3))


# ---- the participant's own calendar: DST switches ----

# (zone, a day with a DST switch): spring forward and fall back in both zones, 2026.
DST_DAYS = [
    ("America/New_York", date(2026, 3, 8)),
    ("America/New_York", date(2026, 11, 1)),
    ("Europe/London", date(2026, 3, 29)),
    ("Europe/London", date(2026, 10, 25)),
]


@pytest.mark.parametrize(("zone", "switch_day"), DST_DAYS)
@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_a_late_night_call_counts_for_that_local_day_around_dst(zone: str, switch_day: date, offset: int) -> None:
    tz = ZoneInfo(zone)
    day = switch_day + timedelta(days=offset)
    late = datetime(day.year, day.month, day.day, 23, 30, tzinfo=tz)
    early = datetime(day.year, day.month, day.day, 0, 30, tzinfo=tz)
    # The server sees these in UTC, often on another calendar day.
    assert local_day(late.astimezone(UTC), zone) == day
    assert local_day(early.astimezone(UTC), zone) == day


@FAST
@given(
    st.sampled_from(["America/New_York", "Europe/London", "Pacific/Auckland", "UTC"]),
    st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31)),
)
def test_local_day_is_the_wall_clock_day_in_the_zone(zone: str, wall: datetime) -> None:
    tz = ZoneInfo(zone)
    moment = wall.replace(tzinfo=tz)
    # Whatever zone the moment arrives in, the day is the participant's wall-clock day (for times that exist).
    if moment.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall:
        assert local_day(moment.astimezone(UTC), zone) == wall.date()
        assert local_day(moment.astimezone(ZoneInfo("Asia/Tokyo")), zone) == wall.date()


@pytest.mark.parametrize(("zone", "switch_day"), DST_DAYS)
def test_a_window_after_a_dst_switch_counts_whole_local_days(zone: str, switch_day: date) -> None:
    """A 23- or 25-hour day is still one day: a call at 23:30 local on the last day of a window is in it."""
    tz = ZoneInfo(zone)
    enrolled_on = switch_day - timedelta(days=7)
    cadence = Cadence(CadenceKind.WINDOWS, windows=(Window(7, 7), Window(14, 16)))
    call = datetime(switch_day.year, switch_day.month, switch_day.day, 23, 30, tzinfo=tz).astimezone(UTC)
    reached_on = local_day(call, zone)
    assert reached_on == enrolled_on + timedelta(days=7)
    assert next_due_window(cadence, enrolled_on, reached_on) == DueWindow(
        enrolled_on + timedelta(days=14), enrolled_on + timedelta(days=16)
    )
    # In New York the call is already the next day in UTC; on the UTC date the rule would skip a window.
    assert reached_on == switch_day


def test_the_presets_are_valid_cadences() -> None:
    for preset in PRESETS:
        assert check_cadence(preset.cadence).expanded_windows() == preset.cadence.expanded_windows()


# ---- check_cadence rejects what the issue calls bad input ----


@FAST
@given(window_cadences(), st.data())
def test_overlapping_windows_are_rejected(cadence: Cadence, data: st.DataObject) -> None:
    windows = sorted(cadence.windows)
    victim = data.draw(st.sampled_from(windows))
    overlap = Window(victim.end_day, victim.end_day + data.draw(st.integers(0, 10)))
    with pytest.raises(ValidationError) as error:
        check_cadence(Cadence(CadenceKind.WINDOWS, windows=(*windows, overlap)))
    assert "overlap" in " ".join(error.value.message_dict["windows"])


@FAST
@given(st.integers(0, MAX_DAY), st.integers(1, 30))
def test_empty_windows_are_rejected(start: int, short_by: int) -> None:
    with pytest.raises(ValidationError) as error:
        check_cadence(Cadence(CadenceKind.WINDOWS, windows=(Window(start, start - short_by),)))
    assert "empty" in " ".join(error.value.message_dict["windows"])


def test_no_windows_at_all_is_rejected() -> None:
    with pytest.raises(ValidationError) as error:
        check_cadence(Cadence(CadenceKind.WINDOWS, windows=()))
    assert "windows" in error.value.message_dict


@FAST
@given(st.integers(-400, 0), st.integers(0, 60))
def test_intervals_below_one_day_are_rejected(interval: int, grace: int) -> None:
    with pytest.raises(ValidationError) as error:
        check_cadence(Cadence(CadenceKind.INTERVAL, interval_days=interval, grace_days=grace))
    assert "interval_days" in error.value.message_dict


@FAST
@given(st.integers(-400, 0), st.integers(1, 300))
def test_phases_with_a_negative_or_zero_interval_are_rejected(every: int, until: int) -> None:
    with pytest.raises(ValidationError) as error:
        check_cadence(Cadence(CadenceKind.PHASES, phases=(Phase(every, until),)))
    assert "phases" in error.value.message_dict


@FAST
@given(st.integers(1, 60), st.integers(0, 30))
def test_grace_as_long_as_the_interval_is_rejected(interval: int, extra: int) -> None:
    grace = min(60, interval + extra)
    with pytest.raises(ValidationError) as error:
        check_cadence(Cadence(CadenceKind.INTERVAL, interval_days=interval, grace_days=grace))
    assert "grace_days" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        check_cadence(Cadence(CadenceKind.PHASES, grace_days=grace, phases=(Phase(interval, interval * 4),)))
    assert "grace_days" in error.value.message_dict


@FAST
@given(st.integers(1, 30), st.integers(0, 29))
def test_a_phase_too_short_for_one_contact_is_rejected(every: int, short_by: int) -> None:
    with pytest.raises(ValidationError) as error:
        check_cadence(Cadence(CadenceKind.PHASES, phases=(Phase(every, every - 1 - short_by),)))
    assert "phases" in error.value.message_dict


@FAST
@given(cadences)
def test_check_cadence_accepts_every_valid_cadence_and_is_idempotent(cadence: Cadence) -> None:
    once = check_cadence(cadence)
    assert check_cadence(once) == once
    assert once.expanded_windows() == cadence.expanded_windows()
