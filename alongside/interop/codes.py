"""The terminology of the FHIR R4 exchange: code systems, and how Alongside's own codes map to FHIR's.

Standard systems are used wherever one fits (LOINC for readings, UCUM for units, HL7 v3 codes for the
encounter class, the HL7 SDOH Clinical Care guide's categories for community referrals). Where none fits
(the four key functions, the activities, the contact modality, the supporter kind), the code travels in
Alongside's own code system, under FHIR_CANONICAL_BASE, next to a text any reader understands.

Mappings that are a choice, not a standard (documented here once):

- Referral urgency -> ServiceRequest.priority: routine -> routine, soon (within a week) -> urgent,
  urgent (within 1-2 days) -> asap. FHIR's order is routine < urgent < asap < stat. On import: routine ->
  routine, urgent -> soon, asap and stat -> urgent.
- Referral status -> ServiceRequest.status: draft -> draft; sent, accepted, scheduled, no-show -> active
  (the request still stands); completed -> completed; declined, cancelled -> revoked. The finer state is
  the Task's (see TASK_STATUS).
- A contact that did not reach the person (no answer, left a message...) is an Encounter "cancelled":
  it ended before it began. A reached one is "finished".
- An action plan's review -> Goal.achievementStatus: done -> achieved, partly done -> not-achieved (text
  "Partly done"), not done -> no-progress; an active plan is in-progress.
"""

from __future__ import annotations

import re

from django.conf import settings

from alongside.accounts.models import Organization
from alongside.linkage.models import ReferralStatus, ReferralUrgency
from alongside.people.models import Gender, SupporterKind
from alongside.programs.models import EnrollmentStatus
from alongside.selfcare.models import ActionPlanStatus, MeasurementKind, ReviewOutcome
from alongside.taxonomy import Modality

FHIR_JSON = "application/fhir+json"

# --- code systems ----------------------------------------------------------------------------------------

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
NUCC = "http://nucc.org/provider-taxonomy"
BCP47 = "urn:ietf:bcp:47"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
GOAL_ACHIEVEMENT = "http://terminology.hl7.org/CodeSystem/goal-achievement"
GOAL_CATEGORY = "http://terminology.hl7.org/CodeSystem/goal-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
ISSUE_TYPE = "http://hl7.org/fhir/issue-type"
# HL7 SDOH Clinical Care (Gravity Project) categories, and US Core's "sdoh" category.
SDOHCC = "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes"
US_CORE_CATEGORY = "http://hl7.org/fhir/us/core/CodeSystem/us-core-category"

DEFAULT_CANONICAL_BASE = "https://alongside.example/fhir"


def canonical_base() -> str:
    """The base of Alongside's own code systems and identifier systems. A deployment sets
    FHIR_CANONICAL_BASE to a URL it controls; the default is a placeholder that never resolves."""
    return str(getattr(settings, "FHIR_CANONICAL_BASE", "") or DEFAULT_CANONICAL_BASE).rstrip("/")


def code_system(name: str) -> str:
    """Alongside's own code system `name` (key-function, activity, contact-modality, ...)."""
    return f"{canonical_base()}/CodeSystem/{name}"


def identifier_system(organization: Organization, noun: str) -> str:
    """The system of Alongside ids of `noun` (participant, supporter, enrollment, referral, ...) in one
    organization: ids are unique per database, the organization's slug keeps tenants apart."""
    return f"{canonical_base()}/sid/{organization.slug}/{noun}"


# --- participants and supporters -----------------------------------------------------------------------

GENDER: dict[str, str] = {
    Gender.WOMAN: "female",
    Gender.MAN: "male",
    Gender.NON_BINARY: "other",
    Gender.SELF_DESCRIBED: "other",
    Gender.UNDISCLOSED: "unknown",
}

# NUCC provider taxonomy: 175T00000X Peer Specialist, 172V00000X Community Health Worker.
PEER_SPECIALIST = ("175T00000X", "Peer Specialist")
COMMUNITY_HEALTH_WORKER = ("172V00000X", "Community Health Worker")
SUPPORTER_ROLE: dict[str, tuple[str, str]] = {
    SupporterKind.PEER_COACH: PEER_SPECIALIST,
    SupporterKind.PEER_LEADER: PEER_SPECIALIST,
    SupporterKind.GROUP_FACILITATOR: PEER_SPECIALIST,
    SupporterKind.ONLINE_MODERATOR: PEER_SPECIALIST,
    SupporterKind.COMMUNITY_HEALTH_WORKER: COMMUNITY_HEALTH_WORKER,
}

