"""Function coverage computed the slow, obvious way, to check the set-based queries against."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from alongside.contacts.models import Contact
from alongside.programs.models import EnrollmentStatus, Program
from alongside.taxonomy import FUNCTION_FIELDS, KeyFunction, Outcome


def independent_coverage(program: Program, days: int) -> dict[str, tuple[int, int]]:
    """{function: (active enrolments covered, active enrolments)} by walking every contact in Python."""
    since = timezone.now() - timedelta(days=days)
    active = {e.pk for e in program.enrollments.all() if e.status == EnrollmentStatus.ACTIVE}
    covered: dict[str, set[int]] = {f.value: set() for f in KeyFunction}
    for contact in Contact.objects.all():
        if contact.enrollment_id in active and contact.outcome == Outcome.REACHED and contact.occurred_at > since:
            for function, column in FUNCTION_FIELDS.items():
                if getattr(contact, column):
                    covered[function].add(contact.enrollment_id)
    return {f: (len(ids), len(active)) for f, ids in covered.items()}
