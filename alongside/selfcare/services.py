"""Writes for self-management: action plans (set, review, withdraw), readings (with the safety check that
turns a value past the program's thresholds into a concern), and the thresholds themselves.

Called by the pages, the API and the demo loader alike. Every function checks the role first (raising
PermissionDenied), then validates everything and raises ValidationError ({field: [messages]}) before
writing, in one transaction, so bad input changes nothing.

Action plans, in the self-management programs' way:

- A plan says what, how much, when and how often (days a week), with the person's confidence 0-10.
  Below 7 (CONFIDENCE_TO_KEEP) the plan is refused with a prompt to make it smaller or easier; the person
  may keep it as it is (keep_low_confidence), which is recorded (low_confidence_kept).
- One active plan per enrolment. A new plan needs the active one closed first: normally by reviewing it
  (done, partly, not done) at the next session or contact. "Revise" is for the plan just made: the same
  day, without a review, the person replaces it with an easier one; the new plan `revises` the old,
  whose status becomes withdrawn. A plan from an earlier day is reviewed, never revised.
- Withdrawing closes a plan without a review (it no longer fits). A withdrawn or revised plan records
  who closed it and when in reviewed_by / reviewed_at (who closed the plan), with no review_outcome.

Plans do not count as deliveries of the daily-management function by themselves: the contact or the
session they were set in does (programs.deliveries).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from alongside.accounts.models import User
from alongside.contacts.models import Contact
from alongside.contacts.services import LOGGABLE_STATUSES
from alongside.groups.models import GroupSession
from alongside.people.models import Participant
from alongside.programs.models import Enrollment, Program
from alongside.safety.models import Concern
from alongside.safety.services import raise_concern
from alongside.selfcare import units
from alongside.selfcare.access import (
    can_edit_thresholds,
    can_record_measurement,
    can_write_plan,
    on_session_roster,
)
from alongside.selfcare.models import (
    CONFIDENCE_TO_KEEP,
    ActionPlan,
    ActionPlanStatus,
    GlucoseContext,
    Measurement,
    MeasurementKind,
    MeasurementThresholds,
    ReviewOutcome,
)
from alongside.taxonomy import ConcernTier

K = MeasurementKind
CLOCK_SKEW = timedelta(minutes=5)
# Vitals are often taken as people arrive, before the session starts.
BEFORE_SESSION = timedelta(hours=1)
MAX_NOTE = 300

Errors = dict[str, list[str]]


def _add(errors: Errors, key: str, message: str) -> None:
    errors.setdefault(key, []).append(message)


def low_confidence_prompt(confidence: int) -> str:
    return (
        f"Confidence {confidence} of 10: can the plan be made smaller or easier so you're at least "
        f"{CONFIDENCE_TO_KEEP} sure? Change what, how much, when or how often, or keep the plan as it is."
    )


def _check_context(
    errors: Errors, enrollment: Enrollment, contact: Contact | None, session: GroupSession | None, *, doing: str
) -> None:
    """Where it happened: a contact with this enrolment, or a session the person is expected at."""
    if contact is not None and session is not None:
        _add(errors, "session", f"Give the contact or the group session {doing}, not both.")
        return
    if contact is not None and contact.enrollment_id != enrollment.pk:
        _add(errors, "contact", "That contact is with another enrolment; pick one with this participant here.")
    if session is not None:
        if session.is_cancelled:
            _add(errors, "session", "That session was cancelled.")
        elif not on_session_roster(session, enrollment):
            name = enrollment.participant.full_name
            _add(errors, "session", f"{name} is not on the roster of that session.")


# --- action plans ------------------------------------------------------------------------------------


@dataclass
class ActionPlanInput:
    """A plan as the person says it: what, how much, when, how often (days a week), confidence 0-10."""

    what: str
    how_much: str
    when: str
    days_per_week: int
    confidence: int


PLAN_TEXT_LIMITS = {"what": 200, "how_much": 120, "when": 120}
PLAN_TEXT_PROMPTS = {
    "what": "Say what you will do, e.g. “walk”.",
    "how_much": "Say how much, e.g. “around the block” or “20 minutes”.",
    "when": "Say when, e.g. “after lunch”.",
}


def _whole(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def check_action_plan(data: ActionPlanInput, *, keep_low_confidence: bool = False) -> Errors:
    """The plan's own fields. Returns errors (empty when it can be saved as it is)."""
    errors: Errors = {}
    for name, limit in PLAN_TEXT_LIMITS.items():
        text = str(getattr(data, name) or "").strip()
        if not text:
            _add(errors, name, PLAN_TEXT_PROMPTS[name])
        elif len(text) > limit:
            _add(errors, name, f"Keep it under {limit} characters.")
    days = _whole(data.days_per_week)
    if days is None or not 1 <= days <= 7:
        _add(errors, "days_per_week", "How often: from 1 to 7 days a week.")
    confidence = _whole(data.confidence)
    if confidence is None or not 0 <= confidence <= 10:
        _add(errors, "confidence", "Confidence is a whole number from 0 (not at all) to 10 (totally sure).")
    elif confidence < CONFIDENCE_TO_KEEP and not keep_low_confidence:
        _add(errors, "confidence", low_confidence_prompt(confidence))
    return errors


