"""Reads built on the contact log: caseloads, timelines and function coverage.

Every function here is a fixed number of set-based queries, whatever the number of participants or
contacts (tests assert the query counts; bench/ measures the time).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.db import connection
from django.db.models import Count, DateField, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Least, NullIf, TruncDate
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from alongside.accounts.models import Role, User
from alongside.contacts.models import Contact
from alongside.people.access import contacts_visible_to, enrollments_visible_to
from alongside.people.models import Participant, Supporter
from alongside.people.timeline import TimelineEvent
from alongside.programs import deliveries
from alongside.programs.models import CASELOAD_STATUSES, Enrollment, EnrollmentStatus, Program
from alongside.raw_sql import ids_subquery
from alongside.safety.models import Concern
from alongside.taxonomy import FUNCTION_FIELDS, KeyFunction, Outcome

COVERAGE_WINDOWS = (30, 90)


def contact_events(participant: Participant, viewer: User, limit: int) -> list[TimelineEvent]:
    contacts = (
        contacts_visible_to(viewer)
        .filter(participant=participant)
        .select_related("supporter__user", "recorded_by", "enrollment__program")
        .order_by("-occurred_at", "-id")[:limit]
    )
    kind = "contact_for_participant" if viewer.role == Role.PARTICIPANT else "contact"
    return [TimelineEvent(at=c.occurred_at, kind=kind, obj=c, functions=c.functions) for c in contacts]


def caseload(supporter: Supporter) -> QuerySet[Enrollment]:
    """The supporter's current enrolments with last contact, next contact due (from the follow-up engine's
    state) and open concerns.

    Each figure is a correlated subquery, so the page is one query however large the caseload.
    Ordered: open concerns first, then the soonest (or most overdue) next contact, then by name.
    """
    contacts = Contact.objects.filter(enrollment=OuterRef("pk")).order_by("-occurred_at", "-id")
    open_concerns = (
        Concern.objects.filter(participant=OuterRef("participant"), acknowledged_at__isnull=True)
        .values("participant")
        .annotate(n=Count("pk"))
        .values("n")
    )
    # The follow-up engine's state (a one-to-one join): the earliest of the cadence window's start, the
    # supporter's own promise, a retry of an unanswered call and a booked call. Each is coalesced to a
    # sentinel first because SQLite's MIN() of several values is NULL when any of them is.
    never = Value(date.max)
    next_due = NullIf(
        Least(
            Coalesce("follow_up__window_start", never),
            Coalesce("follow_up__promised_on", never),
            Coalesce("follow_up__retry_on", never),
            Coalesce(TruncDate("follow_up__appointment_at"), never),
            output_field=DateField(),
        ),
        never,
    )
    return (
        Enrollment.objects.filter(
            assignments__supporter=supporter,
            assignments__ended_at__isnull=True,
            status__in=CASELOAD_STATUSES,
        )
        .select_related("participant", "program")
        .annotate(
            last_reached_at=Subquery(contacts.filter(outcome=Outcome.REACHED).values("occurred_at")[:1]),
            last_attempt_at=Subquery(contacts.values("occurred_at")[:1]),
            next_contact_due=next_due,
            open_concerns=Coalesce(Subquery(open_concerns, output_field=IntegerField()), Value(0)),
        )
        .order_by("-open_concerns", Coalesce("next_contact_due", Value(date.max)), "participant__preferred_name")
    )


@dataclass
class Coverage:
    """Function coverage of one program over one window: active enrolments and how many of them
    received each key function (a reached contact tagged with it, a group session attended that served it,
    any channel in programs.deliveries) within the window."""

    days: int
    active: int = 0
    reached: int = 0
    by_function: dict[str, int] = field(default_factory=lambda: {f.value: 0 for f in KeyFunction})

    def share(self, function: str) -> float | None:
        return self.by_function[function] / self.active if self.active else None

    @property
    def rows(self) -> list[tuple[str, str, int, float | None]]:
        return [(f.value, f.label, self.by_function[f.value], self.share(f.value)) for f in KeyFunction]


def function_coverage(programs: QuerySet[Program], days: int, now: datetime | None = None) -> dict[int, Coverage]:
    """{program id: Coverage} for currently active enrolments, counting every channel that delivers the
    functions (programs.deliveries: contacts, group attendance, ...). Two aggregate queries in all."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    result: dict[int, Coverage] = {}
    active = (
        Enrollment.objects.filter(program__in=programs.values("pk"), status=EnrollmentStatus.ACTIVE)
        .values("program")
        .annotate(n=Count("pk"))
    )
    for row in active:
        result[row["program"]] = Coverage(days=days, active=row["n"])
    in_scope = Enrollment.objects.filter(program__in=programs.values("pk"), status=EnrollmentStatus.ACTIVE)
    scope = ids_subquery(in_scope)
    if scope is None:
        return result
    scope_sql, scope_params = scope
    flags = ", ".join(
        f"MAX(CASE WHEN d.{column} THEN 1 ELSE 0 END) AS {code}" for code, column in FUNCTION_FIELDS.items()
    )
    sums = ", ".join(f"SUM(per.{code})" for code in FUNCTION_FIELDS)
    sql = f"""
SELECT e.program_id, COUNT(*), {sums}
FROM (
    SELECT d.enrollment_id, {flags}
    FROM ({deliveries.union_sql()}) d
    WHERE d.occurred_at > %s AND d.occurred_at <= %s AND d.enrollment_id IN ({scope_sql})
    GROUP BY d.enrollment_id
) per JOIN programs_enrollment e ON e.id = per.enrollment_id
GROUP BY e.program_id"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [since, now, *scope_params])
        rows = cursor.fetchall()
    for program_id, reached, *counts in rows:
        coverage = result.setdefault(program_id, Coverage(days=days))
        coverage.reached = reached
        coverage.by_function = {code: int(n) for code, n in zip(FUNCTION_FIELDS, counts, strict=True)}
    return result


def last_function_dates(participant: Participant, viewer: User) -> dict[int, dict[str, datetime | None]]:
    """{enrollment id: {function: when it was last delivered, in any channel}} for one participant's
    enrolments the viewer may see. One query."""
    visible = enrollments_visible_to(viewer).filter(participant=participant)
    scope = ids_subquery(visible)
    if scope is None:
        return {}
    scope_sql, scope_params = scope
    latest = ", ".join(f"MAX(CASE WHEN d.{column} THEN d.occurred_at END)" for column in FUNCTION_FIELDS.values())
    sql = f"""
SELECT d.enrollment_id, {latest}
FROM ({deliveries.union_sql()}) d
WHERE d.enrollment_id IN ({scope_sql})
GROUP BY d.enrollment_id"""
    with connection.cursor() as cursor:
        cursor.execute(sql, scope_params)
        rows = cursor.fetchall()
    return {row[0]: {code: _as_datetime(v) for code, v in zip(FUNCTION_FIELDS, row[1:], strict=True)} for row in rows}


def _as_datetime(value: datetime | str | None) -> datetime | None:
    """A timestamp from raw SQL: PostgreSQL returns it aware; SQLite returns the stored UTC text."""
    if value is None or isinstance(value, datetime):
        return value
    parsed = parse_datetime(value)
    if parsed is None:
        raise ValueError(f"Not a timestamp: {value!r}")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)
