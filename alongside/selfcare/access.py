"""Who sees and writes action plans and measurements. Every page, endpoint and timeline entry of this app
goes through here; out of scope is a 404, as everywhere.

Reading (a participant's plans and readings, per enrolment):

    admin, coordinator, supervisor   every enrolment of their organization
    professional                     enrolments of programs they are a clinical lead of
    supporter                        enrolments they are currently assigned to
    participant                      their own
    facilitators (supporters and professionals leading a series)
                                     also the enrolments registered in the series they lead (the group
                                     program's enrolment only, never the person's other programs)
    evaluator                        nothing (aggregates only)

Writing an action plan (set, review, withdraw):

    the participant themself         their own plans
    supporter                        plans of the enrolments they are assigned to, in any channel
    facilitator                      at a session of the series they lead, for the people on its roster
    admin, coordinator, supervisor   any enrolment of their organization

Recording a measurement:

    facilitator                      at a session of the series they lead (groups.access.can_run_session)
    supporter                        the enrolments they are assigned to (readings taken in a contact)
    professional                     enrolments they can see (programs they are a clinical lead of)
    admin, coordinator, supervisor   any enrolment of their organization
    participants do not record readings here (a reading is staff-entered, so it can raise a concern).

Thresholds are read by staff who can see the program and changed by its managers (admins, coordinators).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.http import Http404

from alongside.accounts.models import Role, User
from alongside.groups.access import can_run_session, is_facilitator
from alongside.groups.models import GroupSession, Registration, RegistrationStatus
from alongside.people.access import (
    ORGANIZATION_WIDE_ROLES,
    can_manage,
    enrollments_visible_to,
    participants_visible_to,
)
from alongside.programs.models import Enrollment, Program
from alongside.selfcare.models import ActionPlan, Measurement

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

# Roles that never write here, whatever the record (the API answers 403 before looking at the body).
READ_ONLY_ROLES = (Role.EVALUATOR,)
# Participants set and review their own plans, but readings are recorded by staff.
MAY_NOT_RECORD_ROLES = (Role.EVALUATOR, Role.PARTICIPANT)


def _user(user: User | AnonymousUser) -> User | None:
    return user if isinstance(user, User) and user.is_active else None


def _on_roster(session: GroupSession) -> Q:
    """Registrations expected at the session: the same rule as groups.queries.roster."""
    dropped_after = Q(status=RegistrationStatus.DROPPED, dropped_at__gt=session.starts_at)
    return Q(status=RegistrationStatus.REGISTERED) | dropped_after


def facilitated_enrollments(user: User) -> QuerySet[Enrollment]:
    """Enrolments registered (not merely waiting) in a series the user leads, in their organization."""
    registrations = Registration.objects.filter(
        series__facilitators__user=user, series__program__organization=user.organization_id
    ).exclude(status=RegistrationStatus.WAITLISTED)
    return Enrollment.objects.filter(pk__in=registrations.values("enrollment"))


def selfcare_enrollments_visible_to(user: User | AnonymousUser) -> QuerySet[Enrollment]:
    """Enrolments whose plans and readings the user may read (see the table above)."""
    u = _user(user)
    if u is None:
        return Enrollment.objects.none()
    visible = enrollments_visible_to(u)
    if u.role in (Role.SUPPORTER, Role.PROFESSIONAL) and not u.is_superuser:
        return Enrollment.objects.filter(Q(pk__in=visible.values("pk")) | Q(pk__in=facilitated_enrollments(u)))
    return visible


def plans_visible_to(user: User | AnonymousUser) -> QuerySet[ActionPlan]:
    return ActionPlan.objects.filter(enrollment__in=selfcare_enrollments_visible_to(user))


def access_plan(user: User | AnonymousUser, plan_id: Any) -> ActionPlan:
    try:
        return plans_visible_to(user).select_related("participant", "enrollment__program").get(pk=int(plan_id))
    except (ActionPlan.DoesNotExist, TypeError, ValueError) as error:
        raise Http404("No such action plan.") from error


def measurements_visible_to(user: User | AnonymousUser) -> QuerySet[Measurement]:
    """Readings of the enrolments the user may read; a reading without an enrolment follows the person."""
    return Measurement.objects.filter(
        Q(enrollment__in=selfcare_enrollments_visible_to(user))
        | Q(enrollment__isnull=True, participant__in=participants_visible_to(user))
    )


def access_selfcare_enrollment(user: User | AnonymousUser, enrollment_id: Any) -> Enrollment:
    try:
        return (
            selfcare_enrollments_visible_to(user)
            .select_related("participant__organization", "program__organization")
            .get(pk=int(enrollment_id))
        )
    except (Enrollment.DoesNotExist, TypeError, ValueError) as error:
        raise Http404("No such enrolment.") from error


def participant_selfcare_visible(user: User | AnonymousUser, participant_id: Any) -> bool:
    """True when the user may read at least one enrolment's plans or readings of this participant."""
    try:
        pid = int(participant_id)
    except (TypeError, ValueError):
        return False
    return selfcare_enrollments_visible_to(user).filter(participant=pid).exists()


def on_session_roster(session: GroupSession, enrollment: Enrollment) -> bool:
    return Registration.objects.filter(_on_roster(session), series=session.series_id, enrollment=enrollment).exists()


def _same_organization(u: User, enrollment: Enrollment) -> bool:
    return u.is_superuser or enrollment.program.organization_id == u.organization_id


