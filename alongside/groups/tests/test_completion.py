from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from alongside.groups import services
from alongside.groups.models import AttendanceStatus, GroupKind, GroupSeries, GroupSession
from alongside.groups.queries import program_figures, series_figures
from alongside.testing.groups import GroupWorld, mark

P, A = AttendanceStatus.PRESENT, AttendanceStatus.ABSENT


def _finish_workshop(gw: GroupWorld, pattern: dict[str, str]) -> GroupSeries:
    """Moves every session into the past and marks each person by a pattern of P/A/M/- per session."""
    GroupSession.objects.filter(series=gw.workshop).update(starts_at=timezone.now() - timedelta(days=1))
    by_letter = {"P": P, "A": A, "M": AttendanceStatus.MADE_UP, "E": AttendanceStatus.EXCUSED}
    sessions = gw.sessions
    for who, marks in pattern.items():
        for session, letter in zip(sessions, marks, strict=True):
            if letter in by_letter:
                extra = {"made_up_on": timezone.localdate()} if letter == "M" else {}
                mark(gw.world.cora, session, gw.registrations[who], by_letter[letter], **extra)
    return gw.workshop


def test_completers_attend_at_least_four_of_six_and_make_ups_count(group_world: GroupWorld) -> None:
    series = _finish_workshop(
        group_world,
        {
            "ana": "PPPPPP",  # 6: completer
            "ben": "PPPMAA",  # 4 with a make-up: completer
            "carmen": "PPPAAA",  # 3: not
            "dev": "PEEEPA",  # 2: not (excused is not attended)
            "elena": "------",  # never came: not a starter
            # paul: no marks at all: not a starter
        },
    )
    figures = series_figures(GroupSeries.objects.filter(pk=series.pk))[series.pk]
    assert (figures.planned, figures.held, figures.registered) == (6, 6, 6)
    assert (figures.starters, figures.completers) == (4, 2)
    assert figures.completion_rate == pytest.approx(0.5)
    assert figures.mean_attendance == pytest.approx((6 + 4 + 3 + 2) / 4)
    assert figures.finished


def test_the_rule_is_a_fraction_so_a_cancelled_session_lowers_the_bar(group_world: GroupWorld) -> None:
    series = _finish_workshop(group_world, {"carmen": "PPPAA-"})
    series.sessions.filter(number=6).update(status="cancelled")
    figures = series_figures(GroupSeries.objects.filter(pk=series.pk))[series.pk]
    # 3 of 5 planned: 3 * 6 = 18 < 4 * 5 = 20, still not a completer; a fourth makes it.
    assert figures.completers == 0
    services.update_series(group_world.world.cora, series, {"completion": (3, 5)})
    figures = series_figures(GroupSeries.objects.filter(pk=series.pk))[series.pk]
    assert figures.completers == 1 and figures.planned == 5


def test_dropping_out_after_starting_counts_against_completion(group_world: GroupWorld) -> None:
    series = _finish_workshop(group_world, {"ana": "PPPPPP", "ben": "PP----"})
    services.drop(group_world.world.cora, group_world.registrations["ben"], "Work shifts")
    figures = series_figures(GroupSeries.objects.filter(pk=series.pk))[series.pk]
    assert (figures.starters, figures.completers, figures.dropped) == (2, 1, 1)


def test_program_figures_count_finished_series_only(group_world: GroupWorld) -> None:
    _finish_workshop(group_world, {"ana": "PPPPPP", "ben": "PPPAAA"})
    from alongside.testing.groups import make_series, weekly

    running = make_series(
        group_world.world.cora,
        group_world.program,
        GroupKind.WORKSHOP,
        weekly(timezone.now() + timedelta(days=2), 6),
    )
    rows = program_figures(GroupSeries.objects.filter(program=group_world.program))
    (workshops,) = [r for r in rows if r.kind == GroupKind.WORKSHOP]
    assert (workshops.series_finished, workshops.series_running) == (1, 1)
    assert workshops.completion_rate == pytest.approx(0.5)
    assert workshops.mean_attendance == pytest.approx(4.5) and workshops.mean_planned == pytest.approx(6)
    assert running.pk != group_world.workshop.pk
