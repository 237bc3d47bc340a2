"""Contacts for the demo: each program's published cadence (domain-notes) turned into dated touchpoints,
then outcomes, key functions, activities, durations and next-contact dates drawn with a seeded Random.

Everything here is in memory; demo.py saves the result with bulk_create. The rules of
contacts.services.check_contact hold for every contact made here: nothing in the future, nothing before
the enrolment, only reached contacts carry functions, proactive contacts only with consent to contact.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from alongside.contacts.models import Contact
from alongside.people.models import Participant, Supporter
from alongside.programs.models import Enrollment, EnrollmentStatus, Program
from alongside.taxonomy import FUNCTION_FIELDS, ConcernTier, Initiation, KeyFunction, Modality, Outcome
from alongside.web.demo_text import REACHED_NOTES, TOPICS, UNREACHED_NOTES

S = EnrollmentStatus
M = Modality
F = KeyFunction

# Telephone program: calls in these windows of days after enrolment (domain-notes).
TELEPHONE_WINDOWS = ((7, 10), (14, 18), (28, 35), (56, 70), (120, 150))
COACHING_WEEKLY = 8  # weekly for 8 weeks, then monthly
CHW_VISIT_GAP = (14, 21)  # home visits about every 2-3 weeks
HORIZON_DAYS = 90  # touches are planned this far past today, so the last contact knows the next one


@dataclass
class Story:
    """One enrolment's life in the demo, decided before anything is saved."""

    participant: Participant
    program: Program
    program_key: str
    status: str
    start: date
    end: date  # last day of support so far: today for open enrolments, the closing day otherwise
    reason: str = ""
    referred_on: date | None = None
    pause: tuple[date, date] | None = None  # an earlier pause that has ended
    sessions: list[datetime] = field(default_factory=list)  # group sessions attended
    missed: list[datetime] = field(default_factory=list)  # group sessions held but not attended
    upcoming: list[datetime] = field(default_factory=list)  # group sessions still to come
    supporters: list[Supporter] = field(default_factory=list)
    enrollment: Enrollment | None = None

    @property
    def is_closed(self) -> bool:
        return self.status in (S.COMPLETED, S.WITHDRAWN, S.LOST_TO_FOLLOW_UP)


@dataclass
class Touch:
    day: date
    modality: str
    initiated_by: str = Initiation.PROACTIVE
    at: datetime | None = None  # fixed time (group sessions); otherwise drawn from the best times
    outcome: str | None = None  # forced outcome
    retry: bool = True


def _jitter(rng: random.Random, day: date, spread: int) -> date:
    return day + timedelta(days=rng.randint(-spread, spread))