def _local_day(moment: datetime, zone: str) -> date:
    return moment.astimezone(ZoneInfo(zone)).date()


def _close(plan: ActionPlan, by: User, now: datetime, status: str, note: str = "") -> None:
    plan.status = status
    plan.reviewed_by = by
    plan.reviewed_at = now
    plan.review_note = note
    plan.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])


@transaction.atomic
def create_action_plan(
    by: User,
    enrollment: Enrollment,
    data: ActionPlanInput,
    *,
    contact: Contact | None = None,
    session: GroupSession | None = None,
    keep_low_confidence: bool = False,
    revises: ActionPlan | None = None,
) -> ActionPlan:
    """Sets a new plan for the enrolment, made in `contact` or at `session` (or neither: the person's own,
    or entered afterwards). With confidence below 7 it is refused with the revise prompt on "confidence"
    unless keep_low_confidence. With an active plan, `revises` must name it and it must be from today
    (see the module docstring); otherwise the error on "revises" asks to review it first.
    Preconditions: contact, session and revises were fetched through the caller's scope."""
    if not can_write_plan(by, enrollment, session):
        raise PermissionDenied("You cannot set action plans for this participant here.")
    # One active plan per enrolment: lock the enrolment so two people setting a plan at once queue up.
    enrollment = (
        Enrollment.objects.select_for_update().select_related("participant__organization").get(pk=enrollment.pk)
    )
    errors = check_action_plan(data, keep_low_confidence=keep_low_confidence)
    if enrollment.status not in LOGGABLE_STATUSES:
        _add(errors, "enrollment", f"The enrolment is {enrollment.get_status_display().lower()}; plans are closed.")
    _check_context(errors, enrollment, contact, session, doing="the plan was made in")
    now = timezone.now()
    # Lock the active plan too: a review of it (which locks the plan row) and its revision queue up.
    active = (
        ActionPlan.objects.select_for_update().filter(enrollment=enrollment, status=ActionPlanStatus.ACTIVE).first()
    )
    person = enrollment.participant
    if revises is not None:
        zone = person.zone
        if active is None or revises.pk != active.pk:
            _add(errors, "revises", "Only the current active plan of this enrolment can be revised.")
        elif _local_day(revises.created_at, zone) != _local_day(now, zone):
            set_on = revises.created_at.astimezone(ZoneInfo(zone))
            _add(
                errors,
                "revises",
                f"That plan was set on {set_on:%a %d %b}: a plan from an earlier day is reviewed "
                "(done, partly or not done), not revised. Review it first.",
            )
    elif active is not None:
        _add(
            errors,
            "revises",
            f"{person.preferred_name} already has an active plan ({active.summary}). Review it first "
            "(done, partly or not done); if it was set today and turned out too hard, revise it instead.",
        )
    if errors:
        raise ValidationError(errors)
    if revises is not None and active is not None:
        _close(active, by, now, ActionPlanStatus.WITHDRAWN, "Revised the same day: replaced by an easier plan.")
        revises = active
    confidence = int(data.confidence)
    return ActionPlan.objects.create(
        participant=person,
        enrollment=enrollment,
        what=data.what.strip(),
        how_much=data.how_much.strip(),
        when=data.when.strip(),
        days_per_week=int(data.days_per_week),
        confidence=confidence,
        low_confidence_kept=keep_low_confidence and confidence < CONFIDENCE_TO_KEEP,
        set_in_contact=contact,
        set_in_session=session,
        revises=revises,
        created_by=by,
        created_at=now,
    )


