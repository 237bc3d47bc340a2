"""The builders: every resource parses back with its FHIR R4 class from its own JSON, with the right codes
(LOINC, UCUM, v3 encounter classes, SDOH categories) and the status mappings the module documents."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.resource import Resource

from alongside.interop import codes, resources
from alongside.interop.access import referral_rows, referral_rows_unscoped, shared_records
from alongside.interop.tests.conftest import PaulsRecord
from alongside.linkage.models import Referral, ReferralStatus
from alongside.people.models import Gender, Participant
from alongside.programs.models import Enrollment
from alongside.selfcare.models import ActionPlan, ReviewOutcome
from alongside.selfcare.services import withdraw_action_plan
from alongside.taxonomy import Modality, Outcome
from alongside.testing.world import World, make_contact

pytestmark = pytest.mark.django_db

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"


def roundtrip(resource: Resource) -> dict[str, Any]:
    """The resource's JSON, checked by parsing it back with the R4 class its resourceType names."""
    data = json.loads(resource.model_dump_json())
    get_fhir_model_class(data["resourceType"]).model_validate(data)
    return data


def referral(pk: int) -> Referral:
    return referral_rows_unscoped().get(pk=pk)


def test_every_builder_output_parses_back_with_its_r4_class(world: World, record: PaulsRecord) -> None:
    paul = Participant.objects.select_related("organization").get(pk=world.paul.pk)
    enrollment = (
        Enrollment.objects.select_related("participant", "program__organization")
        .prefetch_related("assignments__supporter__user", "program__clinical_leads")
        .get(pk=world.paul_enrollment.pk)
    )
    built: list[Resource] = [
        resources.patient(paul),
        resources.practitioner(world.sofia),
        resources.practitioner_role(world.sofia),
        resources.care_team(enrollment),
        *(resources.encounter(c) for c in (record.call, record.home_visit, record.no_answer)),
        *(resources.goal(p) for p in (record.reviewed_plan, record.active_plan)),
        *(resources.observation(m) for m in record.readings.values()),
    ]
    for r in (referral(record.community.pk), referral(record.clinical.pk)):
        built += [resources.service_request(r, shared_records(world.cora, r)), resources.task(r)]
    kinds = [roundtrip(r)["resourceType"] for r in built]
    assert sorted(set(kinds)) == [
        "CareTeam",
        "Encounter",
        "Goal",
        "Observation",
        "Patient",
        "Practitioner",
        "PractitionerRole",
        "ServiceRequest",
        "Task",
    ]


# --- Patient, Practitioner, CareTeam -------------------------------------------------------------------


def test_the_patient_carries_ids_name_gender_language_and_only_the_locality(world: World, record: PaulsRecord) -> None:
    data = roundtrip(resources.patient(Participant.objects.get(pk=world.paul.pk)))
    assert data["identifier"] == [
        {
            "use": "official",
            "system": "https://alongside.example/fhir/sid/riverside/participant",
            "value": str(world.paul.pk),
        }
    ]
    assert data["name"][0]["given"] == ["Paul"] and data["name"][0]["family"] == "Okafor"
    assert data["gender"] == "male"
    assert data["birthDate"] == "1961-04-09"
    assert {"system": "phone", "value": "+12025550143", "use": "mobile"} in data["telecom"]
    assert {"system": "email", "value": "paul@example.org"} in data["telecom"]
    assert data["communication"][0]["language"]["coding"][0] == {
        "system": "urn:ietf:bcp:47",
        "code": "en",
        "display": "English",
    }
    assert data["address"] == [{"use": "home", "text": "Riverside East", "district": "Riverside East"}]


@pytest.mark.parametrize(
    ("gender", "fhir"),
    [
        (Gender.WOMAN, "female"),
        (Gender.MAN, "male"),
        (Gender.NON_BINARY, "other"),
        (Gender.SELF_DESCRIBED, "other"),
        (Gender.UNDISCLOSED, "unknown"),
    ],
)
def test_gender_maps_to_administrative_gender(world: World, gender: str, fhir: str) -> None:
    world.rita.gender = gender
    assert roundtrip(resources.patient(world.rita))["gender"] == fhir


