"""Reads built on the contact log: caseloads, timelines and function coverage.

Every function here is a fixed number of set-based queries, whatever the number of participants or
contacts (tests assert the query counts; bench/ measures the time).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, DateField, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Least, NullIf, TruncDate
from django.utils import timezone

from alongside.accounts.models import Role, User
from alongside.contacts.models import Contact
from alongside.people.access import contacts_visible_to
from alongside.people.models import Participant, Supporter
from alongside.people.timeline import TimelineEvent
from alongside.programs.models import CASELOAD_STATUSES, Enrollment, EnrollmentStatus, Program
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
    received each key function (a reached contact tagged with it) within the window."""

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
    """{program id: Coverage} for currently active enrolments. Two aggregate queries in all."""
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
    delivered = (
        Contact.objects.filter(
            enrollment__program__in=programs.values("pk"),
            enrollment__status=EnrollmentStatus.ACTIVE,
            outcome=Outcome.REACHED,
            occurred_at__gt=since,
            occurred_at__lte=now,
        )
        .values("enrollment__program")
        .annotate(
            reached=Count("enrollment", distinct=True),
            **{
                code: Count("enrollment", distinct=True, filter=Q(**{column: True}))
                for code, column in FUNCTION_FIELDS.items()
            },
        )
    )
    for row in delivered:
        coverage = result.setdefault(row["enrollment__program"], Coverage(days=days))
        coverage.reached = row["reached"]
        coverage.by_function = {code: row[code] for code in FUNCTION_FIELDS}
    return result


def last_function_dates(participant: Participant, viewer: User) -> dict[int, dict[str, datetime | None]]:
    """{enrollment id: {function: when it was last delivered}} for one participant, one query."""
    rows = (
        contacts_visible_to(viewer)
        .filter(participant=participant, outcome=Outcome.REACHED)
        .values("enrollment")
        .annotate(**{code: Max("occurred_at", filter=Q(**{column: True})) for code, column in FUNCTION_FIELDS.items()})
    )
    return {row["enrollment"]: {code: row[code] for code in FUNCTION_FIELDS} for row in rows}
