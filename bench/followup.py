"""python -m bench followup: the follow-up engine at scale.

Builds the data set-based (INSERT ... SELECT over generate_series on PostgreSQL, a recursive CTE on SQLite;
nothing is loaded into Python), then measures the full recompute, the incremental update after one logged
contact, the worklist API and its raw-SQL lower bound, and the peak memory of the Python process.

Sizes: `--scale default` (20,000 enrolments, 200,000 contacts, 400 supporters) suits SQLite;
`--scale full` is the issue's 1,000,000 enrolments, 10,000,000 contacts, 20,000 supporters for PostgreSQL.
`--enrollments/--contacts/--supporters` override either.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, models, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alongside.accounts.models import Organization, Role, User
from alongside.contacts.models import Contact
from alongside.contacts.services import ContactInput, log_contact
from alongside.followup import engine
from alongside.followup.cadence import PRESETS
from alongside.followup.models import CallAppointment, FollowUpRules, FollowUpState
from alongside.followup.services import save_cadence
from alongside.people.models import Participant, Supporter
from alongside.programs.models import Assignment, Enrollment, EnrollmentStatus, Program
from alongside.programs.services import save_program
from alongside.taxonomy import default_activities
from bench.harness import DEFAULT_OUTPUT, engine_label, fresh_database, percentile, publish

CHUNK = 1_000_000  # rows per INSERT ... SELECT, so progress shows and no statement runs for many minutes
SCALES = {
    "default": (20_000, 200_000, 400),
    "full": (1_000_000, 10_000_000, 20_000),
}
COLUMNS = ("engine", "dataset", "operation", "queries", "median ms", "p95 ms", "peak RSS MB", "date", "cores")


@dataclass(frozen=True)
class FollowUpSize:
    enrollments: int
    contacts: int
    supporters: int
    programs: int = 10

    @property
    def label(self) -> str:
        return f"{self.enrollments:,} enrolments, {self.contacts:,} contacts, {self.supporters:,} supporters"


@dataclass(frozen=True)
class FollowUpDataset:
    size: FollowUpSize
    organization: Organization
    supporter: Supporter  # the one whose worklist is measured
    enrollment_ids: tuple[int, int]  # first and last id: the enrolments are contiguous


@dataclass(frozen=True)
class Measured:
    operation: str
    queries: int
    median_ms: float
    p95_ms: float
    peak_rss_mb: float


# ---- set-based SQL that reads the same on both engines ----


@dataclass(frozen=True)
class Sql:
    vendor: str

    def series(self, low: int, high: int) -> tuple[str, str]:
        """(WITH clause, FROM item) yielding column g.i for low..high."""
        if self.vendor == "postgresql":
            # bigint, so the scatter arithmetic below does not overflow at 10M rows
            return "", f"generate_series({low}::bigint, {high}::bigint) AS g(i)"
        return f"WITH RECURSIVE g(i) AS (SELECT {low} UNION ALL SELECT i + 1 FROM g WHERE i < {high})", "g"

    def day(self, value: date) -> str:
        return f"DATE '{value.isoformat()}'" if self.vendor == "postgresql" else f"'{value.isoformat()}'"

    def add_days(self, day: str, days: str) -> str:
        if self.vendor == "postgresql":
            return f"({day} + ({days})::int)"
        return f"date({day}, ({days}) || ' days')"

    def days_between(self, later: str, earlier: str) -> str:
        if self.vendor == "postgresql":
            return f"({later} - {earlier})"
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"

    def at_minutes(self, day: str, minutes: str) -> str:
        """A UTC moment `minutes` after midnight (UTC) of `day`."""
        if self.vendor == "postgresql":
            return f"(({day})::timestamp + make_interval(mins => ({minutes})::int)) AT TIME ZONE 'UTC'"
        return f"datetime({day}, ({minutes}) || ' minutes')"


def _hash(i: str, multiplier: int, modulus: int) -> str:
    """A deterministic scatter of i over 0..modulus-1, the same on both engines (no random())."""
    return f"(({i} * {multiplier} + 7) % {modulus})"


def insert_select(
    model: type[models.Model], given: dict[str, str], source: str, with_clause: str = "", now: datetime | None = None
) -> int:
    """INSERT INTO model's table every column: SQL expressions from `given` (by field name), the model's
    defaults for the rest, as parameters. Fails loudly on a required field with no default, so a schema
    change shows up here instead of as a constraint error at scale."""
    now = now or timezone.now()
    columns, expressions, params = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        if field.name in given:
            # The expressions carry no parameters; their modulo signs must not read as placeholders.
            expressions.append(given[field.name].replace("%", "%%"))
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value: Any = now
        elif field.has_default():
            value = field.get_default()
        elif field.null:
            value = None
        elif getattr(field, "blank", False) and isinstance(field, models.CharField | models.TextField):
            value = ""
        else:
            raise ValueError(f"bench: give {model.__name__}.{field.name} a value")
        expressions.append("%s")
        params.append(field.get_db_prep_save(value, connection))
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) {with_clause} "
        f"SELECT {', '.join(expressions)} FROM {source.replace('%', '%%')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


def _contiguous_ids(model: type[models.Model], **filters: Any) -> tuple[int, int]:
    """First and last id of rows just inserted in one statement; the arithmetic below relies on no gaps."""
    ids = model._default_manager.filter(**filters).aggregate(
        low=models.Min("pk"), high=models.Max("pk"), n=models.Count("pk")
    )
    low, high, n = ids["low"], ids["high"], ids["n"]
    if n == 0 or high - low + 1 != n:
        raise RuntimeError(f"bench: {model.__name__} ids are not contiguous ({low}..{high}, {n} rows)")
    return low, high


def insert_supporters(
    sql: Sql, org: Organization, count: int, prefix: str, first_name: str, kind: str, now: Any
) -> tuple[int, int]:
    """`count` supporter logins and their Supporter rows, set-based; returns the first user id and the
    first Supporter id (both ranges are contiguous)."""
    with_clause, source = sql.series(1, count)
    insert_select(
        User,
        {
            "username": f"'{prefix}-{org.pk}-' || g.i",
            "password": "'!'",  # unusable
            "role": f"'{Role.SUPPORTER}'",
            "organization": str(org.pk),
            "first_name": f"'{first_name}'",
            "last_name": "'' || g.i",
        },
        source,
        with_clause,
        now,
    )
    user_low, _ = _contiguous_ids(User, organization=org, role=Role.SUPPORTER)
    insert_select(
        Supporter,
        {"organization": str(org.pk), "user": f"{user_low} + g.i - 1", "kind": f"'{kind}'"},
        source,
        with_clause,
        now,
    )
    supporter_low, _ = _contiguous_ids(Supporter, organization=org)
    return user_low, supporter_low


def _progress(message: str, started: float) -> None:
    print(f"  {message} ({time.perf_counter() - started:.0f} s)", flush=True)


def build_followup_dataset(size: FollowUpSize, quiet: bool = False) -> FollowUpDataset:
    """Programs with each cadence (the published presets), rules on half of them, one participant per
    enrolment, one supporter per enrolment (size.supporters of them, spread evenly), about
    contacts/enrolments contacts per enrolment over its days of support (80% reached; 30% set a next
    contact due), and a call appointment for one enrolment in a hundred."""
    sql = Sql(connection.vendor)
    started = time.perf_counter()
    say: Callable[[str], None] = (lambda _: None) if quiet else (lambda m: _progress(m, started))
    now = timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        org = Organization.objects.create(
            name="Follow-up Bench", slug=f"followup-bench-{Organization.objects.count()}-{int(time.time())}"
        )
        coordinator = User(username=f"bench-fu-coordinator-{org.pk}", role=Role.COORDINATOR, organization=org)
        coordinator.set_unusable_password()
        coordinator.save()
        programs = []
        for n in range(size.programs):
            model = n % 7 + 1
            program = save_program(
                coordinator,
                org,
                {
                    "name": f"Follow-up program {n + 1}",
                    "models": [model],
                    "conditions": ["type2_diabetes"],
                    "languages": ["en", "es"],
                    "activities": default_activities([model]),
                },
            )
            preset = PRESETS[n % len(PRESETS)]
            save_cadence(coordinator, preset.cadence, program=program, preset=preset.code)
            if n % 2:
                FollowUpRules.objects.create(program=program, retry_after_days=1 + n % 3, max_failed_attempts=3)
            programs.append(program)
        program_low, _ = _contiguous_ids(Program, organization=org)

        user_low, supporter_low = insert_supporters(
            sql, org, size.supporters, "bench-fu", "Supporter", "peer_coach", now
        )
        say(f"{size.supporters:,} supporters")

        e = size.enrollments
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
        say(f"{e:,} participants")

        status = _hash("g.i", 37, 100)
        status_sql = (
            f"CASE WHEN {status} < 75 THEN 'active' WHEN {status} < 80 THEN 'enrolled' "
            f"WHEN {status} < 87 THEN 'paused' WHEN {status} < 93 THEN 'completed' "
            f"WHEN {status} < 97 THEN 'withdrawn' ELSE 'lost_to_follow_up' END"
        )
        enrolled_on = sql.add_days(sql.day(today), f"-{_hash('g.i', 7919, 400)}")
        for low in range(1, e + 1, CHUNK):
            with_clause, source = sql.series(low, min(e, low + CHUNK - 1))
            insert_select(
                Enrollment,
                {
                    "participant": f"{participant_low} + g.i - 1",
                    "program": f"{program_low} + {_hash('g.i', 13, size.programs)}",
                    "status": status_sql,
                    "status_changed_at": sql.at_minutes(enrolled_on, "720"),
                    "enrolled_on": enrolled_on,
                    "created_by": str(coordinator.pk),
                },
                source,
                with_clause,
                now,
            )
        enrollment_low, enrollment_high = _contiguous_ids(Enrollment, program__organization=org)
        say(f"{e:,} enrolments")

        # Enrolment k (0-based) has supporter k % supporters: every supporter gets the same share.
        supporter_of = f"{supporter_low} + ((en.id - {enrollment_low}) % {size.supporters})"
        insert_select(
            Assignment,
            {
                "enrollment": "en.id",
                "supporter": supporter_of,
                "is_primary": "1 = 1",
                "assigned_at": sql.at_minutes("en.enrolled_on", "720"),
                "assigned_by": str(coordinator.pk),
            },
            f"programs_enrollment en WHERE en.id BETWEEN {enrollment_low} AND {enrollment_high}",
            now=now,
        )
        insert_select(
            CallAppointment,
            {
                "enrollment": "en.id",
                "supporter": supporter_of,
                "scheduled_for": sql.at_minutes(sql.day(today), "600 + (en.id % 72) * 60"),
                "status": "'scheduled'",
                "created_by": str(coordinator.pk),
            },
            f"programs_enrollment en WHERE en.id BETWEEN {enrollment_low} AND {enrollment_high} AND en.id % 100 = 0",
            now=now,
        )
        say(f"{e:,} assignments, {e // 100:,} appointments")

        outcome = _hash("g.i", 17, 100)
        outcome_sql = (
            f"CASE WHEN {outcome} < 80 THEN 'reached' WHEN {outcome} < 88 THEN 'no_answer' "
            f"WHEN {outcome} < 94 THEN 'left_message' WHEN {outcome} < 97 THEN 'declined' ELSE 'wrong_number' END"
        )
        day_offset = f"(({_hash('g.i', 7927, 1_000_003)}) % ({sql.days_between(sql.day(today), 'en.enrolled_on')} + 1))"
        occurred_on = sql.add_days("en.enrolled_on", day_offset)
        # 14:00-23:00 UTC is 9:00-19:00 in New York, the organization's zone: the same calendar day.
        minutes = f"840 + {_hash('g.i', 31, 540)}"
        reached = f"{outcome} < 80"
        c = size.contacts
        for low in range(1, c + 1, CHUNK):
            with_clause, series = sql.series(low, min(c, low + CHUNK - 1))
            insert_select(
                Contact,
                {
                    "participant": "en.participant_id",
                    "enrollment": "en.id",
                    "supporter": supporter_of,
                    "recorded_by": f"{user_low} + ((en.id - {enrollment_low}) % {size.supporters})",
                    "occurred_at": sql.at_minutes(occurred_on, minutes),
                    "occurred_on": occurred_on,
                    "outcome": outcome_sql,
                    "duration_minutes": f"CASE WHEN {reached} THEN 5 + g.i % 40 ELSE 0 END",
                    "fn_daily_management": f"({reached} AND g.i % 3 = 0)",
                    "fn_social_emotional": f"({reached} AND g.i % 2 = 0)",
                    "fn_linkage": f"({reached} AND g.i % 7 = 0)",
                    "fn_ongoing": reached,
                    "next_contact_due": f"CASE WHEN {_hash('g.i', 29, 100)} < 30 "
                    f"THEN {sql.add_days(occurred_on, '7 + g.i % 24')} END",
                },
                f"{series} JOIN programs_enrollment en ON en.id = {enrollment_low} + {_hash('g.i', 48271, e)}",
                with_clause,
                now,
            )
            say(f"{min(c, low + CHUNK - 1):,} contacts")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # What autovacuum does after a bulk load in production: statistics, and the visibility map that
            # lets the engine read contacts from its covering index alone.
            # (Inside a transaction, as in the smoke test, VACUUM is not allowed; ANALYZE is.)
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
        say("vacuumed and analyzed")
    supporter = Supporter.objects.select_related("user").get(pk=supporter_low)
    return FollowUpDataset(size, org, supporter, (enrollment_low, enrollment_high))


# ---- measuring ----


def peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(operation: Callable[[], Any], repeat: int, before: Callable[[], Any] | None = None) -> list[float]:
    samples = []
    for _ in range(repeat):
        if before is not None:
            before()
        started = time.perf_counter()
        operation()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _result(operation: str, queries: int, samples: list[float]) -> Measured:
    return Measured(operation, queries, statistics.median(samples), percentile(samples, 0.95), round(peak_rss_mb(), 1))


def measure_recompute(dataset: FollowUpDataset) -> list[Measured]:
    """The periodic full recompute: from an empty state table (every row written), then again with nothing
    changed (every row compared, none written). One run each: at full scale each takes seconds."""
    FollowUpState.objects.all().delete()
    results = []
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        first = engine.recompute_all()
        cold = (time.perf_counter() - started) * 1000
    results.append(_result(f"recompute_all, empty state ({first.written:,} rows written)", len(captured), [cold]))
    if connection.vendor == "postgresql":
        # Autovacuum would analyze the freshly filled table within a minute; without statistics the
        # worklist below would be planned for an empty table.
        with connection.cursor() as cursor:
            vacuum = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
            cursor.execute(f"{vacuum} followup_followupstate")
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        second = engine.recompute_all()
        warm = (time.perf_counter() - started) * 1000
    results.append(_result(f"recompute_all, nothing changed ({second.written:,} written)", len(captured), [warm]))
    return results


def _incremental_targets(dataset: FollowUpDataset, count: int) -> list[tuple[Enrollment, User]]:
    """Active enrolments spread over the id range, each with its supporter's login."""
    low, high = dataset.enrollment_ids
    step = max(1, (high - low) // (count * 3))
    ids = list(range(low, high + 1, step))[: count * 3]
    rows = (
        Enrollment.objects.filter(pk__in=ids, status=EnrollmentStatus.ACTIVE)
        .select_related("participant__organization", "program")
        .order_by("pk")[:count]
    )
    users = dict(
        Assignment.objects.filter(enrollment__in=[r.pk for r in rows], ended_at__isnull=True).values_list(
            "enrollment_id", "supporter__user"
        )
    )
    by_id = {u.pk: u for u in User.objects.filter(pk__in=set(users.values()))}
    return [(r, by_id[users[r.pk]]) for r in rows]


def measure_incremental(dataset: FollowUpDataset, count: int) -> list[Measured]:
    """One contact logged through contacts.services.log_contact (validation, insert, engine.refresh, in one
    transaction), and engine.refresh alone, on `count` different enrolments."""
    targets = _incremental_targets(dataset, count)
    if not targets:
        return []
    now = timezone.now()
    queue = list(targets)

    def log_one() -> None:
        enrollment, user = queue.pop()
        log_contact(
            user,
            enrollment,
            ContactInput(occurred_at=now - timedelta(minutes=len(queue) + 1), functions=["ongoing"]),
        )

    with CaptureQueriesContext(connection) as captured:
        log_one()
    log_queries = len(captured)
    queue = list(targets)
    log_samples = _timed(log_one, len(queue))
    with CaptureQueriesContext(connection) as captured:
        engine.refresh([targets[0][0].pk])
    refresh_queries = len(captured)
    refresh_ids = [t[0].pk for t in targets]
    refresh_samples = _timed(lambda: engine.refresh([refresh_ids.pop()]), len(refresh_ids))
    return [
        _result("log_contact (incl. refresh of its enrolment)", log_queries, log_samples),
        _result("engine.refresh of one enrolment", refresh_queries, refresh_samples),
    ]


def worklist_raw_sql(supporter_id: int, today: date, limit: int = 500) -> list[tuple[Any, ...]]:
    """The lower bound for the worklist: the same rows (a supporter's state rows that need action today,
    most pressing first, with the participant's name) in one hand-written query, no ORM, no serialisation.
    It leaves out what the API adds on top: access scoping, concerns, per-program gap rules, quiet hours,
    the access log."""
    d = Sql(connection.vendor)
    t = d.day(today)
    query = f"""
SELECT s.enrollment_id, p.preferred_name, p.family_name, s.window_start, s.window_end, s.promised_on,
       s.retry_on, s.appointment_at, s.last_reached_on,
       CASE WHEN s.window_end < {t} THEN 2 WHEN s.window_start <= {t} THEN 4
            WHEN s.promised_on <= {t} THEN 5 WHEN s.retry_on <= {t} THEN 6 ELSE 8 END AS priority
FROM followup_followupstate s JOIN people_participant p ON p.id = s.participant_id
WHERE s.supporter_id = %s
  AND (s.window_start <= {t} OR s.promised_on <= {t} OR s.retry_on <= {t} OR s.repeated_failures)
ORDER BY priority, s.window_end, s.promised_on, s.retry_on, p.preferred_name, s.enrollment_id
LIMIT {int(limit)}"""
    with connection.cursor() as cursor:
        cursor.execute(query, [supporter_id])
        return list(cursor.fetchall())


def worklist_url(supporter: Supporter) -> str:
    return f"/api/v1/worklist/?supporter={supporter.pk}"


def measure_worklist(dataset: FollowUpDataset, repeat: int) -> list[Measured]:
    """GET /api/v1/worklist/?supporter=<id> as that supporter (Django's test client: the whole stack but
    the network), then the raw-SQL lower bound."""
    client = Client()
    client.force_login(dataset.supporter.user)
    url = worklist_url(dataset.supporter)
    lines = 0

    def get() -> None:
        nonlocal lines
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"bench: {url} answered {response.status_code}: {response.content[:300]!r}")
        body = response.json()
        lines = len(body["results"] if isinstance(body, dict) and "results" in body else body)

    get()  # warm-up
    with CaptureQueriesContext(connection) as captured:
        get()
    api_queries = len(captured)
    # Throttling counters live in the cache; a benchmark is not an abuser.
    api_samples = _timed(get, repeat, before=cache.clear)
    today = timezone.localdate()
    rows = worklist_raw_sql(dataset.supporter.pk, today)
    raw_samples = _timed(lambda: worklist_raw_sql(dataset.supporter.pk, today), repeat)
    caseload = FollowUpState.objects.filter(supporter=dataset.supporter).count()
    return [
        _result(f"GET worklist API (caseload {caseload}, {lines} lines)", api_queries, api_samples),
        _result(f"worklist raw SQL lower bound ({len(rows)} rows)", 1, raw_samples),
    ]