def test_the_identifier_system_follows_the_canonical_base_setting(world: World, settings: Any) -> None:
    settings.FHIR_CANONICAL_BASE = "https://fhir.riverside.example.org/"
    system = roundtrip(resources.patient(world.rita))["identifier"][0]["system"]
    assert system == "https://fhir.riverside.example.org/sid/riverside/participant"


def test_a_supporter_is_a_practitioner_without_contact_details_and_a_peer_support_role(world: World) -> None:
    world.sofia.training_status = "certified"
    person = roundtrip(resources.practitioner(world.sofia))
    assert "telecom" not in person
    assert [c["coding"][0]["code"] for c in person["communication"]] == ["en", "es"]
    assert person["qualification"][0]["code"]["coding"][0]["code"] == "certified"
    role = roundtrip(resources.practitioner_role(world.sofia))
    assert role["practitioner"]["reference"] == f"Practitioner/{world.sofia.pk}"
    assert role["organization"]["display"] == "Riverside Community Health"
    assert {"system": "http://nucc.org/provider-taxonomy", "code": "175T00000X", "display": "Peer Specialist"} in role[
        "code"
    ][0]["coding"]
    world.sofia.kind = "community_health_worker"
    assert roundtrip(resources.practitioner_role(world.sofia))["code"][0]["coding"][0]["code"] == "172V00000X"


def test_the_care_team_lists_the_supporters_with_their_roles_and_the_program(world: World) -> None:
    enrollment = Enrollment.objects.prefetch_related("assignments__supporter__user").get(pk=world.paul_enrollment.pk)
    data = roundtrip(resources.care_team(enrollment))
    assert data["status"] == "active"
    assert data["name"] == "Telephone Peer Support"
    assert data["subject"]["reference"] == f"Patient/{world.paul.pk}"
    members = {p["member"].get("reference", p["member"]["display"]): p["role"][0]["text"] for p in data["participant"]}
    assert members == {
        f"Practitioner/{world.sofia.pk}": "Primary peer supporter",
        "Priya professional": "Clinical lead",
    }


# --- Encounter --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("modality", "encounter_class"),
    [
        (Modality.PHONE_CALL, "VR"),
        (Modality.VIDEO_CALL, "VR"),
        (Modality.TEXT_MESSAGE, "VR"),
        (Modality.HOME_VISIT, "HH"),
        (Modality.IN_PERSON, "AMB"),
        (Modality.CLINIC_ACCOMPANIMENT, "AMB"),
        (Modality.WALK, "FLD"),
    ],
)
def test_the_encounter_class_follows_the_modality(world: World, modality: str, encounter_class: str) -> None:
    contact = make_contact(world.paul_enrollment, world.sofia.user, modality=modality)
    data = roundtrip(resources.encounter(contact))
    assert data["class"]["system"] == "http://terminology.hl7.org/CodeSystem/v3-ActCode"
    assert data["class"]["code"] == encounter_class


def test_a_reached_contact_is_a_finished_encounter_with_its_period_reasons_and_supporter(
    world: World, record: PaulsRecord
) -> None:
    data = roundtrip(resources.encounter(record.call))
    assert data["status"] == "finished"
    start = record.call.occurred_at.replace(microsecond=0)
    assert data["period"] == {
        "start": start.isoformat().replace("+00:00", "Z"),
        "end": (start + timedelta(minutes=25)).isoformat().replace("+00:00", "Z"),
    }
    assert data["length"] == {"value": 25, "unit": "min", "system": UCUM, "code": "min"}
    reasons = [c["coding"][0]["code"] for c in data["reasonCode"]]
    assert reasons == ["daily_management", "linkage", "action_plan", "community_resource"]
    assert data["participant"][0]["individual"]["reference"] == f"Practitioner/{world.sofia.pk}"
    assert data["participant"][0]["type"][0]["coding"][0]["code"] == "PPRF"
    assert "note" not in json.dumps(data)  # the supporter's working notes stay in Alongside