CARE_TEAM_STATUS: dict[str, str] = {
    EnrollmentStatus.REFERRED: "proposed",
    EnrollmentStatus.ENROLLED: "active",
    EnrollmentStatus.ACTIVE: "active",
    EnrollmentStatus.PAUSED: "suspended",
    EnrollmentStatus.LOST_TO_FOLLOW_UP: "suspended",
    EnrollmentStatus.COMPLETED: "inactive",
    EnrollmentStatus.WITHDRAWN: "inactive",
}

# SNOMED CT disorders for the platform's conditions (shared as contained Conditions in a referral).
CONDITION_SNOMED: dict[str, tuple[str, str]] = {
    "type2_diabetes": ("44054006", "Diabetes mellitus type 2"),
    "type1_diabetes": ("46635009", "Diabetes mellitus type 1"),
    "prediabetes": ("714628002", "Prediabetes"),
    "hypertension": ("38341003", "Hypertensive disorder"),
    "heart_disease": ("56265001", "Heart disease"),
    "hiv": ("86406008", "Human immunodeficiency virus infection"),
    "asthma": ("195967001", "Asthma"),
    "copd": ("13645005", "Chronic obstructive lung disease"),
    "depression": ("35489007", "Depressive disorder"),
    "kidney_disease": ("709044004", "Chronic kidney disease"),
}

# --- contacts -> Encounter ---------------------------------------------------------------------------

AMBULATORY = ("AMB", "ambulatory")
HOME_HEALTH = ("HH", "home health")
VIRTUAL = ("VR", "virtual")
FIELD = ("FLD", "field")
ENCOUNTER_CLASS: dict[str, tuple[str, str]] = {
    Modality.PHONE_CALL: VIRTUAL,
    Modality.TEXT_MESSAGE: VIRTUAL,
    Modality.VIDEO_CALL: VIRTUAL,
    Modality.EMAIL: VIRTUAL,
    Modality.ONLINE_MESSAGE: VIRTUAL,
    Modality.HOME_VISIT: HOME_HEALTH,
    Modality.IN_PERSON: AMBULATORY,
    Modality.GROUP_MEETING: AMBULATORY,
    Modality.CLINIC_ACCOMPANIMENT: AMBULATORY,
    # Out in the community, neither a care setting nor the person's home.
    Modality.WALK: FIELD,
    Modality.ERRAND: FIELD,
}

# --- referrals -> ServiceRequest and Task -----------------------------------------------------------

RS = ReferralStatus
SERVICE_REQUEST_STATUS: dict[str, str] = {
    RS.DRAFT: "draft",
    RS.SENT: "active",
    RS.ACCEPTED: "active",
    RS.SCHEDULED: "active",
    RS.NO_SHOW: "active",
    RS.COMPLETED: "completed",
    RS.DECLINED: "revoked",
    RS.CANCELLED: "revoked",
}
TASK_STATUS: dict[str, str] = {
    RS.DRAFT: "draft",
    RS.SENT: "requested",
    RS.ACCEPTED: "accepted",
    RS.DECLINED: "rejected",
    RS.SCHEDULED: "in-progress",
    RS.COMPLETED: "completed",
    RS.NO_SHOW: "failed",
    RS.CANCELLED: "cancelled",
}
PRIORITY: dict[str, str] = {
    ReferralUrgency.ROUTINE: "routine",
    ReferralUrgency.SOON: "urgent",
    ReferralUrgency.URGENT: "asap",
}
URGENCY_FROM_PRIORITY: dict[str, str] = {
    "routine": ReferralUrgency.ROUTINE,
    "urgent": ReferralUrgency.SOON,
    "asap": ReferralUrgency.URGENT,
    "stat": ReferralUrgency.URGENT,
}
# The value sets an imported ServiceRequest is checked against (FHIR R4 required bindings).
REQUEST_STATUSES = frozenset({"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"})
REQUEST_INTENTS = frozenset(
    {
        "proposal",
        "plan",
        "directive",
        "order",
        "original-order",
        "reflex-order",
        "filler-order",
        "instance-order",
        "option",
    }
)
# Only a request that still stands can become a referral to act on.
IMPORTABLE_STATUSES = frozenset({"active"})

PATIENT_REFERRAL = ("3457005", "Patient referral")  # SNOMED CT procedure
SDOH = ("sdoh", "SDOH")  # US Core category

