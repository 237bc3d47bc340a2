"""A supporter's own text to a participant (the Text <name> page): checked, then queued through the outbox."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from alongside.accounts.models import Role, User
from alongside.messaging.models import Channel, OutboundMessage, Purpose
from alongside.people.access import is_organization_wide
from alongside.people.models import ConsentKind, Participant
from alongside.people.phones import normalize_phone
from alongside.programs.models import Enrollment

MAX_TEXT_LENGTH = 640  # four SMS segments; longer texts are better as a call


def may_text(user: User, participant: Participant) -> bool:
    """Assigned supporters (current assignment) and organization-wide roles of the participant's organization."""
    if not user.is_active:
        return False
    if is_organization_wide(user):
        return user.is_superuser or user.organization_id == participant.organization_id
    if user.role == Role.SUPPORTER:
        return Enrollment.objects.filter(
            participant=participant, assignments__supporter__user=user, assignments__ended_at__isnull=True
        ).exists()
    return False


def enrollment_for(user: User, participant: Participant) -> Enrollment | None:
    qs = Enrollment.objects.filter(participant=participant).order_by("-enrolled_on", "-id")
    if user.role == Role.SUPPORTER:
        qs = qs.filter(assignments__supporter__user=user, assignments__ended_at__isnull=True)
    return qs.first()


def why_not_textable(participant: Participant) -> str:
    """The reason texts cannot go to the participant, or "" when they can."""
    from alongside.messaging.inbound import STOP_NOTE

    if not participant.consent_texts:
        latest = participant.consent_records.filter(kind=ConsentKind.TEXTS).order_by("-recorded_at", "-id").first()
        if latest is not None and not latest.granted and latest.note == STOP_NOTE:
            return (
                f"{participant.preferred_name} texted STOP on {latest.recorded_at:%d %b %Y}; "
                "no texts can be sent until they text START."
            )
        return f"{participant.preferred_name} has not consented to text messages."
    if not participant.phone:
        return f"{participant.preferred_name} has no phone number on record."
    try:
        normalize_phone(participant.phone)
    except ValidationError:
        return f"{participant.preferred_name}'s phone number ({participant.phone}) is not a valid number."
    return ""


@transaction.atomic
def send_direct_text(by: User, participant: Participant, body: str, key: str) -> OutboundMessage:
    """Queues a text from `by` to the participant. `key` is the compose form's one-time token, so a double
    submit queues one message. Raises ValidationError (nothing queued) when it may not be sent."""
    from alongside.messaging.outbox import MessageDraft, queue_message

    errors: dict[str, list[str]] = {}
    if not may_text(by, participant):
        errors["participant"] = ["You are not assigned to this participant."]
    reason = why_not_textable(participant)
    if reason:
        errors.setdefault("participant", []).append(reason)
    text = body.strip()
    if not text:
        errors["body"] = ["Write the message."]
    elif len(text) > MAX_TEXT_LENGTH:
        errors["body"] = [f"Keep it to {MAX_TEXT_LENGTH} characters (it is {len(text)})."]
    if not key or len(key) > 64:
        errors["key"] = ["The form expired; open it again."]
    if errors:
        raise ValidationError(errors)
    enrollment = enrollment_for(by, participant)
    return queue_message(
        MessageDraft(
            participant_id=participant.pk,
            enrollment_id=enrollment.pk if enrollment else None,
            channel=Channel.SMS,
            purpose=Purpose.DIRECT,
            body=text,
            idempotency_key=f"direct:{participant.pk}:{key}",
            created_by_id=by.pk,
        )
    )