def test_a_contact_that_did_not_reach_the_person_is_a_cancelled_encounter(record: PaulsRecord) -> None:
    data = roundtrip(resources.encounter(record.no_answer))
    assert data["status"] == "cancelled"
    assert "reasonCode" not in data
    assert data["type"][1]["coding"][0]["code"] == Outcome.NO_ANSWER


# --- Observation --------------------------------------------------------------------------------------


def test_blood_pressure_is_the_loinc_panel_with_systolic_and_diastolic_in_mmhg(record: PaulsRecord) -> None:
    data = roundtrip(resources.observation(record.readings["bp"]))
    assert data["status"] == "final"
    assert data["category"][0]["coding"][0] == {
        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
        "code": "vital-signs",
        "display": "Vital Signs",
    }
    assert data["code"]["coding"][0]["system"] == LOINC and data["code"]["coding"][0]["code"] == "85354-9"
    assert "valueQuantity" not in data
    components = {c["code"]["coding"][0]["code"]: c["valueQuantity"] for c in data["component"]}
    assert components == {
        "8480-6": {"value": 132, "unit": "mmHg", "system": UCUM, "code": "mm[Hg]"},
        "8462-4": {"value": 84, "unit": "mmHg", "system": UCUM, "code": "mm[Hg]"},
    }
    assert data["effectiveDateTime"] == record.readings["bp"].taken_at.replace(microsecond=0).isoformat().replace(
        "+00:00", "Z"
    )


@pytest.mark.parametrize(
    ("reading", "loinc", "category", "value", "ucum", "unit"),
    [
        ("kg", "29463-7", "vital-signs", 82.5, "kg", "kg"),
        ("lb", "29463-7", "vital-signs", 181, "[lb_av]", "lb"),
        ("a1c", "4548-4", "laboratory", 7.2, "%", "%"),
        ("a1c_ifcc", "59261-8", "laboratory", 55, "mmol/mol", "mmol/mol"),
        ("mgdl", "2339-0", "laboratory", 110, "mg/dL", "mg/dL"),
        ("mmol", "15074-8", "laboratory", 6.4, "mmol/L", "mmol/L"),
    ],
)
def test_each_reading_has_its_loinc_code_and_ucum_unit(
    record: PaulsRecord, reading: str, loinc: str, category: str, value: float, ucum: str, unit: str
) -> None:
    data = roundtrip(resources.observation(record.readings[reading]))
    assert data["code"]["coding"][0]["system"] == LOINC
    assert data["code"]["coding"][0]["code"] == loinc
    assert data["category"][0]["coding"][0]["code"] == category
    assert data["valueQuantity"] == {"value": value, "unit": unit, "system": UCUM, "code": ucum}


def test_a_glucose_reading_says_when_it_was_taken(record: PaulsRecord) -> None:
    assert roundtrip(resources.observation(record.readings["mgdl"]))["note"] == [{"text": "Taken: fasting"}]


# --- Goal -------------------------------------------------------------------------------------------------


def test_an_action_plan_is_a_goal_with_what_how_much_when_how_often_and_confidence(record: PaulsRecord) -> None:
    active = roundtrip(resources.goal(record.active_plan))
    assert active["lifecycleStatus"] == "active"
    assert active["description"] == {"text": "cook at home, one meal, evenings, every day"}
    assert active["achievementStatus"]["coding"][0]["code"] == "in-progress"
    assert {"text": "Confidence: 9/10"} in active["note"]
    reviewed = roundtrip(resources.goal(record.reviewed_plan))
    assert reviewed["lifecycleStatus"] == "completed"
    assert reviewed["achievementStatus"]["coding"][0] == {
        "system": "http://terminology.hl7.org/CodeSystem/goal-achievement",
        "code": "achieved",
        "display": "Achieved",
    }
    assert {"text": "Review: Walked 3 days"} in reviewed["note"]


