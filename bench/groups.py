"""python -m bench groups: group series, attendance and what reads them, at scale.

Builds the data set-based like bench/followup.py (INSERT ... SELECT over generate_series on PostgreSQL, a
recursive CTE on SQLite, deterministic scatter arithmetic instead of random(); nothing is loaded into
Python): one program delivering models 1, 2 and 5 with `series` group series (a third each workshops of
6 weekly sessions, support groups of 12 and group visits of 9 monthly sessions, started over the last
13 months), `per_series` enrolments registered in each (all but two registered, one dropped out after
ten days, one on the waiting list), attendance for every session held before today (75% present, some
late, 12% absent, 8% excused, 5% made up), two facilitators per series, and contacts on the same
enrolments.

It measures the completion figures (one series, every series of the program, the organization's program
figures), one session's roster, function coverage over contacts and attendance together, taking a
session's attendance through groups.services.record_attendance (which refreshes each person's follow-up
state), the follow-up engine's refresh of one enrolment and its full recompute, with attendance present.

Sizes: `--scale default` is 2,000 series x 15 people (30,000 enrolments, about 200,000 attendance rows)
with 150,000 contacts and 300 supporters; `--scale large` is ten times that (PostgreSQL).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, QuerySet
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alongside.accounts.models import Organization, Role, User
from alongside.contacts.models import Contact
from alongside.contacts.queries import function_coverage
from alongside.followup import engine
from alongside.followup.cadence import PRESET_BY_CODE
from alongside.followup.models import FollowUpState
from alongside.followup.services import save_cadence
from alongside.groups.models import (
    Attendance,
    AttendanceStatus,
    Facilitator,
    GroupKind,
    GroupSeries,
    GroupSession,
    Registration,
    RegistrationStatus,
)
from alongside.groups.queries import program_figures, roster, series_figures
from alongside.groups.services import AttendanceMark, record_attendance
from alongside.people.models import Participant
from alongside.programs.models import Assignment, Enrollment, EnrollmentStatus, Program
from alongside.programs.services import save_program
from alongside.taxonomy import default_activities
from bench.followup import (
    CHUNK,
    Measured,
    Sql,
    _contiguous_ids,
    _hash,
    _result,
    _timed,
    insert_select,
    insert_supporters,
    measured_table,
)
from bench.harness import DEFAULT_OUTPUT, engine_label, fresh_database, publish

BENCH_DATABASE = "alongside_bench_groups"
SCALES = {
    "default": (2_000, 15, 150_000, 300),
    "large": (20_000, 15, 1_500_000, 3_000),
}
# Series j: its kind, number of sessions, days between sessions, minutes, and completion rule, by j % 3.
KINDS = (
    (GroupKind.WORKSHOP, 6, 7, 150, (4, 6)),
    (GroupKind.SUPPORT_GROUP, 12, 28, 90, (1, 2)),
    (GroupKind.GROUP_VISIT, 9, 28, 120, (1, 2)),
)
FIRST_DAY_SPREAD = 411  # series start between 400 days ago and 10 days from now
SESSION_MINUTES_UTC = 22 * 60  # 22:00 UTC: 17:00 or 18:00 in New York, the same calendar day


@dataclass(frozen=True)
class GroupsSize:
    series: int
    per_series: int  # enrolments registered in each series
    contacts: int
    supporters: int

    @property
    def enrollments(self) -> int:
        return self.series * self.per_series

    @property
    def label(self) -> str:
        return (
            f"{self.series:,} series x {self.per_series} people ({self.enrollments:,} enrolments), "
            f"{self.contacts:,} contacts"
        )


@dataclass(frozen=True)
class GroupsDataset:
    size: GroupsSize
    organization: Organization
    program: Program
    coordinator: User
    enrollment_ids: tuple[int, int]
    sessions: int
    attendance: int

    @property
    def label(self) -> str:
        return f"{self.size.label}, {self.sessions:,} sessions, {self.attendance:,} attendance rows"


def _kind_case(column: str, values: tuple[Any, ...]) -> str:
    """CASE on `column` (a series' kind) giving values[k] for KINDS[k]."""
    whens = " ".join(f"WHEN {column} = '{kind[0]}' THEN {value}" for kind, value in zip(KINDS, values, strict=True))
    return f"(CASE {whens} END)"


def build_groups_dataset(size: GroupsSize, quiet: bool = False) -> GroupsDataset:
    """The data described in the module docstring, in one transaction, then analysed on PostgreSQL."""
    sql = Sql(connection.vendor)
    started = time.perf_counter()

    def say(message: str) -> None:
        if not quiet:
            print(f"  {message} ({time.perf_counter() - started:.0f} s)", flush=True)

    now = timezone.now()
    today = timezone.localdate(now)
    t = sql.day(today)
    e, n, p = size.enrollments, size.series, size.per_series
    with transaction.atomic():
        org = Organization.objects.create(
            name="Groups Bench", slug=f"groups-bench-{Organization.objects.count()}-{int(time.time())}"
        )
        coordinator = User(username=f"bench-groups-coordinator-{org.pk}", role=Role.COORDINATOR, organization=org)
        coordinator.set_unusable_password()
        coordinator.save()
        program = save_program(
            coordinator,
            org,
            {
                "name": "Diabetes Self-Management Groups",
                "models": [1, 2, 5],
                "conditions": ["type2_diabetes"],
                "languages": ["en", "es"],
                "activities": default_activities([1, 2, 5]),
            },
        )
        preset = PRESET_BY_CODE["support_group_monthly"]
        save_cadence(coordinator, preset.cadence, program=program, preset=preset.code)
        by = str(coordinator.pk)

        user_low, supporter_low = insert_supporters(
            sql, org, size.supporters, "bench-groups", "Leader", "peer_leader", now
        )
        say(f"{size.supporters:,} supporters")

        # Series j (0-based) starts on day `offset(j)` from today.
        def offset(j: str) -> str:
            return f"({_hash(f'({j})', 7919, FIRST_DAY_SPREAD)} - {FIRST_DAY_SPREAD - 11})"

        with_clause, source = sql.series(1, n)
        kind = f"((g.i - 1) % {len(KINDS)})"

        def by_kind(values: tuple[Any, ...]) -> str:
            return "(CASE " + " ".join(f"WHEN {kind} = {k} THEN {v}" for k, v in enumerate(values)) + " END)"

        insert_select(
            GroupSeries,
            {
                "program": str(program.pk),
                "kind": by_kind(tuple(f"'{spec[0]}'" for spec in KINDS)),
                "title": "'Series ' || g.i",
                "capacity": str(max(1, p - 2)),
                "timezone": "'America/New_York'",
                "duration_minutes": by_kind(tuple(spec[3] for spec in KINDS)),
                "completion_min_attended": by_kind(tuple(spec[4][0] for spec in KINDS)),
                "completion_of_sessions": by_kind(tuple(spec[4][1] for spec in KINDS)),
                "created_by": by,
            },
            source,
            with_clause,
            now,
        )
        series_low, series_high = _contiguous_ids(GroupSeries, program=program)
        say(f"{n:,} series")

        with_clause, source = sql.series(1, 2)
        insert_select(
            Facilitator,
            {
                "series": "s.id",
                "user": f"{user_low} + ((s.id - {series_low}) * 2 + g.i - 1) % {size.supporters}",
                "role": "CASE WHEN g.i = 1 THEN 'peer_leader' ELSE 'co_leader' END",
            },
            f"groups_groupseries s, {source} WHERE s.program_id = {program.pk}",
            with_clause,
            now,
        )

        with_clause, source = sql.series(1, max(k[1] for k in KINDS))
        day = sql.add_days(
            t, f"{offset(f's.id - {series_low}')} + (g.i - 1) * {_kind_case('s.kind', tuple(k[2] for k in KINDS))}"
        )
        insert_select(
            GroupSession,
            {
                "series": "s.id",
                "number": "g.i",
                "starts_at": sql.at_minutes(day, str(SESSION_MINUTES_UTC)),
                "starts_on": day,
                "duration_minutes": "s.duration_minutes",
                "fn_daily_management": "(g.i % 2 = 1)",
                "fn_social_emotional": "(1 = 1)",
                "fn_linkage": "(g.i % 3 = 0)",
                "fn_ongoing": "(g.i % 4 = 0)",
            },
            f"groups_groupseries s, {source} WHERE s.program_id = {program.pk} "
            f"AND g.i <= {_kind_case('s.kind', tuple(k[1] for k in KINDS))}",
            with_clause,
            now,
        )  # fmt: skip
        sessions = GroupSession.objects.filter(series__program=program).count()
        say(f"{sessions:,} sessions")

        # One participant per enrolment; enrolment k (0-based) is the (k % p)-th person of series k // p,
        # enrolled ten days before its first session (never after today).
        for low in range(1, e + 1, CHUNK):
            with_clause, source = sql.series(low, min(e, low + CHUNK - 1))
            insert_select(
                Participant,
                {
                    "organization": str(org.pk),
                    "preferred_name": "'Person ' || g.i",
                    "family_name": f"'Bench ' || {_hash('g.i', 1, 997)}",
                    "consent_contact": "1 = 1",
                },
                source,
                with_clause,
                now,
            )
        participant_low, _ = _contiguous_ids(Participant, organization=org)
        status = _hash("g.i", 37, 100)
        status_sql = (
            f"CASE WHEN {status} < 85 THEN 'active' WHEN {status} < 90 THEN 'enrolled' "
            f"WHEN {status} < 95 THEN 'completed' ELSE 'withdrawn' END"
        )
        enrolled_on = sql.add_days(t, f"{offset(f'(g.i - 1) / {p}')} - 21")
        for low in range(1, e + 1, CHUNK):
            with_clause, source = sql.series(low, min(e, low + CHUNK - 1))
            insert_select(
                Enrollment,
                {
                    "participant": f"{participant_low} + g.i - 1",
                    "program": str(program.pk),
                    "status": status_sql,
                    "status_changed_at": sql.at_minutes(enrolled_on, "840"),
                    "enrolled_on": enrolled_on,
                    "created_by": by,
                },
                source,
                with_clause,
                now,
            )
        enrollment_low, enrollment_high = _contiguous_ids(Enrollment, program=program)
        in_range = f"en.id BETWEEN {enrollment_low} AND {enrollment_high}"
        insert_select(
            Assignment,
            {
                "enrollment": "en.id",
                "supporter": f"{supporter_low} + ((en.id - {enrollment_low}) % {size.supporters})",
                "is_primary": "1 = 1",
                "assigned_at": sql.at_minutes("en.enrolled_on", "840"),
                "assigned_by": by,
            },
            f"programs_enrollment en WHERE {in_range}",
            now=now,
        )
        say(f"{e:,} participants, enrolments and assignments")

        k, r = f"(en.id - {enrollment_low})", f"((en.id - {enrollment_low}) % {p})"
        dropped_at = sql.at_minutes(sql.add_days(t, f"{offset(f'{k} / {p}')} + 10"), "900")  # ten days in
        insert_select(
            Registration,
            {
                "series": f"{series_low} + {k} / {p}",
                "participant": "en.participant_id",
                "enrollment": "en.id",
                "status": f"CASE WHEN {r} = {p - 1} THEN 'waitlisted' WHEN {r} = {p - 2} THEN 'dropped' "
                "ELSE 'registered' END",
                "joined_at": sql.at_minutes("en.enrolled_on", "900"),
                "dropped_at": f"CASE WHEN {r} = {p - 2} THEN {dropped_at} END",
                "added_by": by,
            },
            f"programs_enrollment en WHERE {in_range}",
            now=now,
        )  # fmt: skip
        say(f"{e:,} registrations")

        h = "((r.id * 31 + s.number * 17) % 100)"
        insert_select(
            Attendance,
            {
                "session": "s.id",
                "registration": "r.id",
                "enrollment": "r.enrollment_id",
                "status": f"CASE WHEN {h} < 75 THEN 'present' WHEN {h} < 87 THEN 'absent' "
                f"WHEN {h} < 95 THEN 'excused' ELSE 'made_up' END",
                "minutes_late": f"CASE WHEN {h} < 75 AND {h} % 10 = 0 THEN 10 ELSE 0 END",
                "made_up_on": f"CASE WHEN {h} >= 95 THEN s.starts_on END",
                "recorded_by": by,
                "recorded_at": "s.starts_at",
            },
            "groups_registration r JOIN groups_groupsession s ON s.series_id = r.series_id "
            f"WHERE r.series_id BETWEEN {series_low} AND {series_high} AND r.status <> 'waitlisted' "
            f"AND s.starts_on < {t} AND (r.dropped_at IS NULL OR s.starts_at < r.dropped_at)",
            now=now,
        )
        attendance = Attendance.objects.filter(session__series__program=program).count()
        say(f"{attendance:,} attendance rows")

        c = size.contacts
        outcome = _hash("g.i", 17, 100)
        reached = f"{outcome} < 80"
        day_offset = f"(({_hash('g.i', 7927, 1_000_003)}) % ({sql.days_between(t, 'en.enrolled_on')} + 1))"
        occurred_on = sql.add_days("en.enrolled_on", day_offset)
        for low in range(1, c + 1, CHUNK):
            with_clause, series_source = sql.series(low, min(c, low + CHUNK - 1))
            insert_select(
                Contact,
                {
                    "participant": "en.participant_id",
                    "enrollment": "en.id",
                    "supporter": f"{supporter_low} + ((en.id - {enrollment_low}) % {size.supporters})",
                    "recorded_by": f"{user_low} + ((en.id - {enrollment_low}) % {size.supporters})",
                    "occurred_at": sql.at_minutes(occurred_on, f"840 + {_hash('g.i', 31, 540)}"),
                    "occurred_on": occurred_on,
                    "outcome": f"CASE WHEN {reached} THEN 'reached' ELSE 'no_answer' END",
                    "duration_minutes": f"CASE WHEN {reached} THEN 5 + g.i % 40 ELSE 0 END",
                    "fn_daily_management": f"({reached} AND g.i % 3 = 0)",
                    "fn_social_emotional": f"({reached} AND g.i % 2 = 0)",
                    "fn_linkage": f"({reached} AND g.i % 7 = 0)",
                    "fn_ongoing": reached,
                },
                f"{series_source} JOIN programs_enrollment en ON en.id = {enrollment_low} + {_hash('g.i', 48271, e)}",
                with_clause,
                now,
            )
        say(f"{c:,} contacts")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # What autovacuum does after a bulk load (not allowed inside a transaction: ANALYZE only then).
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
        say("vacuumed and analyzed")
    return GroupsDataset(size, org, program, coordinator, (enrollment_low, enrollment_high), sessions, attendance)


# ---- measuring ----


def _finished_series(dataset: GroupsDataset, kind: str) -> GroupSeries:
    """A series of `kind` whose sessions are all in the past."""
    return (
        GroupSeries.objects.filter(program=dataset.program, kind=kind)
        .annotate(last=Max("sessions__starts_at"))
        .filter(last__lt=timezone.now())
        .order_by("pk")[0]
    )


def _busy_session(dataset: GroupsDataset) -> GroupSession:
    """A support group meeting held a week or more ago, in a series still running (its roster is full)."""
    running = (
        GroupSeries.objects.filter(program=dataset.program, kind=GroupKind.SUPPORT_GROUP)
        .annotate(last=Max("sessions__starts_at"))
        .filter(last__gt=timezone.now())
    )
    return (
        GroupSession.objects.filter(series__in=running, attendance__isnull=False)
        .select_related("series__program")
        .order_by("-starts_at", "pk")[0]
    )


def _measure(name: str, operation: Callable[[], Any], repeat: int) -> Measured:
    operation()  # warm-up
    with CaptureQueriesContext(connection) as captured:
        operation()
    return _result(name, len(captured), _timed(operation, repeat))


def _evaluate(series: QuerySet[GroupSeries]) -> Callable[[], Any]:
    return lambda: series_figures(series)


def measure_reads(dataset: GroupsDataset, repeat: int) -> list[Measured]:
    program_series = GroupSeries.objects.filter(program=dataset.program)
    one = _finished_series(dataset, GroupKind.WORKSHOP)
    session = _busy_session(dataset)
    lines = len(roster(session))
    organization_series = GroupSeries.objects.filter(program__organization=dataset.organization)
    programs = Program.objects.filter(organization=dataset.organization)
    return [
        _measure("series_figures, one finished workshop", _evaluate(GroupSeries.objects.filter(pk=one.pk)), repeat),
        _measure(
            f"series_figures, every series of the program ({program_series.count():,})",
            _evaluate(program_series),
            max(3, repeat // 5),
        ),
        _measure(
            "program_figures, the organization", lambda: program_figures(organization_series), max(3, repeat // 5)
        ),
        _measure(f"roster of one session ({lines} lines)", lambda: roster(session), repeat),
        _measure("function_coverage, 30 days (contacts + attendance)", lambda: function_coverage(programs, 30), repeat),
        _measure("function_coverage, 90 days (contacts + attendance)", lambda: function_coverage(programs, 90), repeat),
    ]


def measure_writes(dataset: GroupsDataset, repeat: int) -> list[Measured]:
    """record_attendance for one held session (every person on its roster, one service call, which also
    refreshes their follow-up states), then engine.refresh of one enrolment with attendance, on `repeat`
    different enrolments."""
    session = _busy_session(dataset)
    statuses = (AttendanceStatus.PRESENT, AttendanceStatus.ABSENT)
    marks = [AttendanceMark(line.registration.pk, statuses[i % 7 == 6]) for i, line in enumerate(roster(session))]
    results = [
        _measure(
            f"record_attendance, one session ({len(marks)} marks, incl. refresh)",
            lambda: record_attendance(dataset.coordinator, session, marks),
            repeat,
        )
    ]
    ids = list(
        Registration.objects.filter(
            series__program=dataset.program,
            status=RegistrationStatus.REGISTERED,
            enrollment__status=EnrollmentStatus.ACTIVE,
            attendance__isnull=False,
        )
        .values_list("enrollment_id", flat=True)
        .distinct()
        .order_by("enrollment_id")[: repeat * 20 : 20]
    )
    if not ids:
        return results
    with CaptureQueriesContext(connection) as captured:
        engine.refresh(ids[:1])
    queue = list(ids)
    samples = _timed(lambda: engine.refresh([queue.pop()]), len(queue))
    results.append(_result("engine.refresh of one enrolment with attendance", len(captured), samples))
    return results


def measure_recompute() -> list[Measured]:
    """The full recompute with attendance in the deliveries: from an empty state table, then with nothing
    changed. One run each."""
    FollowUpState.objects.all().delete()
    results = []
    for label in ("empty state", "nothing changed"):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            outcome = engine.recompute_all()
            elapsed = (time.perf_counter() - started) * 1000
        results.append(_result(f"recompute_all, {label} ({outcome.written:,} written)", len(captured), [elapsed]))
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE followup_followupstate")
    return results


def run_groups_benchmarks(dataset: GroupsDataset, repeat: int) -> list[Measured]:
    results = [_result("after building the data", 0, [0.0])]
    results += measure_recompute()
    results += measure_reads(dataset, repeat)
    results += measure_writes(dataset, repeat)
    return results


def groups_table(results: list[Measured], engine_name: str, dataset_label: str, day: date, cores: str) -> str:
    return measured_table(results, engine_name, dataset_label, day, cores)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench groups", description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="default")
    parser.add_argument("--series", type=int, help="override the scale's number of series")
    parser.add_argument("--per-series", type=int, help="override the people registered per series")
    parser.add_argument("--contacts", type=int, help="override the scale's contacts")
    parser.add_argument("--supporters", type=int, help="override the scale's supporters")
    parser.add_argument("--repeat", type=int, default=30, help="timed runs per read (default %(default)s)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="markdown report to update")
    parser.add_argument("--no-output", action="store_true", help="print the table only")
    args = parser.parse_args(argv)
    series, per_series, contacts, supporters = SCALES[args.scale]
    size = GroupsSize(
        args.series or series,
        args.per_series or per_series,
        args.contacts if args.contacts is not None else contacts,
        args.supporters or supporters,
    )
    if size.series < 3 or size.per_series < 3 or size.supporters < 2 or size.contacts < 0 or args.repeat < 1:
        parser.error("at least 3 series of 3 people, 2 supporters and 1 repeat")
    settings.DEBUG = False
    with fresh_database(BENCH_DATABASE):
        print(f"{engine_label()}: building {size.label} ...", flush=True)
        started = time.perf_counter()
        dataset = build_groups_dataset(size)
        print(f"built in {time.perf_counter() - started:.0f} s; measuring ...", flush=True)
        results = run_groups_benchmarks(dataset, args.repeat)
        table = groups_table(results, engine_label(), dataset.label, date.today(), str(os.cpu_count() or "?"))
    publish(table, None if args.no_output else args.output, f"groups-{connection.vendor}")
    return 0
