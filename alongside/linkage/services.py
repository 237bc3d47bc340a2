"""Referral writes: make a referral, move it along the closed loop, record one received from outside, and a
program's stall settings. Called by the pages, the API and the FHIR endpoint alike.

Every function validates everything first and raises django's ValidationError ({field: [messages]}) before
writing anything, or PermissionDenied when the user may not do this at all; then it writes in one
transaction. Every status a referral takes is a ReferralEvent with who and when, and every write refreshes
the enrolment's follow-up state (a sent referral delivers the linkage function: coverage, gaps, the
supporter's list).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from alongside.accounts.models import Organization, Role, User
from alongside.contacts.models import Contact
from alongside.followup import engine as follow_up
from alongside.linkage.models import (
    REFERRAL_TRANSITIONS,
    Referral,
    ReferralEvent,
    ReferralKind,
    ReferralSettings,
    ReferralStatus,
    ReferralUrgency,
    Service,
    ServiceStatus,
    SharedItem,
)
from alongside.linkage.referral_access import (
    REFERABLE_ENROLLMENT_STATUSES,
    can_change_referral_settings,
    can_receive,
    can_refer,
    can_update,
    statuses_for,
)
from alongside.programs.models import Enrollment, Program

MAX_REASON_LENGTH = 2000
MAX_NOTE_LENGTH = ReferralEvent._meta.get_field("note").max_length or 500
MAX_NAME_LENGTH = Referral._meta.get_field("to_name").max_length or 300
MAX_EXTERNAL_ID_LENGTH = Referral._meta.get_field("external_id").max_length or 200
MAX_APPOINTMENT_DAYS_AHEAD = 366
STALL_DAYS_LIMITS = (1, 365)
# Services that cannot take anyone: referring to them would never close the loop.
CLOSED_SERVICE_STATUSES = (ServiceStatus.INACTIVE, ServiceStatus.DEFUNCT)

Errors = dict[str, list[str]]


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _label(status: str) -> str:
    return str(ReferralStatus(status).label).lower()


def _either(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} or {labels[-1]}"


def _check_receiver(
    errors: Errors,
    organization_id: int,
    kind: str,
    service: Service | None,
    to_professional: User | None,
    to_name: str,
    *,
    required: bool,
) -> None:
    """Exactly one receiver (or at most one when not required): a service of the organization's directory,
    an active professional of the organization, or a name."""
    given = [service is not None, to_professional is not None, bool(to_name)]
    if sum(given) > 1:
        _add(
            errors,
            "receiver",
            "Choose one receiver: a service from the directory, a professional or a name, not "
            f"{'all three' if sum(given) == 3 else 'two'}.",
        )
    elif required and not any(given):
        _add(
            errors,
            "receiver",
            "Choose who the referral goes to: a service from the directory, a professional or a name.",
        )
    if service is not None:
        if service.organization_id != organization_id:
            _add(errors, "service", "No such service in your organization's directory.")
        elif service.status in CLOSED_SERVICE_STATUSES:
            _add(
                errors, "service", f"{service.name} is {service.get_status_display().lower()}; choose another service."
            )
        elif kind == ReferralKind.CLINICAL and not service.is_clinical:
            _add(
                errors,
                "kind",
                f"{service.name} is a community resource, not clinical care: make a community referral, or "
                "refer to a clinical service or a professional.",
            )
    if to_professional is not None and not (
        to_professional.role == Role.PROFESSIONAL
        and to_professional.is_active
        and to_professional.organization_id == organization_id
    ):
        _add(errors, "to_professional", "Choose an active professional of this organization.")
    if len(to_name) > MAX_NAME_LENGTH:
        _add(errors, "to_name", f"Keep the name under {MAX_NAME_LENGTH} characters.")


def _check_basics(errors: Errors, enrollment: Enrollment, kind: str, reason: str, urgency: str) -> None:
    if enrollment.status not in REFERABLE_ENROLLMENT_STATUSES:
        _add(errors, "enrollment", f"The enrolment is {enrollment.get_status_display().lower()}; referrals are closed.")
    if kind not in ReferralKind.values:
        _add(errors, "kind", f"Choose clinical care or a community resource (got {kind!r}).")
    if urgency not in ReferralUrgency.values:
        _add(errors, "urgency", f"Unknown urgency: {urgency}.")
    if not reason:
        _add(errors, "reason", "Say why you are referring (a sentence is enough).")
    elif len(reason) > MAX_REASON_LENGTH:
        _add(errors, "reason", f"Keep the reason under {MAX_REASON_LENGTH} characters.")


def _events(referral: Referral, by: User, at: datetime, steps: Sequence[tuple[str, str, str]]) -> None:
    ReferralEvent.objects.bulk_create(
        ReferralEvent(referral=referral, from_status=a, to_status=b, changed_by=by, changed_at=at, note=note)
        for a, b, note in steps
    )


def create_referral(
    by: User,
    enrollment: Enrollment,
    *,
    kind: str,
    reason: str,
    urgency: str,
    consent_to_share: bool,
    shared_items: Iterable[str],
    service: Service | None = None,
    to_professional: User | None = None,
    to_name: str = "",
    from_contact: Contact | None = None,
    send: bool = True,
) -> Referral:
    """Makes a referral for `enrollment`: sent at once (send=True) or kept as a draft.

    Preconditions: none beyond the arguments' types; the caller need not have checked access. Raises
    PermissionDenied unless `by` is an assigned supporter of the enrolment or an organization-wide role of
    its organization; ValidationError (nothing written) for a missing consent, no receiver or more than
    one, a service or professional outside the organization, a clinical referral to a community service,
    a missing reason, unknown codes, a contact from another enrolment, or a closed enrolment."""
    if not can_refer(by, enrollment):
        raise PermissionDenied("Only the participant's supporters and coordinators make referrals.")
    reason = (reason or "").strip()
    to_name = (to_name or "").strip()
    errors: Errors = {}
    _check_basics(errors, enrollment, kind, reason, urgency)
    if consent_to_share is not True:
        _add(
            errors,
            "consent_to_share",
            "The participant must agree to share what is ticked with the receiver before a referral is made. "
            "Ask them first; nothing was sent.",
        )
    items = list(shared_items) if not isinstance(shared_items, str) else [shared_items]
    unknown = sorted({str(i) for i in items} - set(SharedItem.values))
    if unknown:
        _add(errors, "shared_items", f"Unknown shared item: {', '.join(unknown)}.")
    _check_receiver(errors, enrollment.program.organization_id, kind, service, to_professional, to_name, required=True)
    if from_contact is not None and from_contact.enrollment_id != enrollment.pk:
        _add(errors, "from_contact", "That contact is from another enrolment.")
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    status = ReferralStatus.SENT if send else ReferralStatus.DRAFT
    with transaction.atomic():
        referral = Referral.objects.create(
            participant=enrollment.participant,
            enrollment=enrollment,
            kind=kind,
            service=service,
            to_professional=to_professional,
            to_name=to_name,
            reason=reason,
            urgency=urgency,
            consent_to_share=True,
            shared_items=[i for i in SharedItem.values if i in items],  # in the list's order, no repeats
            status=status,
            status_changed_at=now,
            from_contact=from_contact,
            created_by=by,
            created_at=now,
        )
        steps = [("", ReferralStatus.DRAFT, "")]
        if send:
            steps.append((ReferralStatus.DRAFT, ReferralStatus.SENT, ""))
        _events(referral, by, now, steps)
        follow_up.refresh([enrollment.pk])
    return referral


def change_status(
    by: User, referral: Referral, to_status: str, *, note: str = "", appointment_at: datetime | None = None
) -> Referral:
    """Moves a referral one step along REFERRAL_TRANSITIONS and records the step (who, when, note).

    Raises PermissionDenied when `by` may not update this referral, or may not set this status (a receiving
    professional answers: accept, decline, book, complete, no-show; sending and cancelling are the referring
    team's). Raises ValidationError (nothing written) for a step the lifecycle does not allow from the
    current status (naming the allowed ones), a booking without an appointment time, or an appointment
    time on any other step. The referral row is locked while it changes, so two people answering at once
    cannot both move it from the same status. Returns the updated referral (`referral` is updated too)."""
    note = (note or "").strip()
    with transaction.atomic():
        locked = (
            Referral.objects.select_for_update()
            .select_related("enrollment__program", "participant")
            .get(pk=referral.pk)
        )
        if not can_update(by, locked):
            raise PermissionDenied("You may not change this referral.")
        errors: Errors = {}
        current = locked.status
        if to_status not in ReferralStatus.values:
            _add(errors, "status", f"Unknown status: {to_status}.")
        elif to_status not in REFERRAL_TRANSITIONS[current]:
            allowed = [_label(s) for s in locked.allowed_next_statuses()]
            if not allowed:
                _add(
                    errors,
                    "status",
                    f"This referral is {_label(current)}: its loop is closed. Make a new referral if more is needed.",
                )
            else:
                _add(
                    errors,
                    "status",
                    f"A referral that is {_label(current)} can next be {_either(allowed)}, not {_label(to_status)}.",
                )
        elif to_status not in statuses_for(by, locked):
            raise PermissionDenied(
                f"Only the referring team can mark a referral {_label(to_status)}; the receiver answers it."
            )
        if to_status == ReferralStatus.SCHEDULED:
            if appointment_at is None:
                _add(errors, "appointment_at", "Give the appointment's date and time.")
            elif appointment_at < locked.created_at - timedelta(days=1):
                _add(errors, "appointment_at", "The appointment cannot be before the referral was made.")
            elif appointment_at > timezone.now() + timedelta(days=MAX_APPOINTMENT_DAYS_AHEAD):
                _add(errors, "appointment_at", "The appointment is more than a year away; check the date.")
        elif appointment_at is not None:
            _add(errors, "appointment_at", "An appointment time goes with booking an appointment only.")
        if len(note) > MAX_NOTE_LENGTH:
            _add(errors, "note", f"Keep the note under {MAX_NOTE_LENGTH} characters.")
        if errors:
            raise ValidationError(errors)

        now = timezone.now()
        _events(locked, by, now, [(current, to_status, note)])
        locked.status = to_status
        locked.status_changed_at = now
        fields = ["status", "status_changed_at"]
        if to_status == ReferralStatus.SCHEDULED:
            locked.appointment_at = appointment_at
            fields.append("appointment_at")
        locked.save(update_fields=fields)
        follow_up.refresh([locked.enrollment_id])
    for name in fields:
        setattr(referral, name, getattr(locked, name))
    return locked


def receive_referral(
    by: User,
    enrollment: Enrollment,
    *,
    kind: str,
    reason: str,
    urgency: str = ReferralUrgency.ROUTINE,
    to_professional: User | None = None,
    service: Service | None = None,
    to_name: str = "",
    external_id: str = "",
    requester: str = "",
) -> Referral:
    """Records a referral received from outside (e.g. a FHIR ServiceRequest) for `enrollment`: incoming,
    status sent, no consent recorded here (the sender asked for it). The receiver is optional (at most
    one); without one it is the enrolment's program. `requester` (who sent it) goes on the first step's
    note. The sender's `external_id`, when given, must be new within the organization: receiving the same
    request twice is an error, not a second referral.

    Raises PermissionDenied unless `by` is an organization-wide role or a professional of the enrolment's
    organization; ValidationError (nothing written) otherwise as create_referral."""
    if not can_receive(by, enrollment):
        raise PermissionDenied("Only coordinators and professionals of the organization record incoming referrals.")
    reason = (reason or "").strip()
    to_name = (to_name or "").strip()
    external_id = (external_id or "").strip()
    requester = (requester or "").strip()
    organization_id = enrollment.program.organization_id
    errors: Errors = {}
    _check_basics(errors, enrollment, kind, reason, urgency)
    _check_receiver(errors, organization_id, kind, service, to_professional, to_name, required=False)
    if len(external_id) > MAX_EXTERNAL_ID_LENGTH:
        _add(errors, "external_id", f"Keep the id under {MAX_EXTERNAL_ID_LENGTH} characters.")
    if len(requester) > MAX_NOTE_LENGTH - len("Received from "):
        _add(errors, "requester", "Keep the sender's name shorter.")
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    with transaction.atomic():
        if external_id:
            # One receipt at a time per organization, so the same request arriving twice at once is caught.
            Organization.objects.select_for_update().filter(pk=organization_id).first()
            earlier = Referral.objects.filter(
                external_id=external_id, is_incoming=True, enrollment__program__organization=organization_id
            ).first()
            if earlier is not None:
                raise ValidationError(
                    {"external_id": [f"A referral with id {external_id} was already received (referral {earlier.pk})."]}
                )
        if service is None and to_professional is None and not to_name:
            to_name = enrollment.program.name
        referral = Referral.objects.create(
            participant=enrollment.participant,
            enrollment=enrollment,
            kind=kind,
            service=service,
            to_professional=to_professional,
            to_name=to_name,
            reason=reason,
            urgency=urgency,
            consent_to_share=False,
            shared_items=[],
            status=ReferralStatus.SENT,
            status_changed_at=now,
            is_incoming=True,
            external_id=external_id,
            created_by=by,
            created_at=now,
        )
        note = f"Received from {requester}" if requester else "Received from outside"
        _events(referral, by, now, [("", ReferralStatus.SENT, note)])
        follow_up.refresh([enrollment.pk])
    return referral


def save_referral_settings(
    by: User, program: Program, *, stall_after_days: Any, urgent_stall_after_days: Any
) -> ReferralSettings:
    """Sets after how many days without progress a program's open referrals go on the supporter's list.
    Raises PermissionDenied unless `by` manages the program's organization; ValidationError for numbers
    out of range or urgent referrals waiting longer than routine ones."""
    if not can_change_referral_settings(by, program):
        raise PermissionDenied("Only the program's coordinators can change this.")
    low, high = STALL_DAYS_LIMITS
    errors: Errors = {}
    values: dict[str, int] = {}
    for name, raw in (("stall_after_days", stall_after_days), ("urgent_stall_after_days", urgent_stall_after_days)):
        try:
            value = int(raw)
        except (TypeError, ValueError):
            _add(errors, name, "Enter a whole number of days.")
            continue
        if isinstance(raw, bool) or not low <= value <= high:
            _add(errors, name, f"Must be between {low} and {high} days.")
            continue
        values[name] = value
    if not errors and values["urgent_stall_after_days"] > values["stall_after_days"]:
        _add(errors, "urgent_stall_after_days", "Urgent referrals should be chased sooner than routine ones.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        settings, _ = ReferralSettings.objects.update_or_create(program=program, defaults=values)
    return settings
