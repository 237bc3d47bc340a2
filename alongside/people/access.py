"""The one place that decides what each role may see. Every page, endpoint and export filters through
these functions; no view builds its own filter. Anything outside the visible set is a 404, so a record's
existence is not disclosed either.

    admin, coordinator, supervisor   their organization's programs and people
    professional                     participants enrolled in programs they are a clinical lead of
    supporter                        participants they are currently assigned to
    participant                      themself
    evaluator                        aggregates only: no participant-level records
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.http import Http404

from alongside.accounts.models import MANAGING_ROLES, Role, User
from alongside.people.models import Participant, Supporter
from alongside.programs.models import Enrollment, Program

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from alongside.contacts.models import Contact
    from alongside.safety.models import Concern

ORGANIZATION_WIDE_ROLES = (Role.ADMIN, Role.COORDINATOR, Role.SUPERVISOR)


def _user(user: User | AnonymousUser) -> User | None:
    return user if isinstance(user, User) and user.is_active else None


def is_organization_wide(user: User | AnonymousUser) -> bool:
    u = _user(user)
    return u is not None and (u.is_superuser or u.role in ORGANIZATION_WIDE_ROLES)


def can_manage(user: User | AnonymousUser) -> bool:
    """May create programs, people and enrolments (admins and coordinators)."""
    u = _user(user)
    return u is not None and (u.is_superuser or u.role in MANAGING_ROLES)


def can_see_aggregates(user: User | AnonymousUser) -> bool:
    u = _user(user)
    return u is not None and (u.is_superuser or u.role in (*ORGANIZATION_WIDE_ROLES, Role.EVALUATOR))


def _org_filter(u: User, field: str = "organization") -> Q:
    return Q() if u.is_superuser else Q(**{field: u.organization_id})


def participants_visible_to(user: User | AnonymousUser) -> QuerySet[Participant]:
    u = _user(user)
    qs = Participant.objects.all()
    if u is None:
        return qs.none()
    if u.is_superuser or u.role in ORGANIZATION_WIDE_ROLES:
        return qs.filter(_org_filter(u))
    if u.role == Role.SUPPORTER:
        return qs.filter(
            organization=u.organization_id,
            enrollments__assignments__supporter__user=u,
            enrollments__assignments__ended_at__isnull=True,
        ).distinct()
    if u.role == Role.PROFESSIONAL:
        return qs.filter(organization=u.organization_id, enrollments__program__clinical_leads=u).distinct()
    if u.role == Role.PARTICIPANT:
        return qs.filter(user=u)
    return qs.none()


def access_participant(user: User | AnonymousUser, participant_id: Any) -> Participant:
    """The participant if the user may see them, else Http404 (never 403: existence is not disclosed)."""
    try:
        return participants_visible_to(user).get(pk=int(participant_id))
    except (Participant.DoesNotExist, TypeError, ValueError) as error:
        raise Http404("No such participant.") from error


def programs_visible_to(user: User | AnonymousUser) -> QuerySet[Program]:
    u = _user(user)
    qs = Program.objects.all()
    if u is None:
        return qs.none()
    if u.role == Role.PARTICIPANT and not u.is_superuser:
        return qs.filter(enrollments__participant__user=u).distinct()
    return qs.filter(_org_filter(u))


def access_program(user: User | AnonymousUser, program_id: Any) -> Program:
    try:
        return programs_visible_to(user).get(pk=int(program_id))
    except (Program.DoesNotExist, TypeError, ValueError) as error:
        raise Http404("No such program.") from error


def supporters_visible_to(user: User | AnonymousUser) -> QuerySet[Supporter]:
    u = _user(user)
    qs = Supporter.objects.select_related("user")
    if u is None:
        return qs.none()
    if u.is_superuser or u.role in (*ORGANIZATION_WIDE_ROLES, Role.PROFESSIONAL):
        return qs.filter(_org_filter(u))
    if u.role == Role.SUPPORTER:
        return qs.filter(user=u)
    if u.role == Role.PARTICIPANT:
        return qs.filter(assignments__enrollment__participant__user=u, assignments__ended_at__isnull=True).distinct()
    return qs.none()


def access_supporter(user: User | AnonymousUser, supporter_id: Any) -> Supporter:
    try:
        return supporters_visible_to(user).get(pk=int(supporter_id))
    except (Supporter.DoesNotExist, TypeError, ValueError) as error:
        raise Http404("No such supporter.") from error


def enrollments_visible_to(user: User | AnonymousUser) -> QuerySet[Enrollment]:
    u = _user(user)
    qs = Enrollment.objects.all()
    if u is None:
        return qs.none()
    if u.is_superuser or u.role in ORGANIZATION_WIDE_ROLES:
        return qs.filter(_org_filter(u, "program__organization"))
    if u.role == Role.SUPPORTER:
        # Only the enrolments they work on, not the same person's other programs.
        return qs.filter(assignments__supporter__user=u, assignments__ended_at__isnull=True).distinct()
    if u.role == Role.PROFESSIONAL:
        return qs.filter(program__organization=u.organization_id, program__clinical_leads=u).distinct()
    if u.role == Role.PARTICIPANT:
        return qs.filter(participant__user=u)
    return qs.none()


def access_enrollment(user: User | AnonymousUser, enrollment_id: Any) -> Enrollment:
    try:
        return enrollments_visible_to(user).get(pk=int(enrollment_id))
    except (Enrollment.DoesNotExist, TypeError, ValueError) as error:
        raise Http404("No such enrolment.") from error


def contacts_visible_to(user: User | AnonymousUser) -> QuerySet[Contact]:
    from alongside.contacts.models import Contact

    return Contact.objects.filter(enrollment__in=enrollments_visible_to(user))


def concerns_visible_to(user: User | AnonymousUser) -> QuerySet[Concern]:
    from alongside.safety.models import Concern

    u = _user(user)
    if u is None or u.role == Role.EVALUATOR:
        return Concern.objects.none()
    return Concern.objects.filter(participant__in=participants_visible_to(u))


def can_log_contact(user: User | AnonymousUser, enrollment: Enrollment) -> bool:
    """Assigned supporters log contacts; coordinators and supervisors may log on a supporter's behalf."""
    u = _user(user)
    if u is None:
        return False
    if u.is_superuser or u.role in ORGANIZATION_WIDE_ROLES:
        return u.is_superuser or enrollment.program.organization_id == u.organization_id
    if u.role == Role.SUPPORTER:
        return enrollment.assignments.filter(supporter__user=u, ended_at__isnull=True).exists()
    return False


def can_read_access_log(user: User | AnonymousUser) -> bool:
    u = _user(user)
    return u is not None and (u.is_superuser or u.role == Role.ADMIN)
