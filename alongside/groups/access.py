"""Who sees and does what with group series; every page, endpoint and feed goes through here.

    admin, coordinator, supervisor   every series of their organization; admins and coordinators manage
    professional                     series they facilitate, and series of programs they are a lead of
    supporter                        series they facilitate (the roster, never the rest of the record)
    participant                      series they are registered in or waiting for
    evaluator                        the completion figures only (no series pages, no rosters)

Facilitators take attendance and edit a session's content; only managers change schedules, capacity
and registrations. Out of scope is a 404, as everywhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.http import Http404

from alongside.accounts.models import Role, User
from alongside.groups.models import GroupSeries, GroupSession, RegistrationStatus
from alongside.people.access import ORGANIZATION_WIDE_ROLES, can_manage

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


def _user(user: User | AnonymousUser) -> User | None:
    return user if isinstance(user, User) and user.is_active else None


def series_visible_to(user: User | AnonymousUser) -> QuerySet[GroupSeries]:
    u = _user(user)
    qs = GroupSeries.objects.all()
    if u is None:
        return qs.none()
    if u.is_superuser:
        return qs
    if u.role in ORGANIZATION_WIDE_ROLES:
        return qs.filter(program__organization=u.organization_id)
    if u.role == Role.PROFESSIONAL:
        return qs.filter(
            Q(facilitators__user=u) | Q(program__clinical_leads=u), program__organization=u.organization_id
        ).distinct()
    if u.role == Role.SUPPORTER:
        return qs.filter(facilitators__user=u, program__organization=u.organization_id).distinct()
    if u.role == Role.PARTICIPANT:
        return qs.filter(
            registrations__participant__user=u,
            registrations__status__in=(RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED),
        ).distinct()
    return qs.none()


def access_series(user: User | AnonymousUser, series_id: Any) -> GroupSeries:
    try:
        return series_visible_to(user).select_related("program").get(pk=int(series_id))
    except (GroupSeries.DoesNotExist, TypeError, ValueError) as error:
        raise Http404("No such group series.") from error


def sessions_visible_to(user: User | AnonymousUser) -> QuerySet[GroupSession]:
    return GroupSession.objects.filter(series__in=series_visible_to(user))


def access_session(user: User | AnonymousUser, session_id: Any) -> GroupSession:
    try:
        return sessions_visible_to(user).select_related("series__program").get(pk=int(session_id))
    except (GroupSession.DoesNotExist, TypeError, ValueError) as error:
        raise Http404("No such session.") from error


def is_facilitator(user: User | AnonymousUser, series: GroupSeries) -> bool:
    u = _user(user)
    return u is not None and series.facilitators.filter(user=u).exists()


def can_manage_series(user: User | AnonymousUser, series: GroupSeries | None = None) -> bool:
    """Create series, change schedules, capacity, facilitators and registrations."""
    u = _user(user)
    if u is None or not can_manage(u):
        return False
    return series is None or u.is_superuser or series.program.organization_id == u.organization_id


def can_run_session(user: User | AnonymousUser, series: GroupSeries) -> bool:
    """Take attendance, record measurements, edit the session's topic and notes: the series' facilitators,
    and the organization's coordinators, supervisors and admins."""
    u = _user(user)
    if u is None:
        return False
    if u.is_superuser:
        return True
    if u.role in ORGANIZATION_WIDE_ROLES:
        return series.program.organization_id == u.organization_id
    return u.role in (Role.SUPPORTER, Role.PROFESSIONAL) and is_facilitator(u, series)


def can_see_roster(user: User | AnonymousUser, series: GroupSeries) -> bool:
    """Names of the people registered: whoever runs or manages the series, and the programs' clinical
    leads; never other participants."""
    u = _user(user)
    if u is None or u.role in (Role.PARTICIPANT, Role.EVALUATOR):
        return False
    return can_run_session(u, series) or (
        u.role == Role.PROFESSIONAL and series_visible_to(u).filter(pk=series.pk).exists()
    )