def _participant_calls(story: Story, rng: random.Random, every: int, modality: str = M.PHONE_CALL) -> list[Touch]:
    """Calls or texts the participant starts, roughly one per `every` days."""
    touches = []
    day = story.start + timedelta(days=rng.randint(3, every))
    while day <= story.end:
        touches.append(Touch(day, modality, Initiation.PARTICIPANT))
        day += timedelta(days=rng.randint(every // 2, every * 3 // 2))
    return touches


def telephone_touches(story: Story, rng: random.Random) -> list[Touch]:
    touches = [Touch(story.start + timedelta(days=rng.randint(a, b)), M.PHONE_CALL) for a, b in TELEPHONE_WINDOWS]
    return touches + _participant_calls(story, rng, 60)


def coaching_touches(story: Story, rng: random.Random, texts: bool) -> list[Touch]:
    touches = [Touch(story.start, M.IN_PERSON)]
    for week in range(1, COACHING_WEEKLY):
        modality = rng.choices(
            [M.PHONE_CALL, M.IN_PERSON, M.WALK, M.TEXT_MESSAGE if texts else M.PHONE_CALL], [70, 15, 10, 5]
        )[0]
        touches.append(Touch(_jitter(rng, story.start + timedelta(weeks=week), 1), modality))
    day = story.start + timedelta(weeks=COACHING_WEEKLY - 1)
    while day < story.start + timedelta(days=300):
        day += timedelta(days=30)
        touches.append(Touch(_jitter(rng, day, 3), rng.choices([M.PHONE_CALL, M.IN_PERSON], [80, 20])[0]))
    extra = _participant_calls(story, rng, 21, M.TEXT_MESSAGE) if texts else _participant_calls(story, rng, 40)
    return touches + extra


def chw_touches(story: Story, rng: random.Random) -> list[Touch]:
    touches = []
    visit = story.start + timedelta(days=rng.randint(0, 3))
    last_day = story.end + timedelta(days=HORIZON_DAYS)
    while visit <= last_day:
        touches.append(Touch(visit, M.HOME_VISIT))
        if rng.random() < 0.1:
            touches.append(Touch(visit + timedelta(days=rng.randint(2, 5)), M.ERRAND))
        gap = rng.randint(*CHW_VISIT_GAP)
        if rng.random() < 0.6:  # recall-list call between visits
            touches.append(Touch(visit + timedelta(days=gap // 2), M.PHONE_CALL))
        visit += timedelta(days=gap)
    for quarter in (90, 180):  # A1c about every three months, often with the CHW alongside
        if rng.random() < 0.7:
            touches.append(Touch(story.start + timedelta(days=quarter + rng.randint(-5, 5)), M.CLINIC_ACCOMPANIMENT))
    return touches + _participant_calls(story, rng, 45)


def online_touches(story: Story, rng: random.Random, tz: ZoneInfo) -> list[Touch]:
    touches = []
    week = story.start
    while week <= story.end + timedelta(days=HORIZON_DAYS):
        if rng.random() < 0.6:
            initiated = Initiation.PARTICIPANT if rng.random() < 0.55 else Initiation.PROACTIVE
            touches.append(Touch(week + timedelta(days=rng.randint(0, 6)), M.ONLINE_MESSAGE, initiated))
        week += timedelta(weeks=1)
    month = story.start.replace(day=1)
    while month <= story.end + timedelta(days=HORIZON_DAYS):  # the monthly email, first Monday at 7:00
        first_monday = month + timedelta(days=(7 - month.weekday()) % 7)
        touches.append(Touch(first_monday, M.EMAIL, at=datetime.combine(first_monday, time(7, 0), tz), retry=False))
        month = (month + timedelta(days=32)).replace(day=1)
    return touches


def group_touches(story: Story, rng: random.Random) -> list[Touch]:
    """Sessions attended, a call after a missed one, and (group visits) a reminder call before some."""
    touches = [Touch(s.date(), M.GROUP_MEETING, at=s, retry=False) for s in story.sessions + story.upcoming]
    for session in story.missed:
        if rng.random() < 0.6:
            touches.append(Touch(session.date() + timedelta(days=rng.randint(1, 3)), M.PHONE_CALL))
    if story.program_key == "group_visits":
        for session in story.sessions:
            if rng.random() < 0.3:
                touches.append(Touch(session.date() - timedelta(days=rng.randint(1, 3)), M.PHONE_CALL))
    return touches


def enrolled_touches(story: Story, rng: random.Random, modality: str) -> list[Touch]:
    """Newly enrolled, not yet reached: one or two welcome attempts without an answer."""
    first = story.start + timedelta(days=rng.randint(1, 3))
    second = Outcome.NO_ANSWER if modality == M.EMAIL else Outcome.LEFT_MESSAGE
    touches = [Touch(first, modality, outcome=Outcome.NO_ANSWER, retry=False)]
    if rng.random() < 0.5:
        touches.append(Touch(first + timedelta(days=2), modality, outcome=second, retry=False))
    return touches


# How often a reached contact serves each function, by kind of touchpoint. Tuned so the whole demo
# comes near the published shares (~90% social-emotional, ~65% daily management, ~30% linkage).
FUNCTION_ODDS: dict[str, dict[str, float]] = {
    "call": {F.SOCIAL_EMOTIONAL: 0.92, F.DAILY_MANAGEMENT: 0.66, F.LINKAGE: 0.25, F.ONGOING: 0.55},
    "visit": {F.SOCIAL_EMOTIONAL: 0.88, F.DAILY_MANAGEMENT: 0.75, F.LINKAGE: 0.5, F.ONGOING: 0.45},
    "accompany": {F.SOCIAL_EMOTIONAL: 0.7, F.DAILY_MANAGEMENT: 0.3, F.LINKAGE: 1.0, F.ONGOING: 0.3},
    "workshop": {F.SOCIAL_EMOTIONAL: 0.88, F.DAILY_MANAGEMENT: 0.95, F.LINKAGE: 0.12, F.ONGOING: 0.1},
    "group_visits": {F.SOCIAL_EMOTIONAL: 0.85, F.DAILY_MANAGEMENT: 0.9, F.LINKAGE: 0.55, F.ONGOING: 0.25},
    "circle": {F.SOCIAL_EMOTIONAL: 0.97, F.DAILY_MANAGEMENT: 0.45, F.LINKAGE: 0.2, F.ONGOING: 0.5},
    "online": {F.SOCIAL_EMOTIONAL: 0.93, F.DAILY_MANAGEMENT: 0.55, F.LINKAGE: 0.18, F.ONGOING: 0.3},
    "email": {F.SOCIAL_EMOTIONAL: 0.6, F.DAILY_MANAGEMENT: 0.6, F.LINKAGE: 0.15, F.ONGOING: 0.9},
}
OUTCOME_ODDS: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {
    M.PHONE_CALL: (
        (Outcome.REACHED, Outcome.NO_ANSWER, Outcome.LEFT_MESSAGE, Outcome.WRONG_NUMBER, Outcome.DECLINED),
        (76, 12, 9, 1.5, 1.5),
    ),
    M.TEXT_MESSAGE: ((Outcome.REACHED, Outcome.NO_ANSWER), (80, 20)),
    M.HOME_VISIT: ((Outcome.REACHED, Outcome.NO_ANSWER), (92, 8)),
}
MINUTES: dict[str, tuple[int, int]] = {
    M.PHONE_CALL: (5, 30),
    M.TEXT_MESSAGE: (1, 5),
    M.IN_PERSON: (30, 60),
    M.HOME_VISIT: (30, 90),
    M.WALK: (30, 60),
    M.ERRAND: (45, 90),
    M.CLINIC_ACCOMPANIMENT: (60, 150),
    M.VIDEO_CALL: (15, 40),
    M.EMAIL: (2, 5),
    M.ONLINE_MESSAGE: (5, 15),
}
GROUP_MINUTES = {"workshop": 150, "group_visits": 120, "circle": 90}


def _profile(program_key: str, modality: str) -> str:
    if modality == M.GROUP_MEETING:
        return program_key
    if modality in (M.HOME_VISIT, M.ERRAND):
        return "visit"
    if modality == M.CLINIC_ACCOMPANIMENT:
        return "accompany"
    if modality == M.EMAIL:
        return "email"
    return "online" if modality == M.ONLINE_MESSAGE else "call"


@dataclass
class ContactMaker:
    """Turns touches into Contact instances (unsaved) for one story at a time."""

    rng: random.Random
    tz: ZoneInfo
    now: datetime
    made: list[Contact] = field(default_factory=list)

    def for_story(self, story: Story, touches: list[Touch], recorded_by_id: dict[int, int]) -> list[Contact]:
        supporter = story.supporters[0] if story.supporters else None
        if supporter is None or story.enrollment is None:
            return []
        planned = sorted({t.day for t in touches if t.initiated_by == Initiation.PROACTIVE})
        contacts: list[Contact] = []
        for touch in sorted(touches, key=lambda t: t.day):
            if not self._in_support(story, touch.day) or (touch.at is None and self.rng.random() < 0.05):
                continue  # outside the enrolment, or a planned contact that simply did not happen
            self._attempt(story, touch, touch.day, 0, planned, contacts)
        contacts.sort(key=lambda c: c.occurred_at)
        if story.status == S.PAUSED and contacts:
            contacts[-1].next_contact_due = story.end + timedelta(days=42)
            contacts[-1].note = f"Pausing: {story.reason}"
        self.attach(story, contacts, recorded_by_id)
        return contacts

    def attach(self, story: Story, contacts: list[Contact], recorded_by_id: dict[int, int]) -> None:
        """Ties contacts to the story's enrolment and primary supporter (who logged them) and keeps them."""
        assert story.enrollment is not None and story.supporters
        supporter = story.supporters[0]
        for contact in contacts:
            contact.supporter = supporter
            contact.recorded_by_id = recorded_by_id[supporter.pk]
            contact.enrollment = story.enrollment
            contact.participant = story.participant
        self.made.extend(contacts)

    def _in_support(self, story: Story, day: date) -> bool:
        if not story.start <= day <= story.end:
            return False
        return story.pause is None or not story.pause[0] <= day < story.pause[1]

    def _attempt(
        self, story: Story, touch: Touch, day: date, tries: int, planned: list[date], out: list[Contact]
    ) -> None:
        occurred_at = touch.at or self._time(story, touch, day)
        if occurred_at > self.now - timedelta(minutes=10):
            return
        outcome = touch.outcome or self._outcome(touch)
        contact = self.contact(story, touch.modality, touch.initiated_by, outcome, occurred_at)
        out.append(contact)
        if outcome == Outcome.REACHED:
            if touch.initiated_by == Initiation.PROACTIVE or self.rng.random() < 0.3:
                later = [d for d in planned if d > day + timedelta(days=1)]
                if later and (story.status not in (S.COMPLETED, S.WITHDRAWN) or later[0] <= story.end):
                    contact.next_contact_due = later[0] if self.rng.random() < 0.85 else None
            return
        retry_day = day + timedelta(days=self.rng.randint(1, 3))
        if touch.retry and tries < 2 and self._in_support(story, retry_day):
            contact.next_contact_due = retry_day
            self._attempt(story, touch, retry_day, tries + 1, planned, out)

    def _outcome(self, touch: Touch) -> str:
        if touch.initiated_by == Initiation.PARTICIPANT or touch.modality not in OUTCOME_ODDS:
            return Outcome.REACHED
        outcomes, weights = OUTCOME_ODDS[touch.modality]
        return self.rng.choices(outcomes, weights)[0]

    def _time(self, story: Story, touch: Touch, day: date) -> datetime:
        rng = self.rng
        if touch.initiated_by == Initiation.PARTICIPANT:
            hour, minute = rng.randint(8, 20), rng.choice((0, 10, 20, 30, 40, 50))
        elif touch.modality == M.ONLINE_MESSAGE:
            hour, minute = rng.randint(7, 21), rng.randint(0, 59)
        else:
            if day.weekday() == 6:  # supporters do not call on Sundays
                day += timedelta(days=1)
            if touch.modality in (M.HOME_VISIT, M.IN_PERSON, M.WALK, M.ERRAND, M.CLINIC_ACCOMPANIMENT):
                hour = rng.randint(9, 15)
            else:
                best = rng.choice(story.participant.best_times or ["afternoon"])
                hour = {"morning": rng.randint(9, 11), "evening": rng.randint(17, 19)}.get(best, rng.randint(13, 16))
            minute = rng.choice((0, 15, 30, 45))
        return datetime.combine(min(day, story.end), time(hour, minute), self.tz)

    def contact(
        self,
        story: Story,
        modality: str,
        initiated_by: str,
        outcome: str,
        occurred_at: datetime,
        functions: set[str] | None = None,
    ) -> Contact:
        rng = self.rng
        contact = Contact(occurred_at=occurred_at, modality=modality, initiated_by=initiated_by, outcome=outcome)
        if outcome != Outcome.REACHED:
            contact.duration_minutes = 0 if outcome == Outcome.NO_ANSWER else rng.randint(1, 2)
            if rng.random() < 0.6:
                contact.note = rng.choice(UNREACHED_NOTES[outcome])
            return contact
        chosen = functions if functions is not None else self._functions(story.program_key, modality, initiated_by)
        activities: list[str] = []
        for function in KeyFunction.values:
            if function in chosen:
                setattr(contact, FUNCTION_FIELDS[function], True)
                options = story.program.activities_for(function)
                if options:
                    activities += rng.sample(options, min(len(options), rng.choice((1, 1, 2))))
        contact.activities = activities
        contact.topics = "; ".join(rng.choice(TOPICS[a]) for a in activities if a in TOPICS)[:300]
        low, high = MINUTES.get(modality, (5, 30))
        contact.duration_minutes = (
            GROUP_MINUTES.get(story.program_key, 90) if modality == M.GROUP_MEETING else (rng.randint(low, high))
        )
        if "action_plan" in activities:
            confidence = rng.randint(4, 10)
            smaller = "; made the plan smaller" if confidence < 7 else ""
            contact.note = (
                f"Action plan: walk 15 minutes after dinner, 4 days this week; confidence {confidence}/10{smaller}."
            )
        elif rng.random() < 0.35:
            contact.note = rng.choice(REACHED_NOTES)
        return contact

    def _functions(self, program_key: str, modality: str, initiated_by: str) -> set[str]:
        odds = FUNCTION_ODDS[_profile(program_key, modality)]
        chosen = set()
        for function, p in odds.items():
            if function == F.ONGOING and initiated_by == Initiation.PARTICIPANT:
                p *= 0.3  # ongoing support is mostly the supporter reaching out
            if self.rng.random() < p:
                chosen.add(str(function))
        return chosen or {str(F.SOCIAL_EMOTIONAL)}


def touches_for(story: Story, rng: random.Random, tz: ZoneInfo) -> list[Touch]:
    """The cadence of the story's program (domain-notes), as dated touchpoints."""
    key = story.program_key
    remote = M.EMAIL if key == "online" else M.PHONE_CALL  # how the program chases someone it cannot reach
    if story.status == S.REFERRED:
        return []
    if story.status == S.ENROLLED:
        return enrolled_touches(story, rng, remote)
    if key == "telephone":
        touches = telephone_touches(story, rng)
    elif key == "coaches":
        touches = coaching_touches(story, rng, texts=story.participant.consent_texts)
    elif key == "promotoras":
        touches = chw_touches(story, rng)
    elif key == "online":
        touches = online_touches(story, rng, tz)
    else:
        touches = group_touches(story, rng)
    if story.status == S.LOST_TO_FOLLOW_UP:  # contact dries up: three weeks of unanswered attempts
        touches = [t for t in touches if t.day < story.end - timedelta(days=21)]
        for offset in (21, 14, 9, 2):
            outcome = Outcome.NO_ANSWER if remote == M.EMAIL else rng.choice([Outcome.NO_ANSWER, Outcome.LEFT_MESSAGE])
            touches.append(Touch(story.end - timedelta(days=offset), remote, outcome=outcome, retry=False))
    return touches


@dataclass(frozen=True)
class ConcernPlan:
    program_key: str
    tier: str
    hours_ago: int
    reason: str
    acknowledged: tuple[str, int, str] | None = None  # (role of the acknowledger, hours later, note)
    supporter: str = ""  # username of the supporter whose participant it is, if it matters
    gender: str = ""  # when the reason says "she" or "he"


CONCERNS: tuple[ConcernPlan, ...] = (
    ConcernPlan(
        "promotoras",
        ConcernTier.EMERGENCY,
        5,
        "Blood glucose 62 mg/dL at the home visit; confused and sweaty. Gave juice per her hypo plan, "
        "rechecked after 15 minutes (88 mg/dL). Called the clinic nurse, who wants her seen today.",
        gender="woman",
    ),
    ConcernPlan(
        "telephone",
        ConcernTier.URGENT,
        26,
        "BP 168/104 on three readings this week (171/102 yesterday); mild headache, no chest pain. "
        "Needs a clinician to review within 1-2 days.",
    ),
    ConcernPlan(
        "coaches",
        ConcernTier.URGENT,
        50,
        "Glucose above 300 mg/dL for three days (312, 345, 330); very thirsty and tired. "
        "Advised her to call her doctor today; I will check in tomorrow.",
        supporter="supporter",
        gender="woman",
    ),
    ConcernPlan(
        "promotoras",
        ConcernTier.ROUTINE,
        74,
        "Has not taken metformin for about 10 days: ran out, and the pharmacy needs a new prescription.",
    ),
    ConcernPlan(
        "circle",
        ConcernTier.ROUTINE,
        120,
        "New blister on the right heel from new shoes; no redness yet. Reminded about daily foot checks; "
        "should show the podiatrist.",
    ),
    ConcernPlan(
        "online",
        ConcernTier.ROUTINE,
        170,
        "Wrote that he feels down most days since losing his job and is sleeping badly. No thoughts of "
        "self-harm when asked. Would like to talk to someone.",
        gender="man",
    ),
    ConcernPlan(
        "telephone",
        ConcernTier.EMERGENCY,
        40 * 24,
        "Chest pain walking up the stairs, short of breath. Told him to hang up and call 911; "
        "stayed on the line until his wife made the call.",
        acknowledged=(
            "supervisor",
            1,
            "Spoke with his wife: seen in the ER, admitted overnight, discharged with a cardiology appointment.",
        ),
        gender="man",
    ),
    ConcernPlan(
        "promotoras",
        ConcernTier.URGENT,
        25 * 24,
        "Sore on the left big toe, red and warm, for four days.",
        acknowledged=("professional", 20, "Seen in clinic next morning; antibiotics started; podiatry referral."),
    ),
    ConcernPlan(
        "coaches",
        ConcernTier.ROUTINE,
        60 * 24,
        "Skipping night-time insulin doses because of the cost.",
        acknowledged=("supervisor", 96, "Linked to the pharmacy assistance program; supporter to follow up."),
    ),
)
CONCERN_MODALITY = {"promotoras": M.HOME_VISIT, "online": M.ONLINE_MESSAGE}
