"""Who sees and does what in linkage: the resource directory first; referral rules follow in their own
section below.

Directory
    every role of an organization     reads its directory: staff of every role, supporters and participants
                                      (entries describe services, never people); an organization never
                                      sees another's entries
    admin, coordinator                curate it: add and edit entries, mark them verified
    admin, coordinator, supervisor,   share an entry with a participant they may see, on an open
    professional, supporter           enrolment they may see (a look-up: part of that person's record)
    participant, evaluator            never share (participants see no "share" buttons; evaluators see
                                      no one)

Out of scope is a 404, as everywhere (people.access).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Case, QuerySet, When
from django.http import Http404

from alongside.accounts.models import Role, User
from alongside.linkage.models import DirectoryLookup, Service, TaxonomyTerm
from alongside.people.access import can_manage, enrollments_visible_to
from alongside.programs.models import OPEN_STATUSES, Enrollment, EnrollmentStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from alongside.people.models import Participant

# Roles that work with participants and so may hand them a directory entry.
SHARING_ROLES = (Role.ADMIN, Role.COORDINATOR, Role.SUPERVISOR, Role.PROFESSIONAL, Role.SUPPORTER)


def _user(user: User | AnonymousUser) -> User | None:
    return user if isinstance(user, User) and user.is_active else None


# --- directory -----------------------------------------------------------------------------------------


def can_see_directory(user: User | AnonymousUser) -> bool:
    u = _user(user)
    return u is not None and (u.is_superuser or u.organization_id is not None)


def can_curate(user: User | AnonymousUser) -> bool:
    """Add, edit and verify directory entries: the organization's administrators and coordinators."""
    return can_manage(user)


def can_share(user: User | AnonymousUser) -> bool:
    """May share directory entries with participants (each share also needs the participant in scope)."""
    u = _user(user)
    return u is not None and (u.is_superuser or u.role in SHARING_ROLES)


def directory_organization_id(user: User | AnonymousUser) -> int | None:
    """The tenant whose directory the user reads; None for a superuser (every tenant)."""
    u = _user(user)
    if u is None or u.is_superuser:
        return None
    return u.organization_id


def services_visible_to(user: User | AnonymousUser) -> QuerySet[Service]:
    u = _user(user)
    qs = Service.objects.all()
    if u is None:
        return qs.none()
    if u.is_superuser:
        return qs
    if u.organization_id is None:
        return qs.none()
    return qs.filter(organization=u.organization_id)


def access_service(user: User | AnonymousUser, service_id: Any) -> Service:
    """The service if the user may read the directory it is in, else Http404."""
    try:
        return services_visible_to(user).get(pk=int(service_id))
    except (Service.DoesNotExist, TypeError, ValueError) as error:
        raise Http404("No such service.") from error


def terms_visible_to(user: User | AnonymousUser) -> QuerySet[TaxonomyTerm]:
    u = _user(user)
    qs = TaxonomyTerm.objects.all()
    if u is None:
        return qs.none()
    if u.is_superuser:
        return qs
    return qs.filter(organization=u.organization_id)


def may_curate_service(user: User | AnonymousUser, service: Service) -> bool:
    u = _user(user)
    return u is not None and can_curate(u) and (u.is_superuser or service.organization_id == u.organization_id)


# --- look-ups (a service shared with a participant) ----------------------------------------------------


def lookups_visible_to(user: User | AnonymousUser) -> QuerySet[DirectoryLookup]:
    """Look-ups on the enrolments the user may see (people.access); evaluators see none."""
    return DirectoryLookup.objects.filter(enrollment__in=enrollments_visible_to(user))


def shareable_enrollments(user: User | AnonymousUser, participant: Participant) -> QuerySet[Enrollment]:
    """The participant's open enrolments the user may see and share on; active ones first, then newest."""
    if not can_share(user):
        return Enrollment.objects.none()
    return (
        enrollments_visible_to(user)
        .filter(participant=participant, status__in=OPEN_STATUSES)
        .select_related("program")
        .annotate(not_active=Case(When(status=EnrollmentStatus.ACTIVE, then=0), default=1))
        .order_by("not_active", "-enrolled_on", "-pk")
    )


# --- referrals -----------------------------------------------------------------------------------------
# Who sees and changes referrals is in linkage.referral_access (referrals_visible_to, access_referral,
# can_refer, statuses_for, ...), kept in its own module so the two features change independently.
