"""Reads about group series: completion figures, rosters with attendance, and who leads what today.

Completion follows the published convention for workshops: a participant "starts" a series by
attending one session; the completion rate is completers among starters, and mean attendance is the
sessions attended per starter (national figures: ~75% and 4.9 of 6). People who dropped out after
starting count as non-completers. Everything is a fixed number of aggregate queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from alongside.accounts.models import User
from alongside.groups.models import (
    ATTENDED_STATUSES,
    Attendance,
    GroupSeries,
    GroupSession,
    Registration,
    RegistrationStatus,
    SessionStatus,
)


@dataclass(frozen=True)
class SeriesFigures:
    """One series' figures. planned = sessions not cancelled; held = those already started."""

    series_id: int
    planned: int
    held: int
    registered: int
    waitlisted: int
    dropped: int
    starters: int
    completers: int
    attended_total: int  # sessions attended, summed over starters

    @property
    def finished(self) -> bool:
        return self.planned > 0 and self.held == self.planned

    @property
    def completion_rate(self) -> float | None:
        return self.completers / self.starters if self.starters else None

    @property
    def mean_attendance(self) -> float | None:
        return self.attended_total / self.starters if self.starters else None


def _planned_sessions() -> Subquery:
    return Subquery(
        GroupSession.objects.filter(series=OuterRef("series"), status=SessionStatus.SCHEDULED)
        .values("series")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    )


def series_figures(series: QuerySet[GroupSeries], now: datetime | None = None) -> dict[int, SeriesFigures]:
    """{series id: SeriesFigures}. Two aggregate queries, whatever the number of series or people."""
    now = now or timezone.now()
    sessions = {
        row["series"]: row
        for row in GroupSession.objects.filter(series__in=series.values("pk"), status=SessionStatus.SCHEDULED)
        .values("series")
        .annotate(planned=Count("pk"), held=Count("pk", filter=Q(starts_at__lte=now)))
    }
    attended = Subquery(
        Attendance.objects.filter(
            registration=OuterRef("pk"), status__in=ATTENDED_STATUSES, session__status=SessionStatus.SCHEDULED
        )
        .values("registration")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    )
    people = (
        Registration.objects.filter(series__in=series.values("pk"))
        .annotate(
            attended=Coalesce(attended, Value(0)),
            planned=Coalesce(_planned_sessions(), Value(0)),
            # The completion rule in integers: attended * of >= min * planned.
            margin=F("attended") * F("series__completion_of_sessions")
            - F("series__completion_min_attended") * F("planned"),
        )
        .values("series")
        .annotate(
            registered=Count("pk", filter=Q(status=RegistrationStatus.REGISTERED)),
            waitlisted=Count("pk", filter=Q(status=RegistrationStatus.WAITLISTED)),
            dropped=Count("pk", filter=Q(status=RegistrationStatus.DROPPED)),
            starters=Count("pk", filter=Q(attended__gt=0)),
            completers=Count("pk", filter=Q(attended__gt=0, margin__gte=0, planned__gt=0)),
            attended_total=Coalesce(Sum("attended"), Value(0)),
        )
    )
    by_series = {row["series"]: row for row in people}
    result: dict[int, SeriesFigures] = {}
    for series_id in series.values_list("pk", flat=True):
        s = sessions.get(series_id, {})
        p = by_series.get(series_id, {})
        result[series_id] = SeriesFigures(
            series_id=series_id,
            planned=s.get("planned", 0),
            held=s.get("held", 0),
            registered=p.get("registered", 0),
            waitlisted=p.get("waitlisted", 0),
            dropped=p.get("dropped", 0),
            starters=p.get("starters", 0),
            completers=p.get("completers", 0),
            attended_total=p.get("attended_total", 0),
        )
    return result


@dataclass(frozen=True)
class ProgramGroupFigures:
    """A program's figures over its finished series of one kind (a series still running would pull the
    rate down only because it has not finished)."""

    program_id: int
    kind: str
    series_finished: int
    series_running: int
    starters: int
    completers: int
    attended_total: int
    planned_total: int  # sessions planned, summed over starters (mean attendance is "x of y")

    @property
    def completion_rate(self) -> float | None:
        return self.completers / self.starters if self.starters else None

    @property
    def mean_attendance(self) -> float | None:
        return self.attended_total / self.starters if self.starters else None

    @property
    def mean_planned(self) -> float | None:
        return self.planned_total / self.starters if self.starters else None


def program_figures(series: QuerySet[GroupSeries], now: datetime | None = None) -> list[ProgramGroupFigures]:
    """Per program and kind of series, from series_figures (a handful of queries in all)."""
    figures = series_figures(series, now)
    totals: dict[tuple[int, str], dict[str, int]] = {}
    for series_id, program_id, kind in series.values_list("pk", "program", "kind"):
        f = figures[series_id]
        t = totals.setdefault((program_id, kind), dict.fromkeys(("done", "running", "s", "c", "a", "p"), 0))
        if not f.finished:
            t["running"] += 1
            continue
        t["done"] += 1
        t["s"] += f.starters
        t["c"] += f.completers
        t["a"] += f.attended_total
        t["p"] += f.planned * f.starters
    return [
        ProgramGroupFigures(
            program_id=program_id,
            kind=kind,
            series_finished=t["done"],
            series_running=t["running"],
            starters=t["s"],
            completers=t["c"],
            attended_total=t["a"],
            planned_total=t["p"],
        )
        for (program_id, kind), t in sorted(totals.items())
    ]


@dataclass(frozen=True)
class RosterLine:
    registration: Registration
    attendance: Attendance | None
    attended_so_far: int


def roster(session: GroupSession) -> list[RosterLine]:
    """Everyone expected at the session (registered, or dropped out after it), with their mark for this
    session and how many sessions they have attended. Two queries."""
    registrations = (
        Registration.objects.filter(series=session.series_id)
        .filter(
            Q(status=RegistrationStatus.REGISTERED)
            | Q(status=RegistrationStatus.DROPPED, dropped_at__gt=session.starts_at)
        )
        .select_related("participant")
        .annotate(
            attended_so_far=Count(
                "attendance",
                filter=Q(attendance__status__in=ATTENDED_STATUSES, attendance__session__status=SessionStatus.SCHEDULED),
            )
        )
        .order_by("participant__preferred_name", "participant__family_name", "pk")
    )
    marks = {a.registration_id: a for a in Attendance.objects.filter(session=session)}
    return [RosterLine(r, marks.get(r.pk), r.attended_so_far) for r in registrations]


def sessions_led_by(user: User, day: date) -> QuerySet[GroupSession]:
    """Sessions on `day` (each series' own calendar) of series the user facilitates."""
    return (
        GroupSession.objects.filter(series__facilitators__user=user, starts_on=day, series__is_cancelled=False)
        .select_related("series__program")
        .order_by("starts_at")
    )


def upcoming_sessions_led_by(user: User, now: datetime | None = None, limit: int = 10) -> QuerySet[GroupSession]:
    now = now or timezone.now()
    return (
        GroupSession.objects.filter(series__facilitators__user=user, starts_at__gte=now, series__is_cancelled=False)
        .select_related("series__program")
        .order_by("starts_at")[:limit]
    )
