"""The plan of the demo's group series: curricula, the four series, and the notes their records carry
(data only; demo_groups.py writes the records)."""

from __future__ import annotations

from dataclasses import dataclass

from alongside.groups.models import FacilitatorRole, GroupKind
from alongside.programs.models import EnrollmentStatus
from alongside.selfcare.models import ReviewOutcome
from alongside.taxonomy import KeyFunction

S = EnrollmentStatus
F = KeyFunction
DM, SE, LK, ON = F.DAILY_MANAGEMENT.value, F.SOCIAL_EMOTIONAL.value, F.LINKAGE.value, F.ONGOING.value

LEADER_LOGIN = "leader"  # the peer leader of the running workshop (a demo login)


# --- curricula (topics and the key functions each session serves) ---------------------------------


@dataclass(frozen=True)
class Topic:
    topic: str
    functions: tuple[str, ...]
    activities: tuple[str, ...] = ()
    description: str = ""


WORKSHOP_CURRICULUM = (
    "Living Well: six-week self-management workshop",
    (
        Topic("Overview of self-management; making an action plan", (DM, SE), ("action_plan", "encouragement"),
              "What self-management is; the three tasks; the first weekly action plan."),
        Topic("Dealing with difficult emotions; being active", (SE, DM),
              ("coping", "physical_activity", "action_plan")),
        Topic("Healthy eating; problem solving", (DM,), ("diet", "problem_solving", "action_plan")),
        Topic("Preventing complications; working with your health care team", (DM, LK),
              ("problem_solving", "community_resource", "action_plan")),
        Topic("Medicines; talking with family and friends", (DM, SE), ("action_plan", "coping")),
        Topic("Planning for the future; staying on track", (ON, SE, LK),
              ("maintenance", "encouragement", "community_resource")),
    ),
)  # fmt: skip
CIRCLE_CURRICULUM = (
    "Support circle: a year of themes",
    (
        Topic("Getting to know each other: living with diabetes", (SE,), ("listening", "encouragement")),
        Topic("Diabetes distress: when it feels like too much", (SE,), ("coping", "listening")),
        Topic("Family, food and saying no", (SE, DM), ("problem_solving", "coping")),
        Topic("Finding ways to move that you enjoy", (DM, SE), ("problem_solving", "encouragement")),
        Topic("Sharing what works: tips from the group", (DM, SE), ("problem_solving", "isolation")),
        Topic("Dealing with setbacks", (SE, ON), ("coping", "maintenance")),
        Topic("Money worries and where to get help", (LK, SE), ("community_resource", "listening")),
        Topic("Sleep and stress", (SE, DM), ("coping", "problem_solving")),
        Topic("Celebrations and special occasions", (DM, SE), ("problem_solving", "encouragement")),
        Topic("Talking to your doctor about how you feel", (LK, SE), ("community_resource", "listening")),
        Topic("Helping each other between meetings", (SE, ON), ("isolation", "maintenance")),
        Topic("A year together: what comes next", (ON, SE), ("maintenance", "encouragement")),
    ),
)
GROUP_VISIT_CURRICULUM = (
    "Group visits: a year of topics",
    (
        Topic("Your numbers: A1c, blood pressure and weight", (DM, LK), ("self_monitoring", "questions_for_clinician")),
        Topic("Medicines: what each one does", (DM, LK), ("medicines", "questions_for_clinician")),
        Topic("Eating well on a budget", (DM, SE), ("diet", "encouragement")),
        Topic("Feet, eyes and kidneys: the yearly checks", (LK, DM), ("clinical_referral", "self_monitoring")),
        Topic("Blood pressure and your heart", (DM, LK), ("self_monitoring", "medicines")),
        Topic("Low blood sugar: the signs and what to do", (DM,), ("self_monitoring", "medicines")),
        Topic("Sleep, stress and blood sugar", (SE, DM), ("encouragement", "self_monitoring")),
        Topic("Eating out and holidays", (DM, SE), ("diet", "encouragement")),
        Topic("Moving more, safely", (DM,), ("self_monitoring", "encouragement")),
        Topic("Talking with your care team", (LK, SE), ("questions_for_clinician", "encouragement")),
        Topic("Your numbers, six months on", (DM, LK), ("self_monitoring", "follow_up_plan")),
        Topic("Looking ahead: the next year", (ON, LK), ("follow_up_plan", "clinical_referral")),
    ),
)  # fmt: skip
CURRICULA: dict[str, tuple[str, tuple[Topic, ...]]] = {
    GroupKind.WORKSHOP: WORKSHOP_CURRICULUM,
    GroupKind.SUPPORT_GROUP: CIRCLE_CURRICULUM,
    GroupKind.GROUP_VISIT: GROUP_VISIT_CURRICULUM,
}


