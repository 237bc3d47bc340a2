"""Reads for programs and enrolments: status counts and timeline events, each one query."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, QuerySet

from alongside.accounts.models import User
from alongside.people.access import enrollments_visible_to
from alongside.people.models import Participant
from alongside.people.timeline import TimelineEvent
from alongside.programs.models import EnrollmentTransition, Program


def status_counts(programs: QuerySet[Program]) -> dict[int, dict[str, int]]:
    """{program id: {status: number of enrolments}} in one GROUP BY query."""
    rows = (
        Program.objects.filter(pk__in=programs.values("pk"))
        .values("pk", "enrollments__status")
        .annotate(n=Count("enrollments"))
    )
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for row in rows:
        if row["enrollments__status"]:
            counts[row["pk"]][row["enrollments__status"]] = row["n"]
    return counts


def enrollment_events(participant: Participant, viewer: User, limit: int) -> list[TimelineEvent]:
    transitions = (
        EnrollmentTransition.objects.filter(
            enrollment__participant=participant, enrollment__in=enrollments_visible_to(viewer)
        )
        .select_related("enrollment__program", "changed_by")
        .order_by("-changed_at", "-id")[:limit]
    )
    return [TimelineEvent(at=t.changed_at, kind="transition", obj=t) for t in transitions]