@pytest.mark.parametrize(
    ("outcome", "achievement", "text"),
    [(ReviewOutcome.PARTLY, "not-achieved", "Partly done"), (ReviewOutcome.NOT_DONE, "no-progress", "Not done")],
)
def test_a_review_outcome_maps_to_achievement_status(
    record: PaulsRecord, outcome: str, achievement: str, text: str
) -> None:
    plan = record.reviewed_plan
    plan.review_outcome = outcome
    data = roundtrip(resources.goal(plan))
    assert data["achievementStatus"]["coding"][0]["code"] == achievement
    assert data["achievementStatus"]["text"] == text


def test_a_withdrawn_plan_is_a_cancelled_goal(world: World, record: PaulsRecord) -> None:
    withdrawn = withdraw_action_plan(world.sofia.user, record.active_plan, "No longer fits")
    data = roundtrip(resources.goal(ActionPlan.objects.get(pk=withdrawn.pk)))
    assert data["lifecycleStatus"] == "cancelled"
    assert "achievementStatus" not in data


# --- ServiceRequest and Task --------------------------------------------------------------------------

STATUS_MAPPING = [
    (ReferralStatus.DRAFT, "draft", "draft"),
    (ReferralStatus.SENT, "active", "requested"),
    (ReferralStatus.ACCEPTED, "active", "accepted"),
    (ReferralStatus.DECLINED, "revoked", "rejected"),
    (ReferralStatus.SCHEDULED, "active", "in-progress"),
    (ReferralStatus.COMPLETED, "completed", "completed"),
    (ReferralStatus.NO_SHOW, "active", "failed"),
    (ReferralStatus.CANCELLED, "revoked", "cancelled"),
]


@pytest.mark.parametrize(("status", "request_status", "task_status"), STATUS_MAPPING)
def test_referral_status_maps_to_service_request_and_task_status(
    record: PaulsRecord, status: str, request_status: str, task_status: str
) -> None:
    Referral.objects.filter(pk=record.community.pk).update(
        status=status, appointment_at=timezone.now() + timedelta(days=3)
    )
    r = referral(record.community.pk)
    request = roundtrip(resources.service_request(r))
    task = roundtrip(resources.task(r))
    assert request["status"] == request_status
    assert task["status"] == task_status
    assert task["businessStatus"]["coding"][0]["code"] == status
    assert task["focus"] == {"reference": f"ServiceRequest/{r.pk}"}
    assert task["for"] == {"reference": f"Patient/{r.participant_id}"}
    assert task["intent"] == "order"
    assert ("occurrenceDateTime" in request) == (status == ReferralStatus.SCHEDULED)


def test_the_task_tracks_who_asked_whom_and_when(world: World, record: PaulsRecord) -> None:
    r = referral(record.clinical.pk)
    task = roundtrip(resources.task(r))
    assert task["status"] == "accepted"
    assert task["requester"] == {"reference": f"Practitioner/{world.sofia.pk}", "display": "Sofia supporter"}
    assert task["owner"] == {"type": "Practitioner", "display": "Priya professional"}
    assert task["authoredOn"] == r.created_at.replace(microsecond=0).isoformat().replace("+00:00", "Z")
    assert task["lastModified"] == r.status_changed_at.replace(microsecond=0).isoformat().replace("+00:00", "Z")


@pytest.mark.parametrize(("urgency", "priority"), [("routine", "routine"), ("soon", "urgent"), ("urgent", "asap")])
def test_urgency_maps_to_priority(record: PaulsRecord, urgency: str, priority: str) -> None:
    Referral.objects.filter(pk=record.community.pk).update(urgency=urgency)
    assert roundtrip(resources.service_request(referral(record.community.pk)))["priority"] == priority


