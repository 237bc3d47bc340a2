"""Logging a contact: validate, save, raise any concern, in one transaction.

Called by the contact form, the API and the demo loader alike. Later capabilities (the follow-up
engine, messaging) hook in here so that every channel updates the same state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alongside.accounts.models import User
from alongside.contacts.models import MAX_DURATION_MINUTES, Contact
from alongside.followup import engine as follow_up
from alongside.people.access import can_log_contact
from alongside.people.models import Supporter
from alongside.programs.models import CASELOAD_STATUSES, Enrollment, EnrollmentStatus
from alongside.safety.services import check_concern, raise_concern
from alongside.taxonomy import ACTIVITY_BY_CODE, FUNCTION_FIELDS, Initiation, KeyFunction, Modality, Outcome

# Phones and servers disagree by a little; anything further ahead is a typo in the date.
CLOCK_SKEW = timedelta(minutes=5)
MAX_FOLLOW_UP_DAYS = 366
LOGGABLE_STATUSES = (*CASELOAD_STATUSES, EnrollmentStatus.REFERRED, EnrollmentStatus.LOST_TO_FOLLOW_UP)


@dataclass
class ContactInput:
    occurred_at: datetime
    modality: str = Modality.PHONE_CALL
    initiated_by: str = Initiation.PROACTIVE
    outcome: str = Outcome.REACHED
    duration_minutes: int = 0
    functions: list[str] = field(default_factory=list)
    activities: list[str] = field(default_factory=list)
    topics: str = ""
    note: str = ""
    next_contact_due: date | None = None
    concern_tier: str = ""
    concern_reason: str = ""


def check_contact(by: User, enrollment: Enrollment, data: ContactInput) -> tuple[set[str], list[str]]:
    """Validates a contact. Returns (functions, activities), functions including those implied by the
    activities. Raises ValidationError with every problem found, keyed by field."""
    errors: dict[str, list[str]] = {}
    if not can_log_contact(by, enrollment):
        errors["participant"] = ["You are not assigned to this participant in this program."]
    if enrollment.status not in LOGGABLE_STATUSES:
        errors["participant"] = [f"The enrolment is {enrollment.get_status_display().lower()}; contacts are closed."]
    if data.modality not in Modality.values:
        errors["modality"] = [f"Unknown modality: {data.modality}."]
    if data.initiated_by not in Initiation.values:
        errors["initiated_by"] = [f"Unknown initiation: {data.initiated_by}."]
    if data.outcome not in Outcome.values:
        errors["outcome"] = [f"Unknown outcome: {data.outcome}."]
    if not isinstance(data.duration_minutes, int) or not 0 <= data.duration_minutes <= MAX_DURATION_MINUTES:
        errors["duration_minutes"] = [f"Duration must be between 0 and {MAX_DURATION_MINUTES} minutes."]
    now = timezone.now()
    if data.occurred_at > now + CLOCK_SKEW:
        errors["occurred_at"] = ["A contact cannot be dated in the future."]
    elif data.occurred_at.date() < enrollment.enrolled_on - timedelta(days=1):
        errors["occurred_at"] = ["The contact is dated before the participant's enrolment."]
    unknown_functions = sorted(set(data.functions) - set(KeyFunction.values))
    if unknown_functions:
        errors["functions"] = [f"Unknown key function: {', '.join(unknown_functions)}."]
    unknown_activities = sorted(set(data.activities) - set(ACTIVITY_BY_CODE))
    if unknown_activities:
        errors["activities"] = [f"Unknown activity: {', '.join(unknown_activities)}."]
    functions = set(data.functions) | {ACTIVITY_BY_CODE[a].function for a in data.activities if a in ACTIVITY_BY_CODE}
    if data.outcome == Outcome.REACHED and not functions and not unknown_functions:
        errors["functions"] = ["Tick at least one key function the contact served."]
    if data.outcome != Outcome.REACHED and functions:
        errors["functions"] = ["An attempt that did not reach the participant cannot deliver key functions."]
    participant = enrollment.participant
    if data.initiated_by == Initiation.PROACTIVE and not participant.consent_contact:
        errors["initiated_by"] = [
            f"{participant.preferred_name} has not consented to be contacted; only contacts they start can be logged."
        ]
    if data.next_contact_due is not None:
        today = timezone.localdate()
        if data.next_contact_due < data.occurred_at.date():
            errors["next_contact_due"] = ["The next contact cannot be due before this one."]
        elif data.next_contact_due > today + timedelta(days=MAX_FOLLOW_UP_DAYS):
            errors["next_contact_due"] = ["Next contact is more than a year away; pick a nearer date."]
    if data.concern_tier or data.concern_reason:
        try:
            check_concern(data.concern_tier, data.concern_reason)
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return functions, list(dict.fromkeys(data.activities))


@transaction.atomic
def log_contact(by: User, enrollment: Enrollment, data: ContactInput) -> Contact:
    """Saves a contact (and its concern, if any). Nothing is written if anything is invalid."""
    functions, activities = check_contact(by, enrollment, data)
    supporter = Supporter.objects.filter(user=by).first()
    contact = Contact.objects.create(
        participant_id=enrollment.participant_id,
        enrollment=enrollment,
        supporter=supporter,
        recorded_by=by,
        occurred_at=data.occurred_at,
        modality=data.modality,
        initiated_by=data.initiated_by,
        outcome=data.outcome,
        duration_minutes=data.duration_minutes,
        activities=activities,
        topics=data.topics.strip()[:300],
        note=data.note.strip(),
        next_contact_due=data.next_contact_due,
        **{FUNCTION_FIELDS[f]: True for f in functions},
    )
    if data.concern_tier:
        raise_concern(
            by,
            enrollment.participant,
            tier=data.concern_tier,
            reason=data.concern_reason,
            program=enrollment.program,
            contact_id=contact.pk,
        )
    # Reaching someone who was lost to follow-up restarts their active support.
    if (
        data.outcome == Outcome.REACHED
        and enrollment.status == EnrollmentStatus.LOST_TO_FOLLOW_UP
        and enrollment.participant.consent_contact
    ):
        from alongside.programs.services import change_status

        change_status(by, enrollment, EnrollmentStatus.ACTIVE, reason="Reached again (contact logged).")
    follow_up.refresh([enrollment.pk])
    return contact
