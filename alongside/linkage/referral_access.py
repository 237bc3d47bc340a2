"""Who sees and changes referrals. Every referral page, endpoint and timeline entry goes through here; out of
scope is a 404, as everywhere (people.access).

    admin, coordinator, supervisor   every referral of their organization's enrolments; make referrals and
                                     move them along the loop (send, record acceptance, book, close, cancel)
    supporter                        referrals of the enrolments they are currently assigned to; make them
                                     and move them along, like the organization-wide roles
    professional                     referrals addressed to them (to_professional) once sent (never a draft);
                                     they answer in their own view: accept, decline, book, complete, no-show
    participant                      their own referrals, read only, without the team's notes on each step
    evaluator                        none (aggregates only: referrals count in coverage)

Incoming referrals (a FHIR ServiceRequest) are recorded by organization-wide roles and by the
organization's professionals (a clinician referring someone to the program).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http import Http404

from alongside.accounts.models import Role, User
from alongside.linkage.models import REFERRAL_TRANSITIONS, Referral, ReferralStatus
from alongside.people.access import (
    ORGANIZATION_WIDE_ROLES,
    can_log_contact,
    can_manage,
    enrollments_visible_to,
    is_organization_wide,
)
from alongside.programs.models import OPEN_STATUSES, Enrollment, Program

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

# Roles that make referrals (for the enrolments they work on).
REFERRING_ROLES = (*ORGANIZATION_WIDE_ROLES, Role.SUPPORTER)
# What the receiving professional records; sending and cancelling stay with the referring team.
PROFESSIONAL_STATUSES = frozenset(
    {
        ReferralStatus.ACCEPTED,
        ReferralStatus.DECLINED,
        ReferralStatus.SCHEDULED,
        ReferralStatus.COMPLETED,
        ReferralStatus.NO_SHOW,
    }
)
# Enrolment statuses in which new referrals may be made (the person is still in the program).
REFERABLE_ENROLLMENT_STATUSES = OPEN_STATUSES


def _user(user: User | AnonymousUser) -> User | None:
    return user if isinstance(user, User) and user.is_active else None


def referrals_visible_to(user: User | AnonymousUser) -> QuerySet[Referral]:
    u = _user(user)
    if u is None:
        return Referral.objects.none()
    if u.is_superuser or u.role in REFERRING_ROLES:
        return Referral.objects.filter(enrollment__in=enrollments_visible_to(u))
    if u.role == Role.PROFESSIONAL:
        return Referral.objects.filter(to_professional=u, enrollment__program__organization=u.organization_id).exclude(
            status=ReferralStatus.DRAFT
        )
    if u.role == Role.PARTICIPANT:
        return Referral.objects.filter(participant__user=u)
    return Referral.objects.none()


def access_referral(user: User | AnonymousUser, referral_id: Any) -> Referral:
    """The referral if the user may see it, else Http404."""
    try:
        return (
            referrals_visible_to(user)
            .select_related(
                "participant__organization",
                "enrollment__program__organization",
                "service__resource_organization",
                "to_professional",
                "created_by",
                "from_contact",
            )
            .get(pk=int(referral_id))
        )
    except (Referral.DoesNotExist, TypeError, ValueError) as error:
        raise Http404("No such referral.") from error


def may_refer_at_all(user: User | AnonymousUser) -> bool:
    """Whether the role makes referrals (to show "Refer" links without a query)."""
    u = _user(user)
    return u is not None and (u.is_superuser or u.role in REFERRING_ROLES)


def can_refer(user: User | AnonymousUser, enrollment: Enrollment) -> bool:
    """Assigned supporters and the organization's organization-wide roles refer (the rule for logging a
    contact: the people who work with this enrolment)."""
    u = _user(user)
    return u is not None and may_refer_at_all(u) and can_log_contact(u, enrollment)


def referable_enrollments(user: User | AnonymousUser) -> QuerySet[Enrollment]:
    """Enrolments the user may make a referral in: visible, theirs to work on, still open."""
    if not may_refer_at_all(user):
        return Enrollment.objects.none()
    return enrollments_visible_to(user).filter(status__in=REFERABLE_ENROLLMENT_STATUSES)


def can_receive(user: User | AnonymousUser, enrollment: Enrollment) -> bool:
    """May record an incoming referral (from outside) for this enrolment."""
    u = _user(user)
    if u is None:
        return False
    if u.is_superuser:
        return True
    same_organization = enrollment.program.organization_id == u.organization_id
    return same_organization and (u.role in ORGANIZATION_WIDE_ROLES or u.role == Role.PROFESSIONAL)


def is_receiver(user: User | AnonymousUser, referral: Referral) -> bool:
    u = _user(user)
    return u is not None and u.role == Role.PROFESSIONAL and referral.to_professional_id == u.pk


def can_update(user: User | AnonymousUser, referral: Referral) -> bool:
    """May move the referral along at all (which steps: statuses_for)."""
    u = _user(user)
    if u is None:
        return False
    if is_receiver(u, referral):
        return referral.status != ReferralStatus.DRAFT
    return can_refer(u, referral.enrollment)


def statuses_for(user: User | AnonymousUser, referral: Referral) -> list[str]:
    """The next statuses this user may set, in lifecycle order (empty when they may set none)."""
    if not can_update(user, referral):
        return []
    allowed = REFERRAL_TRANSITIONS[referral.status]
    if is_receiver(user, referral) and not may_refer_at_all(user):
        allowed = allowed & PROFESSIONAL_STATUSES
    return [s for s in ReferralStatus.values if s in allowed]


def sees_team_notes(user: User | AnonymousUser) -> bool:
    """The notes written on each step are the team's; a participant reads their referrals without them."""
    u = _user(user)
    return u is not None and u.role != Role.PARTICIPANT


def sees_referral_overview(user: User | AnonymousUser) -> bool:
    """The organization's open and stalled referrals (linkage:referrals)."""
    return is_organization_wide(user)


def can_change_referral_settings(user: User | AnonymousUser, program: Program) -> bool:
    u = _user(user)
    return u is not None and can_manage(u) and (u.is_superuser or program.organization_id == u.organization_id)
