"""Concerns: raised from any channel, kept open until a human acknowledges them."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alongside.accounts.models import User
from alongside.people.models import Participant
from alongside.programs.models import Program
from alongside.safety.models import Concern
from alongside.taxonomy import ConcernTier

logger = logging.getLogger("alongside.safety")


def check_concern(tier: str, reason: str) -> None:
    errors: dict[str, list[str]] = {}
    if tier not in ConcernTier.values:
        errors["concern_tier"] = [f"Unknown concern tier: {tier}. Use routine, urgent or emergency."]
    if not reason.strip():
        errors["concern_reason"] = ["Say what the concern is, so the supervisor can act on it."]
    if errors:
        raise ValidationError(errors)


def raise_concern(
    by: User,
    participant: Participant,
    *,
    tier: str,
    reason: str,
    program: Program | None = None,
    contact_id: int | None = None,
) -> Concern:
    """Records the concern; it appears at once on every supervisor's home of the organization.
    Precondition: the caller may see the participant."""
    check_concern(tier, reason)
    concern = Concern.objects.create(
        participant=participant,
        program=program,
        contact_id=contact_id,
        tier=tier,
        reason=reason.strip(),
        raised_by=by,
        raised_at=timezone.now(),
    )
    log = logger.error if tier == ConcernTier.EMERGENCY else logger.warning
    log("%s concern %s raised for participant %s", tier, concern.pk, participant.pk)
    return concern


@transaction.atomic
def acknowledge_concern(by: User, concern: Concern, note: str = "") -> Concern:
    """Marks the concern as seen by a human. Acknowledging twice keeps the first acknowledgement."""
    concern = Concern.objects.select_for_update().get(pk=concern.pk)
    if concern.acknowledged_at is not None:
        by_whom = concern.acknowledged_by.display_name if concern.acknowledged_by else "someone"
        at = timezone.localtime(concern.acknowledged_at)
        raise ValidationError({"concern": [f"Already acknowledged by {by_whom} at {at:%Y-%m-%d %H:%M}."]})
    concern.acknowledged_by = by
    concern.acknowledged_at = timezone.now()
    concern.acknowledgement_note = note.strip()[:300]
    concern.save(update_fields=["acknowledged_by", "acknowledged_at", "acknowledgement_note"])
    return concern