# --- the series ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeriesPlan:
    key: str
    program_key: str  # demo.py's ProgramSpec.key
    kind: str
    title: str
    description: str
    language: str
    venue: str
    capacity: int
    duration_minutes: int
    rule: str  # RFC 5545, expanded from `first` in the organization's zone
    facilitators: tuple[tuple[str, str], ...]  # (username, FacilitatorRole)


SERIES: tuple[SeriesPlan, ...] = (
    SeriesPlan(
        "workshop_now", "workshop", GroupKind.WORKSHOP, "Vivir Bien: Spanish workshop, Eastside",
        "The six-week Living Well workshop in Spanish, for people living with diabetes or another long-term "
        "condition and their family members. Bring a friend.",
        "es", "Eastside Branch Library, Community Room", 16, 150, "FREQ=WEEKLY;COUNT=6",
        ((LEADER_LOGIN, FacilitatorRole.PEER_LEADER), ("ana.torres", FacilitatorRole.CO_LEADER)),
    ),
    SeriesPlan(
        "workshop_done", "workshop", GroupKind.WORKSHOP, "Living Well Workshop, Wednesday afternoons",
        "The six-week Living Well workshop in English.",
        "en", "Riverside Community Health, Room B", 16, 150, "FREQ=WEEKLY;COUNT=6",
        (("frank.miller", FacilitatorRole.PEER_LEADER), (LEADER_LOGIN, FacilitatorRole.CO_LEADER)),
    ),
    SeriesPlan(
        "circle", "circle", GroupKind.SUPPORT_GROUP, "Monthly Support Circle, first Thursdays",
        "A year of monthly meetings, led by a peer who has lived with diabetes for twenty years. Come when you can.",
        "en", "Northgate Community Center, Room 3", 20, 90, "FREQ=MONTHLY;BYDAY=1TH;COUNT=12",
        (("walter.green", FacilitatorRole.PEER_LEADER),),
    ),
    SeriesPlan(
        "group_visits", "group_visits", GroupKind.GROUP_VISIT, "Diabetes Group Visits, second Tuesdays",
        "Shared medical appointments: readings and a one-to-one check with the nurse practitioner, then a group "
        "discussion led with a peer leader.",
        "en", "Riverside Community Health, 2nd floor conference room", 14, 120, "FREQ=MONTHLY;BYDAY=2TU;COUNT=12",
        (("professional", FacilitatorRole.PROFESSIONAL), ("frank.miller", FacilitatorRole.PEER_LEADER)),
    ),
)  # fmt: skip
SERIES_BY_KEY = {plan.key: plan for plan in SERIES}

DROPOUT_REASON = "Stopped after the first session: started a new job with evening shifts."
WAITLIST_REASON = "Asked about the Spanish workshop on a peer support call; on the waiting list."
DROP_REASONS: dict[str, str] = {
    S.WITHDRAWN: "Left the program.",
    S.LOST_TO_FOLLOW_UP: "Stopped coming; lost to follow-up.",
    S.COMPLETED: "Finished the program.",
}
EXCUSE_NOTES = (
    "Called ahead: clinic appointment.",
    "Called ahead: looking after a grandchild.",
    "Working an extra shift.",
    "Unwell; sent a message to the leader.",
    "No ride this week.",
)

# (what, how much, when, days a week)
PLAN_IDEAS: tuple[tuple[str, str, str, int], ...] = (
    ("Walk", "15 minutes", "after dinner", 4),
    ("Walk", "around the block twice", "before lunch", 3),
    ("Check my blood sugar", "once, fasting", "before breakfast", 5),
    ("Fill half my plate with vegetables", "at one meal", "at dinner", 5),
    ("Drink water instead of soda", "2 glasses", "with lunch and dinner", 6),
    ("Stretch", "10 minutes", "when I get up", 3),
    ("Take my evening pills", "all of them", "with dinner", 7),
    ("Call my sister", "a short call", "Sunday afternoon", 1),
    ("Dance", "20 minutes", "while dinner cooks", 3),
    ("Check my feet", "both feet, with a mirror", "after my shower", 7),
)
REVIEW_NOTES = {
    ReviewOutcome.DONE: ("Did it every day planned.", "Done, and enjoyed it.", "Did it; wants to do a bit more."),
    ReviewOutcome.PARTLY: ("Twice instead of four times: rain.", "Did it some days; work got in the way."),
    ReviewOutcome.NOT_DONE: ("Family visiting all week; will try again.", "Forgot; will put a note on the fridge."),
}
HIGH_GLUCOSE = 342  # mg/dL: past the default urgent threshold (300), short of the emergency one (400)
HIGH_GLUCOSE_NOTE = "Very thirsty this week, no vomiting or confusion; ran out of metformin 5 days ago."
HIGH_GLUCOSE_ACK = "Seen at the end of the visit: metformin refilled today, recheck by phone on Friday."