def _locked_active(plan: ActionPlan, doing: str) -> ActionPlan:
    locked = ActionPlan.objects.select_for_update().select_related("enrollment__participant").get(pk=plan.pk)
    if locked.status == ActionPlanStatus.REVIEWED:
        assert locked.reviewed_at is not None
        when = timezone.localtime(locked.reviewed_at)
        raise ValidationError(
            {"plan": [f"This plan was already reviewed on {when:%a %d %b} ({locked.get_review_outcome_display()})."]}
        )
    if locked.status == ActionPlanStatus.WITHDRAWN:
        raise ValidationError({"plan": [f"This plan was withdrawn; there is nothing to {doing}."]})
    return locked


@transaction.atomic
def review_action_plan(
    by: User,
    plan: ActionPlan,
    outcome: str,
    note: str = "",
    *,
    contact: Contact | None = None,
    session: GroupSession | None = None,
) -> ActionPlan:
    """Closes the active plan with how it went: done, partly or not done, in `contact` or at `session`.
    Precondition: plan, contact and session were fetched through the caller's scope."""
    if not can_write_plan(by, plan.enrollment, session):
        raise PermissionDenied("You cannot review this participant's action plans here.")
    plan = _locked_active(plan, "review")
    errors: Errors = {}
    if outcome not in ReviewOutcome.values:
        _add(errors, "outcome", "Say how it went: done, partly done or not done.")
    if len(note.strip()) > MAX_NOTE:
        _add(errors, "note", f"Keep the note under {MAX_NOTE} characters.")
    _check_context(errors, plan.enrollment, contact, session, doing="the plan was reviewed in")
    if errors:
        raise ValidationError(errors)
    plan.status = ActionPlanStatus.REVIEWED
    plan.review_outcome = outcome
    plan.review_note = note.strip()
    plan.reviewed_at = timezone.now()
    plan.reviewed_by = by
    plan.reviewed_in_contact = contact
    plan.reviewed_in_session = session
    plan.save()
    return plan


@transaction.atomic
def withdraw_action_plan(by: User, plan: ActionPlan, note: str = "") -> ActionPlan:
    """Closes an active plan without a review (it no longer fits: illness, a change of program...)."""
    if not can_write_plan(by, plan.enrollment):
        raise PermissionDenied("You cannot withdraw this participant's action plans.")
    plan = _locked_active(plan, "withdraw")
    if len(note.strip()) > MAX_NOTE:
        raise ValidationError({"note": [f"Keep the note under {MAX_NOTE} characters."]})
    _close(plan, by, timezone.now(), ActionPlanStatus.WITHDRAWN, note.strip())
    return plan


# --- measurements --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """One reading as typed: the value (systolic for blood pressure), the diastolic, the unit."""

    kind: str
    value: object
    unit: str
    value2: object = None
    glucose_context: str = ""


@dataclass(frozen=True)
class CheckedReading:
    kind: str
    value: Decimal
    value2: Decimal | None
    unit: str
    canonical: Decimal
    glucose_context: str


def check_reading(reading: Reading) -> tuple[CheckedReading | None, Errors]:
    """The reading on its own: kind, unit for the kind, plausible range, second value, glucose context.
    Returns (the reading in canonical form, or None; errors keyed value, value2, unit, kind, glucose_context)."""
    errors: Errors = {}
    if reading.kind not in K.values:
        _add(errors, "kind", f"Unknown measurement: {reading.kind}. Use blood_pressure, weight, hba1c or glucose.")
        return None, errors
    kind = reading.kind
    names: dict[str, str] = {K.BLOOD_PRESSURE: "systolic (upper number)", K.HBA1C: "HbA1c"}
    what = names.get(kind, K(kind).label.lower())
    unit = ""
    try:
        unit = units.normalize_unit(kind, reading.unit)
    except units.UnitError as error:
        _add(errors, "unit", str(error))
    value: Decimal | None = None
    try:
        value = units.parse_decimal(reading.value, what)
        if unit:
            units.check_range(kind, unit, value, what.split(" (")[0])
    except units.UnitError as error:
        _add(errors, "value", str(error))
    value2: Decimal | None = None
    if kind == K.BLOOD_PRESSURE:
        try:
            value2 = units.parse_decimal(reading.value2, "diastolic (lower number)")
            units.check_diastolic(None if "value" in errors else value, value2)
        except units.UnitError as error:
            _add(errors, "value2", str(error))
    elif reading.value2 not in (None, ""):
        _add(errors, "value2", "Only blood pressure has a second value.")
    context = reading.glucose_context or ""
    if kind == K.GLUCOSE and context not in GlucoseContext.values:
        _add(errors, "glucose_context", "Unknown glucose context: use fasting, before_meal, after_meal or random.")
    elif kind != K.GLUCOSE and context:
        _add(errors, "glucose_context", "Only a glucose reading has a context (fasting, before or after a meal).")
    if errors or value is None:
        return None, errors
    canonical = units.to_canonical(kind, unit, value)
    return CheckedReading(kind, value, value2, unit, canonical, context), errors


