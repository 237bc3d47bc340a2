"""Reads about group series: completion figures, rosters with attendance, and who leads what today.

Completion follows the published convention for workshops: a participant "starts" a series by
attending one session; the completion rate is completers among starters, and mean attendance is the
sessions attended per starter (national figures: ~75% and 4.9 of 6). People who dropped out after
starting count as non-completers. Everything is a fixed number of aggregate queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection
from django.db.models import Count, Q, QuerySet
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
from alongside.raw_sql import ids_subquery


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


def series_figures(series: QuerySet[GroupSeries], now: datetime | None = None) -> dict[int, SeriesFigures]:
    """{series id: SeriesFigures}. Two aggregate queries, whatever the number of series or people."""
    now = now or timezone.now()
    sessions = {
        row["series"]: row
        for row in GroupSession.objects.filter(series__in=series.values("pk"), status=SessionStatus.SCHEDULED)
        .values("series")
        .annotate(planned=Count("pk"), held=Count("pk", filter=Q(starts_at__lte=now)))
    }
    scope = ids_subquery(series)
    if scope is None:
        return {}
    scope_sql, scope_params = scope
    attended = ", ".join(f"'{status}'" for status in ATTENDED_STATUSES)
    # Each registration's sessions attended and each series' planned sessions are counted once, in derived
    # tables, then combined per series (correlated subqueries per registration were 20x slower at 2,000
    # series on PostgreSQL). The completion rule in integers: attended * of >= min * planned.
    sql = f"""
SELECT r.series_id,
       SUM(CASE WHEN r.status = %s THEN 1 ELSE 0 END),
       SUM(CASE WHEN r.status = %s THEN 1 ELSE 0 END),
       SUM(CASE WHEN r.status = %s THEN 1 ELSE 0 END),
       SUM(CASE WHEN COALESCE(a.n, 0) > 0 THEN 1 ELSE 0 END),
       SUM(CASE WHEN COALESCE(a.n, 0) > 0 AND COALESCE(p.n, 0) > 0
                 AND a.n * gs.completion_of_sessions >= gs.completion_min_attended * p.n THEN 1 ELSE 0 END),
       SUM(COALESCE(a.n, 0))
FROM groups_registration r
JOIN groups_groupseries gs ON gs.id = r.series_id
LEFT JOIN (
    SELECT at.registration_id, COUNT(*) AS n
    FROM groups_attendance at JOIN groups_groupsession s ON s.id = at.session_id
    WHERE at.status IN ({attended}) AND s.status = %s AND s.series_id IN ({scope_sql})
    GROUP BY at.registration_id
) a ON a.registration_id = r.id
LEFT JOIN (
    SELECT s.series_id, COUNT(*) AS n FROM groups_groupsession s
    WHERE s.status = %s AND s.series_id IN ({scope_sql})
    GROUP BY s.series_id
) p ON p.series_id = r.series_id
WHERE r.series_id IN ({scope_sql})
GROUP BY r.series_id"""
    params = [
        RegistrationStatus.REGISTERED.value,
        RegistrationStatus.WAITLISTED.value,
        RegistrationStatus.DROPPED.value,
        SessionStatus.SCHEDULED.value,
        *scope_params,
        SessionStatus.SCHEDULED.value,
        *scope_params,
        *scope_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = ("registered", "waitlisted", "dropped", "starters", "completers", "attended_total")
        people = [
            {"series": row[0], **{c: int(v or 0) for c, v in zip(columns, row[1:], strict=True)}} for row in cursor
        ]
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
