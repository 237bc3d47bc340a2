from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from alongside.contacts.queries import function_coverage, last_function_dates
from alongside.followup.models import FollowUpState
from alongside.groups import services
from alongside.groups.models import Attendance, AttendanceStatus
from alongside.groups.services import AttendanceMark
from alongside.people.timeline import timeline_for
from alongside.programs.models import Program
from alongside.testing.groups import GroupWorld
from alongside.testing.world import make_enrollment, make_participant


def test_a_leader_marks_attendance_and_it_reaches_timeline_coverage_and_follow_up(group_world: GroupWorld) -> None:
    gw = group_world
    session = gw.current_session  # "Medicines and working with your health care team": daily management, linkage
    lena = gw.lena.user
    services.mark_one(lena, session, gw.registrations["ana"].pk, AttendanceStatus.PRESENT, minutes_late=15)
    services.mark_one(lena, session, gw.registrations["ben"].pk, AttendanceStatus.ABSENT)

    events = [e for e in timeline_for(gw.participants["ana"], gw.world.cora) if e.kind == "attendance"]
    assert len(events) == 1 and set(events[0].functions) == {"daily_management", "linkage"}

    coverage = function_coverage(Program.objects.filter(pk=gw.program.pk), 30)[gw.program.pk]
    assert coverage.reached == 1 and coverage.by_function["linkage"] == 1 and coverage.by_function["ongoing"] == 0

    ana_enrollment = gw.enrollments["ana"]
    state = FollowUpState.objects.get(enrollment=ana_enrollment)
    assert state.last_linkage_on == session.starts_on
    # Attending counts as being reached: the cadence restarts from the session, as after a reached call.
    assert state.last_reached_at == session.starts_at and state.last_reached_on == session.starts_on
    ben = FollowUpState.objects.get(enrollment=gw.enrollments["ben"])
    assert ben.last_linkage_on is None and ben.last_reached_at is None
    dates = last_function_dates(gw.participants["ana"], gw.world.cora)
    assert dates[ana_enrollment.pk]["linkage"] == session.starts_at


def test_correcting_a_mark_updates_the_same_row(group_world: GroupWorld) -> None:
    gw = group_world
    services.mark_one(gw.lena.user, gw.current_session, gw.registrations["ana"].pk, AttendanceStatus.ABSENT)
    services.mark_one(gw.lena.user, gw.current_session, gw.registrations["ana"].pk, AttendanceStatus.PRESENT)
    assert list(Attendance.objects.values_list("status", flat=True)) == [AttendanceStatus.PRESENT]


def test_attendance_for_someone_not_registered_is_refused_and_nothing_is_saved(group_world: GroupWorld) -> None:
    gw = group_world
    marks = [
        AttendanceMark(gw.registrations["ana"].pk, AttendanceStatus.PRESENT),
        AttendanceMark(999_999, AttendanceStatus.PRESENT),
    ]
    with pytest.raises(ValidationError, match="not registered"):
        services.record_attendance(gw.lena.user, gw.current_session, marks)
    assert not Attendance.objects.exists()


def test_attendance_for_a_future_session_is_refused(group_world: GroupWorld) -> None:
    gw = group_world
    future = gw.workshop.sessions.get(number=6)
    with pytest.raises(ValidationError, match="take attendance on the day"):
        services.mark_one(gw.lena.user, future, gw.registrations["ana"].pk, AttendanceStatus.PRESENT)


def test_a_make_up_needs_a_date_between_the_session_and_today(group_world: GroupWorld) -> None:
    gw = group_world
    session = gw.workshop.sessions.get(number=2)
    reg = gw.registrations["carmen"].pk
    with pytest.raises(ValidationError, match="When did"):
        services.record_attendance(gw.lena.user, session, [AttendanceMark(reg, AttendanceStatus.MADE_UP)])
    too_early = session.starts_on - timedelta(days=1)
    with pytest.raises(ValidationError, match="between the session and today"):
        services.record_attendance(
            gw.lena.user, session, [AttendanceMark(reg, AttendanceStatus.MADE_UP, made_up_on=too_early)]
        )
    made_up = services.record_attendance(
        gw.lena.user, session, [AttendanceMark(reg, AttendanceStatus.MADE_UP, made_up_on=timezone.localdate())]
    )
    assert made_up[0].attended


def test_only_facilitators_and_managers_take_attendance(group_world: GroupWorld) -> None:
    gw = group_world
    with pytest.raises(PermissionDenied):
        services.mark_one(gw.world.sid.user, gw.current_session, gw.registrations["ana"].pk, AttendanceStatus.PRESENT)
    services.mark_one(gw.world.sam, gw.current_session, gw.registrations["ana"].pk, AttendanceStatus.PRESENT)


def test_a_waitlisted_person_cannot_be_marked(group_world: GroupWorld) -> None:
    gw = group_world
    gw.workshop.capacity = 6
    gw.workshop.save()
    late = make_participant(gw.world.org, "Fay")
    make_enrollment(gw.world.cora, late, gw.program)
    waiting = services.register(gw.world.cora, gw.workshop, late)
    with pytest.raises(ValidationError, match="waiting list"):
        services.mark_one(gw.lena.user, gw.current_session, waiting.pk, AttendanceStatus.PRESENT)


def test_a_later_reached_call_still_wins_over_an_earlier_session(group_world: GroupWorld) -> None:
    from alongside.testing.world import make_contact

    gw = group_world
    session = gw.current_session
    services.mark_one(gw.lena.user, session, gw.registrations["ana"].pk, AttendanceStatus.PRESENT)
    call = make_contact(gw.enrollments["ana"], gw.world.cora, days_ago=0, functions=("ongoing",))
    from alongside.followup import engine

    engine.refresh([gw.enrollments["ana"].pk])
    state = FollowUpState.objects.get(enrollment=gw.enrollments["ana"])
    assert state.last_reached_at == call.occurred_at
    assert state.last_linkage_on == session.starts_on and state.last_ongoing_on == call.occurred_on