def thresholds_for(program: Program) -> MeasurementThresholds:
    """The program's thresholds, created with the defaults (domain-notes) the first time they are needed."""
    thresholds, _ = MeasurementThresholds.objects.get_or_create(program=program)
    return thresholds


@dataclass(frozen=True)
class Finding:
    tier: str
    why: str  # the threshold crossed, in words


def _high_bp(t: MeasurementThresholds) -> Q:
    return Q(value__gt=t.bp_high_systolic) | Q(value2__gt=t.bp_high_diastolic)


def assess(
    reading: CheckedReading, t: MeasurementThresholds, *, participant: Participant, taken_at: datetime
) -> Finding | None:
    """Which concern the reading calls for, if any (glucose and blood pressure; weight and HbA1c raise none).

    glucose   below low_emergency or above high_emergency: emergency; below low_urgent or above
              high_urgent: urgent (thresholds in mg/dL, compared with the canonical value)
    BP        systolic >= emergency systolic or diastolic >= emergency diastolic: emergency; above the high
              systolic or diastolic: urgent when another high reading of the person was taken within
              bp_repeat_days (before or after, since readings may be entered late), else routine: recheck.
    """
    if reading.kind == K.GLUCOSE:
        mg = reading.canonical
        if mg < t.glucose_low_emergency:
            return Finding(ConcernTier.EMERGENCY, f"below the emergency threshold of {t.glucose_low_emergency} mg/dL")
        if mg > t.glucose_high_emergency:
            return Finding(ConcernTier.EMERGENCY, f"above the emergency threshold of {t.glucose_high_emergency} mg/dL")
        if mg < t.glucose_low_urgent:
            return Finding(ConcernTier.URGENT, f"below the urgent threshold of {t.glucose_low_urgent} mg/dL")
        if mg > t.glucose_high_urgent:
            return Finding(ConcernTier.URGENT, f"above the urgent threshold of {t.glucose_high_urgent} mg/dL")
        return None
    if reading.kind != K.BLOOD_PRESSURE or reading.value2 is None:
        return None
    systolic, diastolic = reading.value, reading.value2
    if systolic >= t.bp_emergency_systolic or diastolic >= t.bp_emergency_diastolic:
        return Finding(
            ConcernTier.EMERGENCY,
            f"at or above the emergency threshold of {t.bp_emergency_systolic}/{t.bp_emergency_diastolic} mmHg",
        )
    if systolic <= t.bp_high_systolic and diastolic <= t.bp_high_diastolic:
        return None
    high = f"above {t.bp_high_systolic}/{t.bp_high_diastolic} mmHg"
    window = timedelta(days=t.bp_repeat_days)
    other = (
        Measurement.objects.filter(
            _high_bp(t),
            participant=participant,
            kind=K.BLOOD_PRESSURE,
            taken_at__gte=taken_at - window,
            taken_at__lte=taken_at + window,
        )
        .order_by("-taken_at")
        .first()
    )
    if other is not None:
        on = timezone.localtime(other.taken_at, ZoneInfo(participant.zone))
        return Finding(
            ConcernTier.URGENT,
            f"{high} again: another high reading ({other.display_value} on {on:%d %b %Y}) "
            f"within {t.bp_repeat_days} days",
        )
    return Finding(
        ConcernTier.ROUTINE,
        f"{high}, a single high reading: recheck within 1-2 weeks "
        f"(repeated high readings within {t.bp_repeat_days} days are urgent)",
    )


