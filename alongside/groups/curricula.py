"""Default curricula a program can start from: a six-session peer-led self-management workshop, six
monthly group visits, and a year of monthly support group meetings (domain-notes, "Group programs").

They are data, not rows: a coordinator copies one into the program (services.save_curriculum) and then
changes whatever the program teaches differently. Content is in our own words; what makes programs
comparable is that every session names the key functions it serves and its activities (taxonomy codes),
"standardization by function, not by content".
"""

from __future__ import annotations

from dataclasses import dataclass

from alongside.groups.models import GroupKind
from alongside.groups.services import CurriculumSession
from alongside.taxonomy import KeyFunction

DAILY = KeyFunction.DAILY_MANAGEMENT.value
SOCIAL = KeyFunction.SOCIAL_EMOTIONAL.value
LINKAGE = KeyFunction.LINKAGE.value
ONGOING = KeyFunction.ONGOING.value


@dataclass(frozen=True)
class DefaultSession:
    topic: str
    description: str
    functions: tuple[str, ...]
    activities: tuple[str, ...]


@dataclass(frozen=True)
class DefaultCurriculum:
    key: str
    kind: str
    name: str
    description: str
    sessions: tuple[DefaultSession, ...]

    def as_sessions(self) -> list[CurriculumSession]:
        """In the shape services.save_curriculum takes."""
        return [
            CurriculumSession(
                topic=s.topic, functions=list(s.functions), description=s.description, activities=list(s.activities)
            )
            for s in self.sessions
        ]


# Six weekly sessions of about 2.5 hours, led by two leaders at least one of whom lives with the
# condition. Every session after the first opens by going round the group on last week's action plan
# and closes with each person making a new one: the plan is the thread that runs through the workshop.
WORKSHOP = DefaultCurriculum(
    key="workshop",
    kind=GroupKind.WORKSHOP,
    name="Self-management workshop (6 sessions)",
    description=(
        "Six weekly peer-led sessions. Each one after the first starts with feedback on last week's action "
        "plan and ends with everyone making a new plan for the week ahead."
    ),
    sessions=(
        DefaultSession(
            "Getting started: taking charge, and a first action plan",
            "What self-managing a long-term condition involves, and the ups and downs that come with it. "
            "Introductions, what each person wants to work on, and how to write an action plan: what, how "
            "much, when, how often, and how confident you are (0-10; below 7, make the plan easier).",
            (DAILY, SOCIAL),
            ("action_plan", "encouragement", "isolation"),
        ),
        DefaultSession(
            "Solving problems and handling difficult emotions",
            "Steps for working through a problem: name it, list ideas, try one, check how it went. "
            "Frustration, worry, fear and low mood are common with a chronic condition; ways of noticing "
            "and easing them, and when to ask for more help.",
            (DAILY, SOCIAL),
            ("action_plan", "problem_solving", "coping", "listening"),
        ),
        DefaultSession(
            "Moving more",
            "Physical activity that fits each person's body, time and budget: starting small, building up, "
            "staying safe. Places nearby to walk or exercise together.",
            (DAILY, LINKAGE),
            ("action_plan", "physical_activity", "problem_solving", "community_resource"),
        ),
        DefaultSession(
            "Eating well",
            "Everyday healthy eating: plates and portions, reading food labels, eating well on a budget and "
            "with the family's tastes. Where to find affordable fresh food locally.",
            (DAILY, LINKAGE),
            ("action_plan", "diet", "self_monitoring", "community_resource"),
        ),
        DefaultSession(
            "Medicines and working with your health care team",
            "What each medicine is for, building it into the day, side effects and what to do about them. "
            "Getting the most out of an appointment: preparing questions, saying what matters to you, "
            "asking again until it is clear.",
            (DAILY, LINKAGE),
            ("action_plan", "medicines", "questions_for_clinician", "navigation"),
        ),
        DefaultSession(
            "Communicating, and planning for the future",
            "Telling family, friends and colleagues what you need and listening to them. Looking back over "
            "the six weeks, and planning how to keep going afterwards: what support to keep, who to call, "
            "the next action plan.",
            (SOCIAL, ONGOING),
            ("action_plan", "family", "encouragement", "maintenance", "follow_up_plan"),
        ),
    ),
)