def _assigned(u: User, enrollment: Enrollment) -> bool:
    return enrollment.assignments.filter(supporter__user=u, ended_at__isnull=True).exists()


def _leads_session_of(u: User, session: GroupSession | None, enrollment: Enrollment) -> bool:
    return (
        session is not None
        and u.role in (Role.SUPPORTER, Role.PROFESSIONAL)
        and is_facilitator(u, session.series)
        and on_session_roster(session, enrollment)
    )


def can_write_plan(user: User | AnonymousUser, enrollment: Enrollment, session: GroupSession | None = None) -> bool:
    """May set, review or withdraw plans of this enrolment (at `session`, when given)."""
    u = _user(user)
    if u is None or u.role in READ_ONLY_ROLES:
        return False
    if u.is_superuser or u.role in ORGANIZATION_WIDE_ROLES:
        return _same_organization(u, enrollment)
    if u.role == Role.PARTICIPANT:
        return enrollment.participant.user_id == u.pk
    if u.role == Role.SUPPORTER and _assigned(u, enrollment):
        return True
    return _leads_session_of(u, session, enrollment)


def may_write_some_plan(user: User | AnonymousUser) -> bool:
    """Whether the role writes plans at all (the API's 403 before any record is looked at)."""
    u = _user(user)
    return u is not None and u.role not in READ_ONLY_ROLES


def can_record_measurement(
    user: User | AnonymousUser, enrollment: Enrollment, session: GroupSession | None = None
) -> bool:
    """May record a reading for this enrolment (at `session`, when given)."""
    u = _user(user)
    if u is None or u.role in MAY_NOT_RECORD_ROLES:
        return False
    if u.is_superuser or u.role in ORGANIZATION_WIDE_ROLES:
        return _same_organization(u, enrollment)
    if session is not None and can_run_session(u, session.series) and on_session_roster(session, enrollment):
        return True
    if u.role == Role.SUPPORTER:
        return _assigned(u, enrollment)
    if u.role == Role.PROFESSIONAL:
        return enrollments_visible_to(u).filter(pk=enrollment.pk).exists()
    return False


def may_record_some_measurement(user: User | AnonymousUser) -> bool:
    u = _user(user)
    return u is not None and u.role not in MAY_NOT_RECORD_ROLES


def can_see_thresholds(user: User | AnonymousUser) -> bool:
    u = _user(user)
    return u is not None and u.role not in (Role.PARTICIPANT, Role.EVALUATOR)


def can_edit_thresholds(user: User | AnonymousUser, program: Program) -> bool:
    u = _user(user)
    return u is not None and can_manage(u) and (u.is_superuser or program.organization_id == u.organization_id)


def _assigned_among(u: User, enrollment_ids: list[int]) -> set[int]:
    return set(
        Enrollment.objects.filter(
            pk__in=enrollment_ids, assignments__supporter__user=u, assignments__ended_at__isnull=True
        ).values_list("pk", flat=True)
    )


def plan_writers_at_session(user: User | AnonymousUser, session: GroupSession, enrollment_ids: list[int]) -> set[int]:
    """Of the roster's enrolments, those whose plans the user may set and review at this session: the same
    rule as can_write_plan, in at most two queries for the whole roster."""
    u = _user(user)
    if u is None or u.role in READ_ONLY_ROLES or u.role == Role.PARTICIPANT:
        return set()
    if u.is_superuser or u.role in ORGANIZATION_WIDE_ROLES:
        same = u.is_superuser or session.series.program.organization_id == u.organization_id
        return set(enrollment_ids) if same else set()
    if u.role in (Role.SUPPORTER, Role.PROFESSIONAL) and is_facilitator(u, session.series):
        return set(enrollment_ids)
    return _assigned_among(u, enrollment_ids) if u.role == Role.SUPPORTER else set()


def measurement_recorders_at_session(
    user: User | AnonymousUser, session: GroupSession, enrollment_ids: list[int]
) -> set[int]:
    """Of the roster's enrolments, those the user may record readings for at this session (the rule of
    can_record_measurement, in at most two queries)."""
    u = _user(user)
    if u is None or u.role in MAY_NOT_RECORD_ROLES:
        return set()
    if can_run_session(u, session.series):
        return set(enrollment_ids)
    if u.role == Role.SUPPORTER:
        return _assigned_among(u, enrollment_ids)
    if u.role == Role.PROFESSIONAL:
        return set(enrollments_visible_to(u).filter(pk__in=enrollment_ids).values_list("pk", flat=True))
    return set()


def rights_over(user: User | AnonymousUser, enrollments: list[Enrollment]) -> tuple[set[int], set[int]]:
    """(enrolments whose plans the user may write, enrolments they may record readings for), outside any
    session: the rules of can_write_plan and can_record_measurement in at most one query, for pages that
    show several enrolments."""
    u = _user(user)
    ids = [e.pk for e in enrollments]
    if u is None or u.role in READ_ONLY_ROLES:
        return set(), set()
    if u.is_superuser or u.role in ORGANIZATION_WIDE_ROLES:
        mine = {e.pk for e in enrollments if _same_organization(u, e)}
        return mine, mine
    if u.role == Role.PARTICIPANT:
        return {e.pk for e in enrollments if e.participant.user_id == u.pk}, set()
    if u.role == Role.SUPPORTER:
        assigned = _assigned_among(u, ids)
        return assigned, assigned
    if u.role == Role.PROFESSIONAL:
        return set(), set(enrollments_visible_to(u).filter(pk__in=ids).values_list("pk", flat=True))
    return set(), set()
