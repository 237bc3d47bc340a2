"""The follow-up engine: keeps one FollowUpState row per enrolment in active support, set-based.

One SQL statement computes every column for a set of enrolments (all of them, or the few a write just
touched) and upserts it; a second deletes rows of enrolments that left active support. The same
statement serves the periodic full recompute and the incremental update after a contact is logged, so
the two cannot disagree. Both are idempotent: rows whose values did not change are not rewritten.

Concurrency (PostgreSQL): a full recompute holds an exclusive advisory lock and an incremental update a
shared one, so a recompute never overwrites a newer row with values from an older snapshot; an
incremental update also locks its enrolment rows, so two updates to one enrolment run one after the
other. On SQLite there is only ever one writer.

The cadence rule mirrors cadence.next_due_window (tests compare them on random data).
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from alongside.followup.models import FollowUpState
from alongside.programs import deliveries
from alongside.programs.models import Enrollment, EnrollmentStatus
from alongside.taxonomy import FUNCTION_FIELDS

# Statuses in which the engine schedules contacts. Paused people get no follow-ups while paused.
FOLLOW_UP_STATUSES = (EnrollmentStatus.ENROLLED, EnrollmentStatus.ACTIVE)
ADVISORY_LOCK_KEY = 7_310_442  # any constant shared by every process of this application

STATE_COLUMNS = (
    "participant_id",
    "program_id",
    "supporter_id",
    "assigned_at",
    "enrolled_on",
    "window_start",
    "window_end",
    "cadence_finished",
    "last_reached_at",
    "last_reached_on",
    "failed_attempts",
    "last_failed_on",
    "last_outcome",
    "retry_on",
    "repeated_failures",
    "promised_on",
    "appointment_at",
    "last_daily_management_on",
    "last_social_emotional_on",
    "last_linkage_on",
    "last_ongoing_on",
)


@dataclass(frozen=True)
class Dialect:
    vendor: str

    def days_between(self, later: str, earlier: str) -> str:
        if self.vendor == "postgresql":
            return f"({later} - {earlier})"
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"

    def add_days(self, day: str, days: str) -> str:
        if self.vendor == "postgresql":
            return f"({day} + ({days}))"
        return f"date({day}, ({days}) || ' days')"

    def distinct(self, a: str, b: str) -> str:
        return f"{a} IS DISTINCT FROM {b}" if self.vendor == "postgresql" else f"{a} IS NOT {b}"

    def since_last_reached(self, contact_scope: str) -> str:
        """Each enrolment's contacts from its last reached one on. PostgreSQL: an index range scan per
        enrolment (LATERAL) reads the one to three rows it needs; a join would hash the whole chunk."""
        columns = "c.occurred_at, c.occurred_on, c.outcome, c.next_contact_due"
        if self.vendor == "postgresql":
            return f"""SELECT r.enrollment_id, {columns}, r.last_reached_at
    FROM reached r CROSS JOIN LATERAL (
        SELECT {columns} FROM contacts_contact c
        WHERE c.enrollment_id = r.enrollment_id
          AND c.occurred_at >= COALESCE(r.last_reached_at, '-infinity'::timestamptz)
    ) c"""
        return f"""SELECT c.enrollment_id, {columns}, r.last_reached_at
    FROM contacts_contact c JOIN reached r ON r.enrollment_id = c.enrollment_id
    WHERE (r.last_reached_at IS NULL OR c.occurred_at >= r.last_reached_at) {contact_scope}"""

    def later(self, a: str, b: str) -> str:
        """The later of two nullable dates (SQLite's two-argument MAX is NULL when either is)."""
        if self.vendor == "postgresql":
            return f"GREATEST({a}, {b})"
        return f"CASE WHEN {a} IS NULL THEN {b} WHEN {b} IS NULL OR {a} >= {b} THEN {a} ELSE {b} END"

    @property
    def materialized(self) -> str:
        # Computed once and read four times; SQLite decides for itself.
        return "AS MATERIALIZED" if self.vendor == "postgresql" else "AS"

    @property
    def true(self) -> str:
        return "TRUE" if self.vendor == "postgresql" else "1"


_STATUS_LIST = ", ".join(f"'{s}'" for s in FOLLOW_UP_STATUSES)


@dataclass(frozen=True)
class Scope:
    """Which enrolments to recompute: a condition template on an enrolment id column (`{col}`), applied
    to every table read (enrolments, contacts, assignments, state), with named parameters."""

    condition: str = ""
    params: dict[str, int] = field(default_factory=dict)

    def on(self, column: str) -> str:
        return self.condition.format(col=column)

    def __and__(self, other: Scope) -> Scope:
        return Scope(f"{self.condition} {other.condition}", {**self.params, **other.params})

    @classmethod
    def enrollments(cls, ids: tuple[int, ...]) -> Scope:
        names = [f"id{i}" for i in range(len(ids))]
        marks = ", ".join(f"%({n})s" for n in names)
        return cls(f"AND {{col}} IN ({marks})", dict(zip(names, ids, strict=True)))

    @classmethod
    def id_range(cls, first: int, last: int) -> Scope:
        """Enrolment ids first..last: index range scans, so a chunk costs what its own rows cost."""
        return cls("AND {col} BETWEEN %(first)s AND %(last)s", {"first": first, "last": last})

    @classmethod
    def program(cls, program_id: int) -> Scope:
        return cls(
            "AND {col} IN (SELECT id FROM programs_enrollment WHERE program_id = %(program)s)",
            {"program": program_id},
        )


_REACHED_COLUMNS = ("last_reached_at", "last_reached_on", *(f"last_{code}_on" for code in FUNCTION_FIELDS))


def _reached_sql(d: Dialect) -> str:
    """Contacts and the other channels together: the later of the two for every column. A full outer
    join of contact_totals and delivered, written as a join plus the delivered-only rows."""
    both = ", ".join(f"{d.later(f'ct.{c}', f'dl.{c}')} AS {c}" for c in _REACHED_COLUMNS)
    only = ", ".join(f"dl.{c}" for c in _REACHED_COLUMNS)
    return f"""SELECT ct.enrollment_id, {both}
    FROM contact_totals ct LEFT JOIN delivered dl ON dl.enrollment_id = ct.enrollment_id
    UNION ALL
    SELECT dl.enrollment_id, {only}
    FROM delivered dl
    WHERE NOT EXISTS (SELECT 1 FROM contact_totals ct WHERE ct.enrollment_id = dl.enrollment_id)"""


def _delivered_sql(scope: Scope) -> str:
    """Per enrolment in scope, when it was last reached outside contacts (a group session attended, ...)
    and the last day each function was delivered that way."""
    others = deliveries.union_sql(exclude=("contacts",))
    latest = ", ".join(
        f"MAX(CASE WHEN d.{column} THEN d.occurred_on END) AS last_{code}_on"
        for code, column in FUNCTION_FIELDS.items()
    )
    if not others:
        nulls = ", ".join(f"NULL AS {c}" for c in _REACHED_COLUMNS)
        return f"SELECT NULL AS enrollment_id, {nulls} WHERE 1 = 0"
    return f"""SELECT d.enrollment_id, MAX(CASE WHEN d.reaches = 1 THEN d.occurred_at END) AS last_reached_at,
           MAX(CASE WHEN d.reaches = 1 THEN d.occurred_on END) AS last_reached_on,
           {latest}
    FROM ({others}) d
    WHERE 1 = 1 {scope.on("d.enrollment_id")}
    GROUP BY d.enrollment_id"""


def _state_sql(d: Dialect, scope: Scope) -> str:
    """INSERT ... SELECT ... ON CONFLICT DO UPDATE for every enrolment in FOLLOW_UP_STATUSES within the
    scope. Parameters: scope.params and now.
    Contacts of enrolments outside FOLLOW_UP_STATUSES are aggregated too when in scope; the final
    join from `e` drops them, which is cheaper than joining every contact to `e` first."""
    since_reached = "(s.last_reached_at IS NULL OR s.occurred_at > s.last_reached_at)"
    update = ", ".join(f"{c} = excluded.{c}" for c in STATE_COLUMNS)
    changed = " OR ".join(d.distinct(f"followup_followupstate.{c}", f"excluded.{c}") for c in STATE_COLUMNS)
    # INSERT first and the CTEs inside it: Python 3.11's sqlite3 reports rowcount -1 for a statement that
    # starts with WITH, which would hide how many rows changed. PostgreSQL accepts both forms.
    return f"""
INSERT INTO followup_followupstate (enrollment_id, {", ".join(STATE_COLUMNS)}, computed_at)
WITH e AS (
    SELECT en.id, en.participant_id, en.program_id, en.enrolled_on
    FROM programs_enrollment en
    WHERE en.status IN ({_STATUS_LIST}) {scope.on("en.id")}
),
contact_totals AS (
    -- One pass over every contact of the enrolments in scope.
    SELECT c.enrollment_id,
           MAX(CASE WHEN c.outcome = 'reached' THEN c.occurred_at END) AS last_reached_at,
           MAX(CASE WHEN c.outcome = 'reached' THEN c.occurred_on END) AS last_reached_on,
           MAX(CASE WHEN c.outcome = 'reached' AND c.fn_daily_management THEN c.occurred_on END)
               AS last_daily_management_on,
           MAX(CASE WHEN c.outcome = 'reached' AND c.fn_social_emotional THEN c.occurred_on END)
               AS last_social_emotional_on,
           MAX(CASE WHEN c.outcome = 'reached' AND c.fn_linkage THEN c.occurred_on END) AS last_linkage_on,
           MAX(CASE WHEN c.outcome = 'reached' AND c.fn_ongoing THEN c.occurred_on END) AS last_ongoing_on
    FROM contacts_contact c
    WHERE 1 = 1 {scope.on("c.enrollment_id")}
    GROUP BY c.enrollment_id
),
delivered AS (
    -- Reached outside contacts (group sessions attended, ...): see programs.deliveries.
    {_delivered_sql(scope)}
),
reached AS (
    {_reached_sql(d)}
),
since {d.materialized} (
    -- The few contacts from the last reached one on: unanswered attempts and open promises.
    {d.since_last_reached(scope.on("c.enrollment_id"))}
),
failed AS (
    SELECT s.enrollment_id, COUNT(*) AS n, MAX(s.occurred_at) AS last_failed_at,
           MAX(s.occurred_on) AS last_failed_on
    FROM since s
    WHERE s.outcome <> 'reached' AND {since_reached}
    GROUP BY s.enrollment_id
),
failed_detail AS (
    SELECT f.enrollment_id,
           MAX(CASE WHEN s.occurred_at = f.last_failed_at THEN s.outcome END) AS last_outcome,
           SUM(CASE WHEN {d.days_between("f.last_failed_on", "s.occurred_on")}
                         < COALESCE(ru.failed_attempts_window_days, 14) THEN 1 ELSE 0 END) AS in_window
    FROM failed f
    JOIN e ON e.id = f.enrollment_id
    JOIN since s ON s.enrollment_id = f.enrollment_id
    LEFT JOIN followup_followuprules ru ON ru.program_id = e.program_id
    WHERE s.outcome <> 'reached' AND {since_reached}
    GROUP BY f.enrollment_id
),
promise_at AS (
    SELECT s.enrollment_id, MAX(s.occurred_at) AS at
    FROM since s
    WHERE s.next_contact_due IS NOT NULL
    GROUP BY s.enrollment_id
),
promise AS (
    SELECT p.enrollment_id, MAX(s.next_contact_due) AS due
    FROM promise_at p JOIN since s ON s.enrollment_id = p.enrollment_id AND s.occurred_at = p.at
    WHERE s.next_contact_due IS NOT NULL
    GROUP BY p.enrollment_id
),
windows AS (
    SELECT w.policy_id, w.start_day, w.end_day,
           LAG(w.start_day) OVER (PARTITION BY w.policy_id ORDER BY w.start_day) AS previous_start
    FROM followup_cadencewindow w
),
current_assignment AS (
    SELECT a.enrollment_id,
           COALESCE(MIN(CASE WHEN a.is_primary THEN a.id END), MIN(a.id)) AS id
    FROM programs_assignment a
    WHERE a.ended_at IS NULL {scope.on("a.enrollment_id")}
    GROUP BY a.enrollment_id
),
assignment AS (
    SELECT a.enrollment_id, a.supporter_id, a.assigned_at
    FROM programs_assignment a JOIN current_assignment ca ON ca.id = a.id
    WHERE 1 = 1 {scope.on("a.enrollment_id")}
),
schedule AS (
    SELECT e.id AS enrollment_id, e.participant_id, e.program_id, e.enrolled_on,
           COALESCE(po.id, pp.id) AS policy_id,
           COALESCE(po.kind, pp.kind) AS kind,
           COALESCE(po.interval_days, pp.interval_days) AS interval_days,
           COALESCE(po.grace_days, pp.grace_days) AS grace_days,
           COALESCE({d.days_between("r.last_reached_on", "e.enrolled_on")}, -100000) AS last_day
    FROM e
    LEFT JOIN reached r ON r.enrollment_id = e.id
    LEFT JOIN followup_cadencepolicy po ON po.enrollment_id = e.id
    LEFT JOIN followup_cadencepolicy pp ON pp.program_id = e.program_id
)
SELECT s.enrollment_id, s.participant_id, s.program_id, a.supporter_id, a.assigned_at, s.enrolled_on,
       CASE WHEN s.kind = 'interval'
            THEN {d.add_days("COALESCE(r.last_reached_on, s.enrolled_on)", "s.interval_days")}
            WHEN w.start_day IS NOT NULL THEN {d.add_days("s.enrolled_on", "w.start_day")} END,
       CASE WHEN s.kind = 'interval'
            THEN {d.add_days("COALESCE(r.last_reached_on, s.enrolled_on)", "s.interval_days + s.grace_days")}
            WHEN w.start_day IS NOT NULL THEN {d.add_days("s.enrolled_on", "w.end_day")} END,
       CASE WHEN s.kind IN ('phases', 'windows') AND w.start_day IS NULL THEN {d.true} ELSE NOT {d.true} END,
       r.last_reached_at, r.last_reached_on,
       COALESCE(f.n, 0), f.last_failed_on, COALESCE(fd.last_outcome, ''),
       CASE WHEN f.n > 0 AND fd.last_outcome <> 'wrong_number'
            THEN {d.add_days("f.last_failed_on", "COALESCE(ru.retry_after_days, 1)")} END,
       CASE WHEN COALESCE(fd.in_window, 0) >= COALESCE(ru.max_failed_attempts, 3) THEN {d.true}
            ELSE NOT {d.true} END,
       p.due,
       (SELECT MIN(ap.scheduled_for) FROM followup_callappointment ap
         WHERE ap.enrollment_id = s.enrollment_id AND ap.status = 'scheduled'),
       r.last_daily_management_on, r.last_social_emotional_on, r.last_linkage_on, r.last_ongoing_on,
       %(now)s
FROM schedule s
-- The current window is the first to start after the day of the last reached contact: the one whose
-- predecessor started on or before that day (a join on the few windows of each policy, not a subquery
-- per enrolment).
LEFT JOIN windows w ON w.policy_id = s.policy_id AND w.start_day > s.last_day
                   AND (w.previous_start IS NULL OR w.previous_start <= s.last_day)
LEFT JOIN reached r ON r.enrollment_id = s.enrollment_id
LEFT JOIN failed f ON f.enrollment_id = s.enrollment_id
LEFT JOIN failed_detail fd ON fd.enrollment_id = s.enrollment_id
LEFT JOIN promise p ON p.enrollment_id = s.enrollment_id
LEFT JOIN assignment a ON a.enrollment_id = s.enrollment_id
LEFT JOIN followup_followuprules ru ON ru.program_id = s.program_id
WHERE {d.true}
ON CONFLICT (enrollment_id) DO UPDATE SET {update}, computed_at = excluded.computed_at
WHERE {changed}
"""


def _delete_sql(scope: Scope) -> str:
    return f"""
DELETE FROM followup_followupstate
WHERE NOT EXISTS (
    SELECT 1 FROM programs_enrollment en
    WHERE en.id = followup_followupstate.enrollment_id AND en.status IN ({_STATUS_LIST})
) {scope.on("followup_followupstate.enrollment_id")}
"""


@dataclass(frozen=True)
class RecomputeResult:
    written: int  # rows inserted or changed
    deleted: int


def _run(scope: Scope) -> RecomputeResult:
    d = Dialect(connection.vendor)
    with connection.cursor() as cursor:
        if d.vendor == "postgresql":
            # The planner's row estimates for joins between aggregates are huge, which switches on JIT
            # compilation: seconds of compiling for a statement that runs in milliseconds per enrolment.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(_state_sql(d, scope), {**scope.params, "now": timezone.now()})
        written = cursor.rowcount
        cursor.execute(_delete_sql(scope), scope.params)
        deleted = cursor.rowcount
    return RecomputeResult(written=max(written, 0), deleted=max(deleted, 0))


def _lock_chunks(first_id: int, last_id: int, *, shared: bool) -> None:
    """Advisory locks on the lock chunks (FOLLOWUP_RECOMPUTE_CHUNK enrolment ids each) covering
    first_id..last_id, in ascending order so that two lockers never deadlock. A full recompute of a
    chunk locks it exclusively; an incremental update shares it."""
    if connection.vendor != "postgresql":
        return
    size = settings.FOLLOWUP_RECOMPUTE_CHUNK
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        for chunk in range(first_id // size, last_id // size + 1):
            cursor.execute(f"SELECT {function}(%s, %s)", [ADVISORY_LOCK_KEY, chunk])


def _recompute_range(first: int, last: int, extra: Scope | None = None) -> RecomputeResult:
    with transaction.atomic():
        _lock_chunks(first, last, shared=False)
        _set_work_mem()
        scope = Scope.id_range(first, last)
        return _run(scope & extra if extra else scope)


def _recompute_ranges(ranges: list[tuple[int, int]], extra: Scope | None, workers: int) -> RecomputeResult:
    """Runs the ranges one after another, or on `workers` threads with a connection each (the database
    does the work, so threads use both cores). Precondition for workers > 1: no open transaction, since
    other connections could not see its writes."""
    if workers <= 1 or len(ranges) <= 1:
        results = [_recompute_range(first, last, extra) for first, last in ranges]
    else:

        def run(first: int, last: int) -> RecomputeResult:
            try:
                return _recompute_range(first, last, extra)
            finally:
                connection.close()

        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(lambda r: run(*r), ranges))
    return RecomputeResult(written=sum(r.written for r in results), deleted=sum(r.deleted for r in results))


def _id_ranges(size: int, enrollments: Any) -> list[tuple[int, int]]:
    bounds = enrollments.aggregate(first=Min("pk"), last=Max("pk"))
    if bounds["first"] is None:
        return []
    start = bounds["first"] - bounds["first"] % size
    return [(first, first + size - 1) for first in range(start, bounds["last"] + 1, size)]


def recompute_all(chunk_size: int | None = None, workers: int | None = None) -> RecomputeResult:
    """Recomputes every enrolment's state from the data, in chunks of enrolment ids, each in its own
    short transaction, so an incremental update waits for at most one chunk. On PostgreSQL outside a
    transaction, chunks run on FOLLOWUP_RECOMPUTE_WORKERS threads. Safe to run concurrently with itself
    and with incremental updates; a second run with no new data writes nothing. Memory use is the
    database's, per chunk; no rows come into Python."""
    size = chunk_size or settings.FOLLOWUP_RECOMPUTE_CHUNK
    if workers is None:
        parallel = connection.vendor == "postgresql" and not connection.in_atomic_block
        workers = settings.FOLLOWUP_RECOMPUTE_WORKERS if parallel else 1
    # A state row cannot outlive its enrolment (ON DELETE CASCADE), so the chunks cover every row.
    return _recompute_ranges(_id_ranges(size, Enrollment.objects.all()), None, workers)


def _set_work_mem() -> None:
    if connection.vendor == "postgresql":
        # A chunk aggregates tens of thousands of enrolments' contacts; the 4 MB default would spill
        # sorts and hashes to disk. For this transaction only.
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL work_mem = '{settings.FOLLOWUP_RECOMPUTE_WORK_MEM}'")


def refresh(enrollment_ids: Iterable[int]) -> RecomputeResult:
    """Recomputes the state of the given enrolments (after a contact, status change, assignment,
    appointment or cadence change). Cost depends on those enrolments' own contacts, not on table size.
    Joins the caller's transaction if there is one."""
    ids = tuple(sorted(set(enrollment_ids)))
    if not ids:
        return RecomputeResult(0, 0)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _lock_chunks(ids[0], ids[-1], shared=True)
            # Serialises two updates of one enrolment, so the later sees the earlier's contact.
            list(Enrollment.objects.select_for_update(no_key=True).filter(pk__in=ids).values_list("pk", flat=True))
        return _run(Scope.enrollments(ids))


def refresh_program(program_id: int) -> RecomputeResult:
    """After a program's cadence or rules change: recompute its enrolments, set-based, chunk by chunk
    within the caller's transaction (a coordinator's save)."""
    size = settings.FOLLOWUP_RECOMPUTE_CHUNK
    ranges = _id_ranges(size, Enrollment.objects.filter(program_id=program_id))
    stale = FollowUpState.objects.filter(program_id=program_id).aggregate(first=Min("pk"), last=Max("pk"))
    if stale["first"] is not None:  # rows of enrolments that moved out of the program's id span
        ranges = sorted(set(ranges) | set(_id_ranges(size, FollowUpState.objects.filter(program_id=program_id))))
    return _recompute_ranges(ranges, Scope.program(program_id), workers=1)