def _where(by: User, enrollment: Enrollment, session: GroupSession | None, contact: Contact | None) -> str:
    if session is not None:
        series = session.series
        venue = f" ({series.venue})" if series.venue else ""
        return f"at {series.title}, session {session.number}{venue}, {enrollment.program.name}"
    if contact is not None:
        day = timezone.localtime(contact.occurred_at, ZoneInfo(enrollment.participant.zone))
        return f"in a {contact.get_modality_display().lower()} contact on {day:%d %b %Y}, {enrollment.program.name}"
    return f"recorded by {by.display_name}, {enrollment.program.name}"


def _reason(reading: CheckedReading, finding: Finding, where: str) -> str:
    entered = units.entered_display(reading.kind, reading.value, reading.value2, reading.unit)
    canonical = units.canonical_display(reading.kind, reading.canonical, reading.value2)
    value = entered if reading.unit == units.CANONICAL_UNIT[reading.kind] else f"{entered} ({canonical})"
    context = ""
    if reading.glucose_context:
        context = f", {GlucoseContext(reading.glucose_context).label.lower()}"
    return f"{K(reading.kind).label} {value}{context}, {where}: {finding.why}."


def _check_taken_at(errors: Errors, taken_at: datetime | None, now: datetime) -> None:
    if taken_at is not None and taken_at > now + CLOCK_SKEW:
        _add(errors, "taken_at", "A reading cannot be dated in the future.")


def _default_taken_at(now: datetime, session: GroupSession | None, contact: Contact | None) -> datetime:
    """When the reading was taken, if not said: during the session or contact it belongs to, else now."""
    if session is not None and session.ends_at < now:
        return session.starts_at
    if contact is not None:
        return contact.occurred_at
    return now


@transaction.atomic
def record_readings(
    by: User,
    enrollment: Enrollment,
    readings: list[Reading],
    *,
    taken_at: datetime | None = None,
    session: GroupSession | None = None,
    contact: Contact | None = None,
    prefix_fields: bool = True,
) -> list[Measurement]:
    """Records several readings of one person taken together (blood pressure and weight at a group visit),
    all or none. Errors about one reading are keyed "<kind>_<field>" (e.g. "glucose_unit") when
    prefix_fields, so a form with a field per kind shows each beside its input.

    A value past the program's thresholds raises a concern of the right tier in the same transaction,
    linked on measurement.concern. Precondition: session and contact fetched through the caller's scope."""
    if not can_record_measurement(by, enrollment, session):
        raise PermissionDenied("You cannot record readings for this participant here.")
    errors: Errors = {}
    now = timezone.now()
    if not readings:
        _add(errors, "readings", "Enter at least one reading.")
    kinds = [r.kind for r in readings]
    if len(set(kinds)) != len(kinds):
        _add(errors, "readings", "One reading of each kind at a time.")
    _check_context(errors, enrollment, contact, session, doing="the reading was taken at")
    if session is not None and not session.is_cancelled and session.starts_at - BEFORE_SESSION > now:
        _add(errors, "session", "That session has not started yet: record readings at the session.")
    _check_taken_at(errors, taken_at, now)
    checked: list[CheckedReading] = []
    for reading in readings:
        result, problems = check_reading(reading)
        for key, messages in problems.items():
            for message in messages:
                _add(errors, f"{reading.kind}_{key}" if prefix_fields else key, message)
        if result is not None:
            checked.append(result)
    if errors:
        raise ValidationError(errors)
    when = taken_at or _default_taken_at(now, session, contact)
    participant = enrollment.participant
    checked_against = any(r.kind in (K.GLUCOSE, K.BLOOD_PRESSURE) for r in checked)
    thresholds = thresholds_for(enrollment.program) if checked_against else None
    saved: list[Measurement] = []
    for good in checked:
        concern: Concern | None = None
        finding = assess(good, thresholds, participant=participant, taken_at=when) if thresholds else None
        if finding is not None:
            concern = raise_concern(
                by,
                participant,
                tier=finding.tier,
                reason=_reason(good, finding, _where(by, enrollment, session, contact)),
                program=enrollment.program,
            )
        saved.append(
            Measurement.objects.create(
                participant=participant,
                enrollment=enrollment,
                session=session,
                contact=contact,
                kind=good.kind,
                value=good.value,
                value2=good.value2,
                unit=good.unit,
                canonical_value=good.canonical,
                glucose_context=good.glucose_context,
                taken_at=when,
                recorded_by=by,
                recorded_at=now,
                concern=concern,
            )
        )
    return saved