# SDOH Clinical Care categories (value set SDOHCC ValueSet SDOH Category), chosen for a community referral
# from the words of the service's directory categories (HSDS taxonomy terms): a word of the term starting
# with one of the stems. The first rule that matches a term wins; a service matching none is
# "sdoh-category-unspecified".
SDOH_UNSPECIFIED = ("sdoh-category-unspecified", "SDOH Category Unspecified")
SDOH_CATEGORY_RULES: tuple[tuple[tuple[str, ...], tuple[str, str]], ...] = (
    (("food", "meal", "nutrition", "grocer", "pantr"), ("food-insecurity", "Food Insecurity")),
    (("homeless", "shelter"), ("homelessness", "Homelessness")),
    (("housing", "rental", "evict"), ("housing-instability", "Housing Instability")),
    (("transport", "transit", "rides"), ("transportation-insecurity", "Transportation Insecurity")),
    (("utilit", "electric", "heating"), ("utility-insecurity", "Utility Insecurity")),
    (("insurance", "medicaid", "medicare"), ("health-insurance-coverage-status", "Health Insurance Coverage Status")),
    (("financ", "income", "benefit", "money", "tax "), ("financial-insecurity", "Financial Insecurity")),
    (("employ", "job"), ("employment-status", "Employment Status")),
    (("education", "literacy", "school"), ("educational-attainment", "Educational Attainment")),
    (("violence", "abuse"), ("intimate-partner-violence", "Intimate Partner Violence")),
    (("isolation", "loneliness", "companion", "social connection"), ("social-connection", "Social Connection")),
    (("stress",), ("stress", "Stress")),
    (("veteran",), ("veteran-status", "Veteran Status")),
)


def sdoh_categories(term_texts: list[str]) -> list[tuple[str, str]]:
    """The SDOH categories for a service described by these taxonomy terms (codes, names), each once."""
    found: list[tuple[str, str]] = []
    for text in term_texts:
        words = " " + re.sub(r"[^a-z]+", " ", text.lower()) + " "
        for stems, category in SDOH_CATEGORY_RULES:
            if any(f" {stem}" in words for stem in stems):
                if category not in found:
                    found.append(category)
                break
    return found or [SDOH_UNSPECIFIED]


# --- action plans -> Goal -----------------------------------------------------------------------------

GOAL_LIFECYCLE: dict[str, str] = {
    ActionPlanStatus.ACTIVE: "active",
    ActionPlanStatus.REVIEWED: "completed",
    ActionPlanStatus.WITHDRAWN: "cancelled",
}
GOAL_ACHIEVEMENT_FROM_REVIEW: dict[str, tuple[str, str]] = {
    ReviewOutcome.DONE: ("achieved", "Achieved"),
    ReviewOutcome.PARTLY: ("not-achieved", "Not Achieved"),
    ReviewOutcome.NOT_DONE: ("no-progress", "No Progress"),
}
GOAL_IN_PROGRESS = ("in-progress", "In Progress")

# --- measurements -> Observation ---------------------------------------------------------------------

VITAL_SIGNS = ("vital-signs", "Vital Signs")
LABORATORY = ("laboratory", "Laboratory")
BLOOD_PRESSURE_PANEL = ("85354-9", "Blood pressure panel with all children optional")
SYSTOLIC = ("8480-6", "Systolic blood pressure")
DIASTOLIC = ("8462-4", "Diastolic blood pressure")


class Unit:
    """A unit as the reading was entered, with its UCUM code and the human-readable unit."""

    def __init__(self, ucum: str, human: str) -> None:
        self.ucum = ucum
        self.human = human


MMHG = Unit("mm[Hg]", "mmHg")
# (kind, unit as entered) -> (LOINC code, display, category, UCUM unit). LOINC has one code per property:
# mass and molar glucose, and NGSP (%) and IFCC (mmol/mol) HbA1c, are different observations.
OBSERVATION_CODE: dict[tuple[str, str], tuple[tuple[str, str], tuple[str, str], Unit]] = {
    (MeasurementKind.WEIGHT, "kg"): (("29463-7", "Body weight"), VITAL_SIGNS, Unit("kg", "kg")),
    (MeasurementKind.WEIGHT, "lb"): (("29463-7", "Body weight"), VITAL_SIGNS, Unit("[lb_av]", "lb")),
    (MeasurementKind.HBA1C, "%"): (("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood"), LABORATORY, Unit("%", "%")),
    (MeasurementKind.HBA1C, "mmol/mol"): (
        ("59261-8", "Hemoglobin A1c/Hemoglobin.total in Blood by IFCC protocol"),
        LABORATORY,
        Unit("mmol/mol", "mmol/mol"),
    ),
    (MeasurementKind.GLUCOSE, "mg/dL"): (
        ("2339-0", "Glucose [Mass/volume] in Blood"),
        LABORATORY,
        Unit("mg/dL", "mg/dL"),
    ),
    (MeasurementKind.GLUCOSE, "mmol/L"): (
        ("15074-8", "Glucose [Moles/volume] in Blood"),
        LABORATORY,
        Unit("mmol/L", "mmol/L"),
    ),
}