def run_followup_benchmarks(dataset: FollowUpDataset, repeat: int, incremental: int) -> list[Measured]:
    results = [_result("after building the data", 0, [0.0])]
    results += measure_recompute(dataset)
    results += measure_incremental(dataset, incremental)
    results += measure_worklist(dataset, repeat)
    return results


def followup_table(results: list[Measured], engine_name: str, size: FollowUpSize, day: date, cores: str) -> str:
    return measured_table(results, engine_name, size.label, day, cores)


def measured_table(results: list[Measured], engine_name: str, dataset_label: str, day: date, cores: str) -> str:
    """The markdown table of a bench's measurements (shared by the follow-up and groups benches)."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * 3 + "---:|" * 4 + "---|---:|"]
    for r in results:
        cells = [
            engine_name,
            dataset_label,
            r.operation,
            str(r.queries),
            f"{r.median_ms:,.1f}",
            f"{r.p95_ms:,.1f}",
            f"{r.peak_rss_mb:,.0f}",
            day.isoformat(),
            cores,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench followup", description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="default")
    parser.add_argument("--enrollments", type=int, help="override the scale's enrolments")
    parser.add_argument("--contacts", type=int, help="override the scale's contacts")
    parser.add_argument("--supporters", type=int, help="override the scale's supporters")
    parser.add_argument("--repeat", type=int, default=100, help="worklist requests timed (default %(default)s)")
    parser.add_argument("--incremental", type=int, default=50, help="contacts logged (default %(default)s)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="markdown report to update")
    parser.add_argument("--no-output", action="store_true", help="print the table only")
    args = parser.parse_args(argv)
    enrollments, contacts, supporters = SCALES[args.scale]
    size = FollowUpSize(
        args.enrollments or enrollments,
        args.contacts if args.contacts is not None else contacts,
        args.supporters or supporters,
    )
    if size.enrollments < 10 or size.supporters < 1 or size.contacts < 0 or args.repeat < 1 or args.incremental < 1:
        parser.error("at least 10 enrolments, 1 supporter, 1 repeat and 1 incremental contact")
    settings.DEBUG = False
    with fresh_database():
        print(f"{engine_label()}: building {size.label} ...", flush=True)
        started = time.perf_counter()
        dataset = build_followup_dataset(size)
        print(f"built in {time.perf_counter() - started:.0f} s; measuring ...", flush=True)
        results = run_followup_benchmarks(dataset, args.repeat, args.incremental)
        table = followup_table(results, engine_label(), size, date.today(), str(os.cpu_count() or "?"))
    publish(table, None if args.no_output else args.output, f"followup-{connection.vendor}")
    return 0