def _visit(topic: str, description: str, *activities: str) -> DefaultSession:
    """A group visit always has the same frame around its topic: check-in and measurements, the topic,
    peers sharing what works for them, and questions for the clinician."""
    return DefaultSession(
        topic,
        "Check-in and measurements (blood pressure, weight, glucose as the program decides). "
        f"{description} Peer exchange: what has worked for others. Questions for the clinician.",
        (DAILY, SOCIAL, LINKAGE),
        ("self_monitoring", *activities, "encouragement", "questions_for_clinician"),
    )


# Monthly shared medical appointments of up to 2.5 hours for 8-14 people, led by a clinician with peers.
GROUP_VISITS = DefaultCurriculum(
    key="group_visit",
    kind=GroupKind.GROUP_VISIT,
    name="Group visits (6 monthly visits)",
    description=(
        "Six monthly visits with a clinician and peers. Each visit: check-in and measurements, a topic, "
        "peer exchange, and questions for the clinician."
    ),
    sessions=(
        _visit("Knowing your numbers", "What HbA1c, blood pressure and weight say, and personal targets.", "diet"),
        _visit("Medicines that work for you", "What each medicine does; taking them every day.", "medicines"),
        _visit("Food and blood sugar", "How meals affect glucose; small changes that last.", "diet"),
        _visit("Staying active", "Activity that fits; what to watch for.", "physical_activity"),
        _visit("Feet, eyes and kidneys", "Checks that prevent complications and how to get them.", "foot_care"),
        _visit(
            "Keeping it going",
            "Looking back over the visits and agreeing the next steps of care.",
            "follow_up_plan",
        ),
    ),
)


def _meeting(topic: str, description: str, functions: tuple[str, ...], *activities: str) -> DefaultSession:
    # A support group meets to keep people going over months: every meeting serves ongoing support.
    return DefaultSession(topic, description, (*functions, ONGOING), ("listening", *activities, "maintenance"))


# Peer-led monthly meetings for a year.
SUPPORT_GROUP = DefaultCurriculum(
    key="support_group",
    kind=GroupKind.SUPPORT_GROUP,
    name="Support group (12 monthly meetings)",
    description="A year of monthly peer-led meetings: sharing experiences, encouragement and practical tips.",
    sessions=(
        _meeting("Getting to know each other", "Why we are here and what we hope for.", (SOCIAL,), "isolation"),
        _meeting("Living with the ups and downs", "Good months and hard ones.", (SOCIAL,), "coping"),
        _meeting("Stress and how we cope", "What helps when things pile up.", (SOCIAL,), "coping"),
        _meeting("Family and friends", "Getting the support we need at home.", (SOCIAL,), "family"),
        _meeting(
            "Eating well on a budget",
            "Tips, recipes and where to find affordable food.",
            (DAILY, LINKAGE),
            "diet",
            "community_resource",
        ),
        _meeting("Being active together", "Walking groups and other ways to move more.", (DAILY,), "physical_activity"),
        _meeting("Medicines and routines", "Keeping up with medicines day to day.", (DAILY,), "medicines"),
        _meeting(
            "Talking with the doctor",
            "Preparing for appointments and asking what we need to know.",
            (LINKAGE,),
            "questions_for_clinician",
        ),
        _meeting(
            "When we feel low",
            "Recognising low mood in ourselves and others, and where to find help.",
            (SOCIAL, LINKAGE),
            "coping",
            "clinical_referral",
        ),
        _meeting("Holidays and special occasions", "Celebrating without losing track.", (DAILY, SOCIAL), "diet"),
        _meeting(
            "Help in our community",
            "Services, benefits and groups nearby that members have found useful.",
            (LINKAGE,),
            "community_resource",
        ),
        _meeting(
            "Looking back, looking ahead",
            "What the year has brought and how we keep in touch.",
            (SOCIAL,),
            "encouragement",
            "follow_up_plan",
        ),
    ),
)

DEFAULT_CURRICULA: tuple[DefaultCurriculum, ...] = (WORKSHOP, GROUP_VISITS, SUPPORT_GROUP)
DEFAULT_BY_KEY: dict[str, DefaultCurriculum] = {c.key: c for c in DEFAULT_CURRICULA}
