"""Writes for ongoing support: cadences, rules, call guides, appointments, calls and disengagement
actions. Shared by pages, the API, the demo loader and tasks. Each validates everything first and raises
ValidationError keyed by field before writing anything, and refreshes the follow-up state it affects."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alongside.accounts.models import User
from alongside.contacts.models import Contact
from alongside.contacts.services import ContactInput, log_contact
from alongside.followup import engine
from alongside.followup.cadence import (
    PRESET_BY_CODE,
    Cadence,
    CadenceKind,
    check_cadence,
    parse_phases,
    parse_windows,
)
from alongside.followup.models import (
    GAP_FIELDS,
    AppointmentStatus,
    CadencePolicy,
    CadenceWindow,
    CallAppointment,
    CallGuide,
    FollowUpRules,
)
from alongside.people.access import can_log_contact, can_manage
from alongside.people.models import Supporter
from alongside.programs.models import OPEN_STATUSES, Enrollment, EnrollmentStatus, Program
from alongside.programs.services import assign_supporter, change_status, end_assignment
from alongside.taxonomy import LANGUAGE_NAMES

MAX_APPOINTMENT_DAYS_AHEAD = 180


def _require_manager(by: User, organization_id: int) -> None:
    if not can_manage(by) or (not by.is_superuser and by.organization_id != organization_id):
        raise ValidationError("Only the program's coordinators can change this.")


# ---- cadences ----


def cadence_from_form(data: dict[str, Any]) -> Cadence:
    """Builds a cadence from form or API fields: preset, or kind + interval_days/grace_days/phases/windows
    (phases and windows as text). Raises ValidationError keyed by field."""
    preset = (data.get("preset") or "").strip()
    if preset:
        if preset not in PRESET_BY_CODE:
            raise ValidationError({"preset": [f"Unknown preset: {preset}."]})
        return PRESET_BY_CODE[preset].cadence
    kind = data.get("kind") or ""
    if kind not in CadenceKind.values:
        raise ValidationError({"kind": ["Choose how the cadence is set: interval, phases or windows."]})
    errors: dict[str, list[str]] = {}
    numbers: dict[str, int] = {}
    for name in ("interval_days", "grace_days"):
        raw = data.get(name)
        if raw in (None, ""):
            numbers[name] = 0
            continue
        try:
            numbers[name] = int(str(raw))
        except ValueError:
            errors[name] = ["Enter a whole number of days."]
    if errors:
        raise ValidationError(errors)
    if any(value < 0 for value in numbers.values()):
        raise ValidationError({n: ["Days cannot be negative."] for n, v in numbers.items() if v < 0})
    if kind == CadenceKind.PHASES:
        return Cadence(kind, grace_days=numbers["grace_days"], phases=parse_phases(str(data.get("phases") or "")))
    if kind == CadenceKind.WINDOWS:
        return Cadence(kind, windows=parse_windows(str(data.get("windows") or "")))
    return Cadence(kind, interval_days=numbers["interval_days"], grace_days=numbers["grace_days"])


@transaction.atomic
def save_cadence(
    by: User,
    cadence: Cadence,
    *,
    program: Program | None = None,
    enrollment: Enrollment | None = None,
    preset: str = "",
) -> CadencePolicy:
    """Sets a program's cadence, or one enrolment's own (which then replaces the program's)."""
    if (program is None) == (enrollment is None):
        raise ValueError("Give exactly one of program or enrollment.")
    owner_program = program or enrollment.program  # type: ignore[union-attr]
    _require_manager(by, owner_program.organization_id)
    cadence = check_cadence(cadence)
    lookup: dict[str, Any] = {"program": program} if program else {"enrollment": enrollment}
    policy, _ = CadencePolicy.objects.update_or_create(
        **lookup,
        defaults={
            "kind": cadence.kind,
            "interval_days": cadence.interval_days,
            "grace_days": cadence.grace_days,
            "phases": [[p.every_days, p.until_day] for p in cadence.phases],
            "preset": preset,
            "updated_by": by,
            "updated_at": timezone.now(),
        },
    )
    policy.windows.all().delete()
    CadenceWindow.objects.bulk_create(
        CadenceWindow(policy=policy, start_day=w.start_day, end_day=w.end_day) for w in cadence.expanded_windows()
    )
    if program is not None:
        engine.refresh_program(program.pk)
    else:
        engine.refresh([enrollment.pk])  # type: ignore[union-attr]
    return policy


@transaction.atomic
def clear_enrollment_cadence(by: User, enrollment: Enrollment) -> None:
    """Back to the program's cadence."""
    _require_manager(by, enrollment.program.organization_id)
    CadencePolicy.objects.filter(enrollment=enrollment).delete()
    engine.refresh([enrollment.pk])


def effective_policy(enrollment: Enrollment) -> CadencePolicy | None:
    return (
        CadencePolicy.objects.filter(enrollment=enrollment).first()
        or CadencePolicy.objects.filter(program_id=enrollment.program_id).first()
    )


# ---- rules ----

RULE_LIMITS: dict[str, tuple[int, int]] = {
    "retry_after_days": (1, 30),
    "max_failed_attempts": (1, 20),
    "failed_attempts_window_days": (1, 90),
    "no_contact_days": (1, 365),
    "never_contacted_days": (1, 90),
}
GAP_LIMITS = (1, 730)


def rules_for(program: Program) -> FollowUpRules:
    """The program's rules, or unsaved defaults when it has none."""
    return FollowUpRules.objects.filter(program=program).first() or FollowUpRules(program=program)


def _parse_time(raw: Any, field: str, errors: dict[str, list[str]]) -> time | None:
    if isinstance(raw, time):
        return raw
    try:
        return time.fromisoformat(str(raw).strip())
    except ValueError:
        errors[field] = ["Enter a time such as 21:00."]
        return None


@transaction.atomic
def save_rules(by: User, program: Program, data: dict[str, Any]) -> FollowUpRules:
    """Saves retry, disengagement, function-gap and quiet-hours rules. Missing keys keep their value."""
    _require_manager(by, program.organization_id)
    rules = rules_for(program)
    errors: dict[str, list[str]] = {}
    for name, (low, high) in RULE_LIMITS.items():
        if name not in data:
            continue
        raw = data[name]
        if raw in (None, ""):
            label = "a limit" if name == "max_failed_attempts" else "a value"
            errors[name] = [f"Retry rules need {label}." if name == "max_failed_attempts" else "Enter a number."]
            continue
        try:
            value = int(raw)
        except (TypeError, ValueError):
            errors[name] = ["Enter a whole number."]
            continue
        if not low <= value <= high:
            errors[name] = [f"Must be between {low} and {high}."]
            continue
        setattr(rules, name, value)
    for field in GAP_FIELDS.values():
        if field not in data:
            continue
        raw = data[field]
        if raw in (None, ""):
            setattr(rules, field, None)
            continue
        try:
            value = int(raw)
        except (TypeError, ValueError):
            errors[field] = ["Enter a whole number of days, or leave empty for no gap check."]
            continue
        if not GAP_LIMITS[0] <= value <= GAP_LIMITS[1]:
            errors[field] = [f"Must be between {GAP_LIMITS[0]} and {GAP_LIMITS[1]} days."]
            continue
        setattr(rules, field, value)
    for field in ("quiet_start", "quiet_end"):
        if field in data:
            parsed = _parse_time(data[field], field, errors)
            if parsed is not None:
                setattr(rules, field, parsed)
    if "quiet_start" not in errors and "quiet_end" not in errors and rules.quiet_start == rules.quiet_end:
        errors["quiet_end"] = ["Quiet hours that start and end at the same time would cover the whole day."]
    if errors:
        raise ValidationError(errors)
    rules.updated_by = by
    rules.updated_at = timezone.now()
    rules.save()
    engine.refresh_program(program.pk)
    return rules


def in_quiet_hours(rules: FollowUpRules, local_time: time) -> bool:
    start, end = rules.quiet_start, rules.quiet_end
    if start < end:
        return start <= local_time < end
    return local_time >= start or local_time < end


# ---- call guides ----


@transaction.atomic
def save_call_guide(by: User, program: Program, language: str, script: str, prompts: str) -> CallGuide:
    _require_manager(by, program.organization_id)
    errors: dict[str, list[str]] = {}
    if language not in LANGUAGE_NAMES:
        errors["language"] = [f"Unknown language: {language}."]
    if not script.strip():
        errors["script"] = ["Write the opening of the call."]
    if len(script) > 10_000 or len(prompts) > 10_000:
        errors["script"] = ["A call guide is at most 10,000 characters."]
    if errors:
        raise ValidationError(errors)
    guide, _ = CallGuide.objects.update_or_create(
        program=program,
        language=language,
        defaults={"script": script.strip(), "prompts": prompts.strip(), "updated_by": by, "updated_at": timezone.now()},
    )
    return guide


def call_guide_for(program: Program, language: str) -> CallGuide | None:
    """The guide in the participant's language, else English, else any."""
    guides = {g.language: g for g in CallGuide.objects.filter(program=program)}
    return guides.get(language) or guides.get("en") or next(iter(guides.values()), None)


# ---- appointments and calls ----


@transaction.atomic
def schedule_call(by: User, enrollment: Enrollment, scheduled_for: datetime, note: str = "") -> CallAppointment:
    errors: dict[str, list[str]] = {}
    if not can_log_contact(by, enrollment):
        errors["participant"] = ["You are not assigned to this participant in this program."]
    if enrollment.status not in OPEN_STATUSES:
        errors["participant"] = ["The enrolment has ended."]
    now = timezone.now()
    if scheduled_for < now - timedelta(minutes=5):
        errors["scheduled_for"] = ["An appointment cannot be in the past."]
    elif scheduled_for > now + timedelta(days=MAX_APPOINTMENT_DAYS_AHEAD):
        errors["scheduled_for"] = [f"Appointments are at most {MAX_APPOINTMENT_DAYS_AHEAD} days ahead."]
    if len(note) > 300:
        errors["note"] = ["At most 300 characters."]
    if errors:
        raise ValidationError(errors)
    appointment = CallAppointment.objects.create(
        enrollment=enrollment,
        supporter=Supporter.objects.filter(user=by).first()
        or Supporter.objects.filter(assignments__enrollment=enrollment, assignments__ended_at__isnull=True).first(),
        scheduled_for=scheduled_for,
        note=note.strip(),
        created_by=by,
    )
    engine.refresh([enrollment.pk])
    return appointment


@transaction.atomic
def cancel_appointment(by: User, appointment: CallAppointment) -> CallAppointment:
    if not can_log_contact(by, appointment.enrollment):
        raise ValidationError("You are not assigned to this participant in this program.")
    if appointment.status != AppointmentStatus.SCHEDULED:
        raise ValidationError("Only a scheduled appointment can be cancelled.")
    appointment.status = AppointmentStatus.CANCELLED
    appointment.save(update_fields=["status"])
    engine.refresh([appointment.enrollment_id])
    return appointment


@transaction.atomic
def log_call(
    by: User, enrollment: Enrollment, data: ContactInput, appointment: CallAppointment | None = None
) -> Contact:
    """Logs a call from the call screen; a call made for an appointment closes the appointment."""
    if appointment is not None and appointment.enrollment_id != enrollment.pk:
        raise ValidationError({"appointment": ["That appointment is for another enrolment."]})
    contact = log_contact(by, enrollment, data)
    if appointment is not None and appointment.status == AppointmentStatus.SCHEDULED:
        appointment.status = AppointmentStatus.DONE
        appointment.contact = contact
        appointment.save(update_fields=["status", "contact"])
        engine.refresh([enrollment.pk])
    return contact


# ---- disengagement actions ----


@transaction.atomic
def reassign(by: User, enrollment: Enrollment, supporter: Supporter) -> None:
    """Makes `supporter` the primary supporter and ends the other current assignments (the assignment rows
    keep who assigned whom and when)."""
    _require_manager(by, enrollment.program.organization_id)
    current = list(enrollment.assignments.filter(ended_at__isnull=True).select_related("supporter"))
    if any(a.supporter_id == supporter.pk for a in current):
        raise ValidationError({"supporter": [f"{supporter} is already assigned."]})
    assign_supporter(by, enrollment, supporter, is_primary=True)
    for assignment in current:
        end_assignment(by, assignment)


@transaction.atomic
def pause(by: User, enrollment: Enrollment, reason: str) -> Enrollment:
    _require_manager(by, enrollment.program.organization_id)
    return change_status(by, enrollment, EnrollmentStatus.PAUSED, reason=reason)


@transaction.atomic
def mark_lost_to_follow_up(by: User, enrollment: Enrollment, reason: str) -> Enrollment:
    _require_manager(by, enrollment.program.organization_id)
    return change_status(by, enrollment, EnrollmentStatus.LOST_TO_FOLLOW_UP, reason=reason)
