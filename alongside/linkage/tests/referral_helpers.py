"""Builders shared by the referral tests: directory services and referrals in any state."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from alongside.linkage.models import Referral, ReferralEvent, Service
from alongside.linkage.services import create_referral
from alongside.testing.world import World


def food_bank(world: World, **data: Any) -> Service:
    return Service.objects.create(organization=world.org, name="Eastside Food Bank", **data)


def diabetes_clinic(world: World, **data: Any) -> Service:
    return Service.objects.create(organization=world.org, name="Riverside Diabetes Clinic", is_clinical=True, **data)


def refer_paul_to_priya(world: World, **data: Any) -> Referral:
    """Sofia refers Paul (telephone program) to Priya, sent."""
    fields: dict[str, Any] = {
        "kind": "clinical",
        "reason": "Feet numb for two weeks; wants a foot check.",
        "urgency": "routine",
        "consent_to_share": True,
        "shared_items": ["name_and_contact", "reason", "conditions"],
        "to_professional": world.priya,
        **data,
    }
    return create_referral(world.sofia.user, world.paul_enrollment, **fields)


def age(referral: Referral, days: float) -> Referral:
    """Moves the referral's last progress (and its events) `days` into the past."""
    moment = timezone.now() - timedelta(days=days)
    Referral.objects.filter(pk=referral.pk).update(status_changed_at=moment, created_at=moment)
    ReferralEvent.objects.filter(referral=referral).update(changed_at=moment)
    referral.refresh_from_db()
    return referral
