"""Paul's record, full enough that every FHIR resource type has something to export: contacts (reached and
not), action plans (one reviewed, one active), a reading of each kind and unit, and two referrals (a
community one to a food pantry from the directory, a clinical one to priya) with shared items."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.utils import timezone

from alongside.contacts.models import Contact
from alongside.linkage.models import Referral, ReferralKind, ReferralStatus, Service, SharedItem, TaxonomyTerm
from alongside.linkage.services import change_status, create_referral
from alongside.selfcare.models import ActionPlan, Measurement, ReviewOutcome
from alongside.selfcare.services import ActionPlanInput, create_action_plan, record_measurement, review_action_plan
from alongside.taxonomy import Modality, Outcome
from alongside.testing.world import World, make_contact


@dataclass
class PaulsRecord:
    call: Contact
    home_visit: Contact
    no_answer: Contact
    reviewed_plan: ActionPlan
    active_plan: ActionPlan
    readings: dict[str, Measurement]
    pantry: Service
    community: Referral
    clinical: Referral


def build_pauls_record(world: World) -> PaulsRecord:
    paul, enrollment, sofia = world.paul, world.paul_enrollment, world.sofia.user
    paul.consent_data_sharing = True
    paul.date_of_birth = date(1961, 4, 9)
    paul.email = "paul@example.org"
    paul.locality = "Riverside East"
    paul.gender = "man"
    paul.save()

    call = make_contact(
        enrollment,
        sofia,
        days_ago=3,
        functions=("daily_management", "linkage"),
        activities=["action_plan", "community_resource"],
        duration_minutes=25,
    )
    home_visit = make_contact(enrollment, sofia, days_ago=10, modality=Modality.HOME_VISIT, duration_minutes=60)
    no_answer = make_contact(enrollment, sofia, days_ago=2, outcome=Outcome.NO_ANSWER, duration_minutes=0)

    first = create_action_plan(sofia, enrollment, ActionPlanInput("walk", "20 minutes", "after lunch", 3, 8))
    reviewed = review_action_plan(sofia, first, ReviewOutcome.DONE, "Walked 3 days")
    active = create_action_plan(sofia, enrollment, ActionPlanInput("cook at home", "one meal", "evenings", 7, 9))

    taken = timezone.now() - timedelta(days=1)
    readings = {
        "bp": record_measurement(sofia, paul, enrollment, "blood_pressure", "132", "84", unit="mmHg", taken_at=taken),
        "kg": record_measurement(sofia, paul, enrollment, "weight", "82.5", unit="kg", taken_at=taken),
        "lb": record_measurement(sofia, paul, enrollment, "weight", "181", unit="lb", taken_at=taken),
        "a1c": record_measurement(sofia, paul, enrollment, "hba1c", "7.2", unit="%", taken_at=taken),
        "a1c_ifcc": record_measurement(sofia, paul, enrollment, "hba1c", "55", unit="mmol/mol", taken_at=taken),
        "mgdl": record_measurement(
            sofia, paul, enrollment, "glucose", "110", unit="mg/dL", taken_at=taken, glucose_context="fasting"
        ),
        "mmol": record_measurement(sofia, paul, enrollment, "glucose", "6.4", unit="mmol/L", taken_at=taken),
    }

    food = TaxonomyTerm.objects.create(organization=world.org, code="food-pantry", name="Food pantry")
    pantry = Service.objects.create(organization=world.org, name="Riverside Food Pantry", description="Groceries")
    pantry.categories.add(food)
    community = create_referral(
        sofia,
        enrollment,
        kind=ReferralKind.COMMUNITY,
        reason="Runs out of food at the end of the month",
        urgency="soon",
        consent_to_share=True,
        shared_items=[
            SharedItem.NAME_AND_CONTACT,
            SharedItem.REASON,
            SharedItem.READINGS,
            SharedItem.CONDITIONS,
            SharedItem.ACTION_PLAN,
            SharedItem.LANGUAGE,
        ],
        service=pantry,
        from_contact=call,
    )
    clinical = create_referral(
        sofia,
        enrollment,
        kind=ReferralKind.CLINICAL,
        reason="Foot numbness",
        urgency="urgent",
        consent_to_share=True,
        shared_items=[SharedItem.REASON],
        to_professional=world.priya,
    )
    change_status(world.priya, clinical, ReferralStatus.ACCEPTED)
    return PaulsRecord(
        call=call,
        home_visit=home_visit,
        no_answer=no_answer,
        reviewed_plan=reviewed,
        active_plan=active,
        readings=readings,
        pantry=pantry,
        community=community,
        clinical=clinical,
    )


@pytest.fixture
def record(world: World) -> PaulsRecord:
    return build_pauls_record(world)