def test_a_community_referral_carries_the_sdoh_category_of_its_service(world: World, record: PaulsRecord) -> None:
    r = referral(record.community.pk)
    data = roundtrip(resources.service_request(r, shared_records(world.cora, r)))
    assert data["intent"] == "order"
    categories = [c["coding"][0] for c in data["category"]]
    assert {"system": codes.US_CORE_CATEGORY, "code": "sdoh", "display": "SDOH"} in categories
    assert {"system": codes.SDOHCC, "code": "food-insecurity", "display": "Food Insecurity"} in categories
    assert data["code"]["coding"][0] == {
        "system": "http://snomed.info/sct",
        "code": "3457005",
        "display": "Patient referral",
    }
    assert data["performer"] == [
        {"reference": "#service", "type": "HealthcareService", "display": "Riverside Food Pantry"}
    ]
    service = next(c for c in data["contained"] if c["resourceType"] == "HealthcareService")
    assert service["identifier"][0]["value"] == record.pantry.hsds_id
    assert data["requester"]["reference"] == f"Practitioner/{world.sofia.pk}"
    assert data["encounter"] == {"reference": f"Encounter/{record.call.pk}"}


def test_a_referral_carries_what_the_participant_agreed_to_share(world: World, record: PaulsRecord) -> None:
    r = referral(record.community.pk)
    data = roundtrip(resources.service_request(r, shared_records(world.cora, r)))
    assert data["subject"] == {"reference": f"Patient/{world.paul.pk}", "display": "Paul Okafor"}
    assert data["reasonCode"] == [{"text": "Runs out of food at the end of the month"}]
    supporting = [s["reference"] for s in data["supportingInfo"]]
    latest = [record.readings[k].pk for k in ("bp", "lb", "a1c_ifcc", "mmol")]  # the latest of each kind
    assert supporting == ["#condition-1", *(f"Observation/{pk}" for pk in latest), f"Goal/{record.active_plan.pk}"]
    condition = next(c for c in data["contained"] if c["resourceType"] == "Condition")
    assert condition["code"]["coding"][0]["code"] == "44054006"
    assert data["patientInstruction"] == "Preferred language: English"


def test_a_referral_shares_nothing_beyond_its_shared_items(world: World, record: PaulsRecord) -> None:
    r = referral(record.clinical.pk)  # the reason only
    data = roundtrip(resources.service_request(r, shared_records(world.cora, r)))
    assert data["subject"] == {"reference": f"Patient/{world.paul.pk}"}
    assert data["reasonCode"] == [{"text": "Foot numbness"}]
    assert "supportingInfo" not in data and "contained" not in data and "patientInstruction" not in data
    assert [c["coding"][0]["code"] for c in data["category"]] == ["clinical"]
    assert data["priority"] == "asap"
    Referral.objects.filter(pk=r.pk).update(shared_items=[])
    assert "reasonCode" not in roundtrip(resources.service_request(referral(r.pk)))


@pytest.mark.parametrize(
    ("terms", "expected"),
    [
        (["Food pantry"], ["food-insecurity"]),
        (["Emergency shelter", "Housing help"], ["homelessness", "housing-instability"]),
        (["Transportation"], ["transportation-insecurity"]),
        (["Benefits enrollment"], ["financial-insecurity"]),
        (["Small business advice"], ["sdoh-category-unspecified"]),
        (["Parenting class"], ["sdoh-category-unspecified"]),
        ([], ["sdoh-category-unspecified"]),
    ],
)
def test_sdoh_categories_come_from_the_words_of_the_service_categories(terms: list[str], expected: list[str]) -> None:
    assert [code for code, _ in codes.sdoh_categories(terms)] == expected


def test_referral_rows_follow_the_referral_access_rules(world: World, record: PaulsRecord) -> None:
    # The receiving professional sees the referral sent to her, not the one to the food pantry.
    assert set(referral_rows(world.priya).values_list("pk", flat=True)) == {record.clinical.pk}
    assert set(referral_rows(world.sofia.user).values_list("pk", flat=True)) == {
        record.community.pk,
        record.clinical.pk,
    }
    assert not referral_rows(world.otto).exists()
