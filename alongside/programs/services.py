"""Writes about programs and enrolments, shared by the web UI, the API, the CLI and tasks.

Each function validates everything first and raises ValidationError (field -> messages) before any
write, and runs in one transaction, so bad input changes nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from alongside.accounts.models import Organization, Role, User
from alongside.followup import engine as follow_up
from alongside.people.models import Participant, Supporter
from alongside.programs.models import (
    ALLOWED_TRANSITIONS,
    OPEN_STATUSES,
    Assignment,
    Enrollment,
    EnrollmentStatus,
    EnrollmentTransition,
    Program,
    ProgramModel,
)
from alongside.taxonomy import ACTIVITY_BY_CODE, LANGUAGE_NAMES, Condition, KeyFunction, PeerSupportModel

S = EnrollmentStatus
# Moving a person past "referred" means the program will reach out, which needs their consent.
STATUSES_NEEDING_CONTACT_CONSENT = frozenset({S.ENROLLED, S.ACTIVE})
STATUSES_NEEDING_REASON = frozenset({S.WITHDRAWN, S.LOST_TO_FOLLOW_UP, S.PAUSED})
MAX_REASON_LENGTH = EnrollmentTransition._meta.get_field("reason").max_length or 300


def check_program_fields(data: dict[str, Any], organization: Organization, program: Program | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    name = (data.get("name") or "").strip()
    if not name:
        errors["name"] = ["A program needs a name."]
    elif (
        Program.objects.filter(organization=organization, name__iexact=name)
        .exclude(pk=program.pk if program else 0)
        .exists()
    ):
        errors["name"] = ["This organization already has a program with that name."]
    clean["name"] = name
    clean["description"] = data.get("description", "") or ""
    models_delivered = data.get("models", [])
    try:
        numbers = sorted({int(m) for m in models_delivered})
    except (TypeError, ValueError):
        numbers = []
        errors["models"] = ["Models are numbers 1 to 7."]
    if not numbers and "models" not in errors:
        errors["models"] = ["Choose at least one of the seven models."]
    elif any(n not in PeerSupportModel.values for n in numbers):
        errors["models"] = ["Models are numbers 1 to 7."]
    clean["models"] = numbers
    conditions = list(dict.fromkeys(data.get("conditions", [])))
    unknown = sorted(set(conditions) - set(Condition.values))
    if unknown:
        errors["conditions"] = [f"Unknown condition: {', '.join(unknown)}."]
    elif not conditions:
        errors["conditions"] = ["Choose at least one condition the program serves."]
    clean["conditions"] = conditions
    languages = list(dict.fromkeys(data.get("languages", [])))
    unknown = sorted(set(languages) - set(LANGUAGE_NAMES))
    if unknown:
        errors["languages"] = [f"Unknown language code: {', '.join(unknown)}."]
    elif not languages:
        errors["languages"] = ["Choose at least one language."]
    clean["languages"] = languages
    activities = data.get("activities", {})
    clean_activities: dict[str, list[str]] = {}
    if not isinstance(activities, dict):
        errors["activities"] = ["Activities are grouped by key function."]
    else:
        unknown_functions = sorted(set(activities) - set(KeyFunction.values))
        if unknown_functions:
            errors["activities"] = [f"Unknown key function: {', '.join(unknown_functions)}."]
        for function in KeyFunction.values:
            codes = list(dict.fromkeys(activities.get(function, [])))
            wrong = [c for c in codes if c not in ACTIVITY_BY_CODE or ACTIVITY_BY_CODE[c].function != function]
            if wrong:
                errors.setdefault("activities", []).append(
                    f"Not activities of “{KeyFunction(function).label}”: {', '.join(wrong)}."
                )
            clean_activities[function] = codes
        if not errors.get("activities") and not any(clean_activities.values()):
            errors["activities"] = ["Choose at least one activity."]
    clean["activities"] = clean_activities
    if "is_active" in data:
        clean["is_active"] = bool(data["is_active"])
    if errors:
        raise ValidationError(errors)
    return clean


@transaction.atomic
def save_program(by: User, organization: Organization, data: dict[str, Any], program: Program | None = None) -> Program:
    """Creates or updates a program and the set of models it delivers."""
    clean = check_program_fields(data, organization, program)
    models_delivered = clean.pop("models")
    if program is None:
        program = Program.objects.create(organization=organization, **clean)
    else:
        for field, value in clean.items():
            setattr(program, field, value)
        program.save()
    program.delivery_models.exclude(model__in=models_delivered).delete()
    existing = set(program.delivery_models.values_list("model", flat=True))
    ProgramModel.objects.bulk_create(
        [ProgramModel(program=program, model=m) for m in models_delivered if m not in existing]
    )
    return program


def _check_supporters(supporters: list[Supporter], program: Program) -> list[str]:
    problems = []
    for supporter in supporters:
        if supporter.organization_id != program.organization_id:
            problems.append(f"{supporter} is not a supporter of this organization.")
        elif not supporter.is_active:
            problems.append(f"{supporter} is not active.")
    return problems


@transaction.atomic
def enroll(
    by: User,
    participant: Participant,
    program: Program,
    *,
    status: str = S.ENROLLED,
    enrolled_on: date | None = None,
    supporters: list[Supporter] | None = None,
    reason: str = "",
) -> Enrollment:
    """Enrols a participant and assigns supporters (the first is primary)."""
    errors: dict[str, list[str]] = {}
    supporters = supporters or []
    if participant.organization_id != program.organization_id:
        errors["program"] = ["The program belongs to another organization."]
    elif not program.is_active:
        errors["program"] = ["The program is not taking enrolments."]
    if status not in (S.REFERRED, S.ENROLLED, S.ACTIVE):
        errors["status"] = ["A new enrolment starts as referred, enrolled or active."]
    elif status in STATUSES_NEEDING_CONTACT_CONSENT and not participant.consent_contact:
        errors["status"] = ["Record the participant's consent to be contacted before enrolling them."]
    start = enrolled_on or timezone.localdate()
    if start > timezone.localdate():
        errors["enrolled_on"] = ["The enrolment date cannot be in the future."]
    if Enrollment.objects.filter(participant=participant, program=program, status__in=OPEN_STATUSES).exists():
        errors["program"] = ["The participant is already enrolled in this program."]
    problems = _check_supporters(supporters, program)
    if problems:
        errors["supporters"] = problems
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    try:
        with transaction.atomic():
            enrollment = Enrollment.objects.create(
                participant=participant,
                program=program,
                status=status,
                status_changed_at=now,
                enrolled_on=start,
                created_by=by,
            )
    except IntegrityError as error:  # a concurrent enrolment won the race
        raise ValidationError({"program": ["The participant is already enrolled in this program."]}) from error
    EnrollmentTransition.objects.create(
        enrollment=enrollment, from_status="", to_status=status, changed_by=by, changed_at=now, reason=reason
    )
    Assignment.objects.bulk_create(
        [
            Assignment(enrollment=enrollment, supporter=s, is_primary=(i == 0), assigned_at=now, assigned_by=by)
            for i, s in enumerate(dict.fromkeys(supporters))
        ]
    )
    follow_up.refresh([enrollment.pk])
    return enrollment


@transaction.atomic
def change_status(by: User, enrollment: Enrollment, to_status: str, reason: str = "") -> Enrollment:
    """Moves an enrolment along its lifecycle. Precondition: the caller may manage the enrolment."""
    # FOR NO KEY UPDATE: rows referencing the enrolment (follow-up state, contacts) can still be written.
    enrollment = Enrollment.objects.select_for_update(no_key=True).select_related("participant").get(pk=enrollment.pk)
    if to_status not in S.values:
        raise ValidationError({"status": [f"Unknown status: {to_status}."]})
    if to_status not in ALLOWED_TRANSITIONS[enrollment.status]:
        allowed = ", ".join(S(s).label.lower() for s in enrollment.allowed_next_statuses()) or "nothing (final)"
        raise ValidationError(
            {"status": [f"An enrolment that is {S(enrollment.status).label.lower()} can move to: {allowed}."]}
        )
    if to_status in STATUSES_NEEDING_CONTACT_CONSENT and not enrollment.participant.consent_contact:
        raise ValidationError({"status": ["Record the participant's consent to be contacted first."]})
    if to_status in STATUSES_NEEDING_REASON and not reason.strip():
        raise ValidationError({"reason": [f"Say why the enrolment is {S(to_status).label.lower()}."]})
    if len(reason.strip()) > MAX_REASON_LENGTH:
        raise ValidationError({"reason": [f"Keep the reason under {MAX_REASON_LENGTH} characters."]})
    now = timezone.now()
    EnrollmentTransition.objects.create(
        enrollment=enrollment,
        from_status=enrollment.status,
        to_status=to_status,
        changed_by=by,
        changed_at=now,
        reason=reason.strip(),
    )
    enrollment.status = to_status
    enrollment.status_changed_at = now
    enrollment.save(update_fields=["status", "status_changed_at"])
    follow_up.refresh([enrollment.pk])
    return enrollment


@transaction.atomic
def assign_supporter(by: User, enrollment: Enrollment, supporter: Supporter, *, is_primary: bool = False) -> Assignment:
    problems = _check_supporters([supporter], enrollment.program)
    if problems:
        raise ValidationError({"supporter": problems})
    if enrollment.status not in OPEN_STATUSES:
        raise ValidationError({"supporter": ["The enrolment has ended."]})
    if enrollment.assignments.filter(supporter=supporter, ended_at__isnull=True).exists():
        raise ValidationError({"supporter": [f"{supporter} is already assigned."]})
    if is_primary:
        enrollment.assignments.filter(ended_at__isnull=True, is_primary=True).update(is_primary=False)
    assignment = Assignment.objects.create(
        enrollment=enrollment,
        supporter=supporter,
        is_primary=is_primary or not enrollment.assignments.filter(ended_at__isnull=True).exists(),
        assigned_at=timezone.now(),
        assigned_by=by,
    )
    follow_up.refresh([enrollment.pk])
    return assignment


@transaction.atomic
def end_assignment(by: User, assignment: Assignment) -> Assignment:
    if assignment.ended_at is None:
        assignment.ended_at = timezone.now()
        assignment.save(update_fields=["ended_at"])
        follow_up.refresh([assignment.enrollment_id])
    return assignment


def organization_of(user: User) -> Organization:
    """The organization a staff user acts for. Precondition: user is not a participant."""
    if user.organization is None:
        raise ValidationError("This login is not attached to an organization.")
    return user.organization


def supervisors_of(organization: Organization) -> list[User]:
    return list(User.objects.filter(organization=organization, role=Role.SUPERVISOR, is_active=True))
