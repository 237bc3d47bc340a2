"""The vocabulary every program shares: the seven models, the four key functions and their activities,
contact modalities, outcomes and concern tiers. Defined once; labels follow the seed texts' wording.

Programs vary content ("standardization by function, not by content"): they choose which models they
deliver and which activities they use, but they cannot invent a fifth function.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import global_settings
from django.db import models


class PeerSupportModel(models.IntegerChoices):
    GROUP_VISITS = 1, "Professional-led group visits with peer exchange"
    SELF_MANAGEMENT_WORKSHOPS = 2, "Peer-led face-to-face self-management programs"
    PEER_COACHES = 3, "Peer coaches / mentors"
    COMMUNITY_HEALTH_WORKERS = 4, "Community health workers / promotoras"
    SUPPORT_GROUPS = 5, "Support groups"
    TELEPHONE = 6, "Telephone-based peer support"
    WEB_AND_EMAIL = 7, "Web- and email-based programs"


MODEL_DESCRIPTIONS: dict[int, str] = {
    1: "People who share a condition meet with a health care provider or team to address their "
    "self-management challenges.",
    2: "A person who shares the condition leads an interactive format that builds sharing and mutual "
    "encouragement about self-management.",
    3: "People who have coped with the same condition meet one-on-one to listen, discuss concerns and provide support.",
    4: "Community members who share language, culture and community bridge the gap to health care providers.",
    5: "Gatherings of people who share experiences or conditions offer each other emotional and practical support.",
    6: "Regular phone calls, alone or alongside other modes of support.",
    7: "The Internet mobilizes peer support: online support groups and e-mail reminders.",
}


class KeyFunction(models.TextChoices):
    DAILY_MANAGEMENT = "daily_management", "Assistance in daily management"
    SOCIAL_EMOTIONAL = "social_emotional", "Social and emotional support"
    LINKAGE = "linkage", "Linkage to clinical care and community resources"
    ONGOING = "ongoing", "Ongoing support, extended over time"


FUNCTION_DESCRIPTIONS: dict[str, str] = {
    "daily_management": "Diet, physical activity, medicines, self-monitoring, problem solving, action plans.",
    "social_emotional": "Empathetic listening and encouragement to cope with social or emotional barriers "
    "and stay motivated.",
    "linkage": "Bridging to health professionals and to community resources such as healthy food or places "
    "to exercise.",
    "ongoing": "Proactive, flexible and continual long-term follow-up that keeps people engaged.",
}

# Column name on records that carry the four functions as booleans (Contact, and later sessions,
# messages, referrals): one fixed column per function keeps coverage a single aggregate query.
FUNCTION_FIELDS: dict[str, str] = {f.value: f"fn_{f.value}" for f in KeyFunction}


@dataclass(frozen=True)
class Activity:
    code: str
    label: str
    function: str


ACTIVITIES: tuple[Activity, ...] = (
    Activity("diet", "Healthy eating", KeyFunction.DAILY_MANAGEMENT),
    Activity("physical_activity", "Physical activity", KeyFunction.DAILY_MANAGEMENT),
    Activity("medicines", "Taking medicines", KeyFunction.DAILY_MANAGEMENT),
    Activity("self_monitoring", "Self-monitoring (glucose, blood pressure, weight)", KeyFunction.DAILY_MANAGEMENT),
    Activity("problem_solving", "Problem solving", KeyFunction.DAILY_MANAGEMENT),
    Activity("action_plan", "Action plan", KeyFunction.DAILY_MANAGEMENT),
    Activity("foot_care", "Foot care", KeyFunction.DAILY_MANAGEMENT),
    Activity("listening", "Empathetic listening", KeyFunction.SOCIAL_EMOTIONAL),
    Activity("encouragement", "Encouragement and motivation", KeyFunction.SOCIAL_EMOTIONAL),
    Activity("coping", "Coping with stress or distress", KeyFunction.SOCIAL_EMOTIONAL),
    Activity("isolation", "Reducing isolation", KeyFunction.SOCIAL_EMOTIONAL),
    Activity("family", "Family and relationships", KeyFunction.SOCIAL_EMOTIONAL),
    Activity("clinical_referral", "Referral to clinical care", KeyFunction.LINKAGE),
    Activity("community_resource", "Community resource (food, exercise, benefits)", KeyFunction.LINKAGE),
    Activity("navigation", "Navigating the health system", KeyFunction.LINKAGE),
    Activity("appointment_support", "Appointment reminder or accompaniment", KeyFunction.LINKAGE),
    Activity("questions_for_clinician", "Preparing questions for the clinician", KeyFunction.LINKAGE),
    Activity("proactive_check_in", "Proactive check-in", KeyFunction.ONGOING),
    Activity("follow_up_plan", "Planning the next contact", KeyFunction.ONGOING),
    Activity("re_engagement", "Re-engaging after a gap", KeyFunction.ONGOING),
    Activity("maintenance", "Long-term maintenance", KeyFunction.ONGOING),
)
ACTIVITY_BY_CODE: dict[str, Activity] = {a.code: a for a in ACTIVITIES}


def activities_for(function: str) -> list[Activity]:
    return [a for a in ACTIVITIES if a.function == function]


# Which activities a new program of each model starts with; programs can change every one.
_DEFAULT_ACTIVITIES_BY_MODEL: dict[int, set[str]] = {
    1: {
        "self_monitoring",
        "medicines",
        "questions_for_clinician",
        "encouragement",
        "clinical_referral",
        "follow_up_plan",
        "diet",
    },
    2: {
        "action_plan",
        "problem_solving",
        "diet",
        "physical_activity",
        "encouragement",
        "coping",
        "community_resource",
        "maintenance",
    },
    3: {
        "action_plan",
        "diet",
        "physical_activity",
        "medicines",
        "listening",
        "encouragement",
        "coping",
        "navigation",
        "proactive_check_in",
        "follow_up_plan",
    },
    4: {
        "self_monitoring",
        "medicines",
        "foot_care",
        "listening",
        "family",
        "clinical_referral",
        "community_resource",
        "navigation",
        "appointment_support",
        "proactive_check_in",
        "re_engagement",
    },
    5: {"problem_solving", "listening", "encouragement", "isolation", "coping", "community_resource", "maintenance"},
    6: {
        "medicines",
        "self_monitoring",
        "action_plan",
        "listening",
        "encouragement",
        "appointment_support",
        "proactive_check_in",
        "follow_up_plan",
        "re_engagement",
    },
    7: {
        "diet",
        "physical_activity",
        "action_plan",
        "encouragement",
        "isolation",
        "community_resource",
        "proactive_check_in",
        "maintenance",
    },
}


def default_activities(models_delivered: list[int]) -> dict[str, list[str]]:
    """Activities grouped by function for a program delivering these models (domain-notes defaults)."""
    chosen: set[str] = set()
    for model in models_delivered:
        chosen |= _DEFAULT_ACTIVITIES_BY_MODEL.get(int(model), set())
    return {f.value: [a.code for a in activities_for(f.value) if a.code in chosen] for f in KeyFunction}


class Modality(models.TextChoices):
    PHONE_CALL = "phone_call", "Phone call"
    TEXT_MESSAGE = "text_message", "Text message"
    IN_PERSON = "in_person", "In-person meeting"
    HOME_VISIT = "home_visit", "Home visit"
    WALK = "walk", "Walk together"
    ERRAND = "errand", "Grocery shopping / errand"
    CLINIC_ACCOMPANIMENT = "clinic_accompaniment", "Accompanying to a clinic visit"
    GROUP_MEETING = "group_meeting", "Group meeting"
    VIDEO_CALL = "video_call", "Video call"
    EMAIL = "email", "Email"
    ONLINE_MESSAGE = "online_message", "Online message"


class Initiation(models.TextChoices):
    PROACTIVE = "proactive", "Proactive (supporter reached out)"
    PARTICIPANT = "participant", "Participant-initiated"


class Outcome(models.TextChoices):
    REACHED = "reached", "Reached"
    NO_ANSWER = "no_answer", "No answer"
    LEFT_MESSAGE = "left_message", "Left message"
    WRONG_NUMBER = "wrong_number", "Wrong number"
    DECLINED = "declined", "Declined"


class ConcernTier(models.TextChoices):
    ROUTINE = "routine", "Routine (within 1-2 weeks)"
    URGENT = "urgent", "Urgent (within 1-2 days)"
    EMERGENCY = "emergency", "Emergency (same day)"


CONCERN_TIER_RANK: dict[str, int] = {"emergency": 0, "urgent": 1, "routine": 2}


class Condition(models.TextChoices):
    TYPE_2_DIABETES = "type2_diabetes", "Type 2 diabetes"
    TYPE_1_DIABETES = "type1_diabetes", "Type 1 diabetes"
    PREDIABETES = "prediabetes", "Prediabetes"
    HYPERTENSION = "hypertension", "Hypertension"
    HEART_DISEASE = "heart_disease", "Heart disease"
    HIV = "hiv", "HIV"
    ASTHMA = "asthma", "Asthma"
    COPD = "copd", "COPD"
    DEPRESSION = "depression", "Depression"
    KIDNEY_DISEASE = "kidney_disease", "Chronic kidney disease"


# ISO 639-1 language codes with English names, from Django's own list (one source for the platform).
LANGUAGE_CHOICES: list[tuple[str, str]] = sorted(
    {(code.split("-")[0], name) for code, name in global_settings.LANGUAGES if "-" not in code},
    key=lambda pair: pair[1],
)
LANGUAGE_NAMES: dict[str, str] = dict(LANGUAGE_CHOICES)