def record_measurement(
    by: User,
    participant: Participant,
    enrollment: Enrollment,
    kind: str,
    value: object,
    value2: object = None,
    *,
    unit: str,
    taken_at: datetime | None = None,
    session: GroupSession | None = None,
    contact: Contact | None = None,
    glucose_context: str = "",
) -> Measurement:
    """Records one reading of `participant` in `enrollment` (value = systolic and value2 = diastolic for
    blood pressure). Validates the unit for the kind, the plausible range and the context, converts to the
    canonical unit, and raises a concern when past the program's thresholds, all in one transaction.
    Errors are keyed value, value2, unit, kind, glucose_context, taken_at, session, contact, participant.
    Precondition: session and contact fetched through the caller's scope."""
    if participant.pk != enrollment.participant_id:
        raise ValidationError({"participant": ["That enrolment belongs to someone else."]})
    reading = Reading(kind=kind, value=value, unit=unit, value2=value2, glucose_context=glucose_context)
    return record_readings(
        by, enrollment, [reading], taken_at=taken_at, session=session, contact=contact, prefix_fields=False
    )[0]


# --- thresholds ----------------------------------------------------------------------------------------

# Each threshold's accepted range, wide enough for any program's clinical protocol, narrow enough to
# catch a typo (a glucose threshold of 7 is mmol/L typed where mg/dL is meant).
THRESHOLD_LIMITS: dict[str, tuple[int, int]] = {
    "glucose_low_emergency": (20, 200),
    "glucose_low_urgent": (30, 250),
    "glucose_high_urgent": (120, 700),
    "glucose_high_emergency": (150, 900),
    "bp_high_systolic": (100, 250),
    "bp_high_diastolic": (60, 150),
    "bp_repeat_days": (1, 365),
    "bp_emergency_systolic": (120, 300),
    "bp_emergency_diastolic": (70, 200),
}


THRESHOLD_ORDER = (
    ("glucose_low_emergency", "glucose_low_urgent", "low glucose emergency threshold"),
    ("glucose_low_urgent", "glucose_high_urgent", "low glucose urgent threshold"),
    ("glucose_high_urgent", "glucose_high_emergency", "high glucose urgent threshold"),
    ("bp_high_systolic", "bp_emergency_systolic", "high systolic"),
    ("bp_high_diastolic", "bp_emergency_diastolic", "high diastolic"),
)


@transaction.atomic
def save_thresholds(by: User, program: Program, values: Mapping[str, object]) -> MeasurementThresholds:
    """Changes some or all of a program's thresholds (the ones not given keep their value). Each must be
    a whole number in THRESHOLD_LIMITS, and they must be in order: glucose low emergency < low urgent <
    high urgent < high emergency; the high blood pressure below the emergency one. Managers only."""
    if not can_edit_thresholds(by, program):
        raise PermissionDenied("Only the program's administrators and coordinators change its thresholds.")
    thresholds, _ = MeasurementThresholds.objects.select_for_update().get_or_create(program=program)
    errors: Errors = {}
    merged: dict[str, int] = {name: getattr(thresholds, name) for name in THRESHOLD_LIMITS}
    for name, raw in values.items():
        if name not in THRESHOLD_LIMITS:
            _add(errors, name, f"Unknown threshold: {name}.")
            continue
        number = _whole(raw)
        low, high = THRESHOLD_LIMITS[name]
        if number is None:
            _add(errors, name, "Give a whole number.")
        elif not low <= number <= high:
            _add(errors, name, f"Must be between {low} and {high}.")
        else:
            merged[name] = number
    if not errors:
        # (lower, higher, what the lower one is called): the higher must be above the lower.
        for lower, higher, called in THRESHOLD_ORDER:
            if not merged[lower] < merged[higher]:
                _add(errors, higher, f"Must be above the {called} ({merged[lower]}).")
    if errors:
        raise ValidationError(errors)
    for name, number in merged.items():
        setattr(thresholds, name, number)
    thresholds.updated_by = by
    thresholds.updated_at = timezone.now()
    thresholds.save()
    return thresholds
