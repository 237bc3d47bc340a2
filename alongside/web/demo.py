"""Demo data: one organization running a program of each of the seven models, with staff, supporters,
~150 participants and six months of contacts that follow the published cadences (domain-notes).

`seed_demo()` is what `manage.py seed_demo` runs. It is idempotent: when the demo organization exists
it only resets the demo logins' passwords. Everything is drawn from random.Random(seed) and dated
relative to today, so two databases seeded the same day hold the same people and contacts.

The demo logins share one password, DEMO_PASSWORD. It is public: never load demo data into a database
that holds real people.
"""

from __future__ import annotations

import random
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from alongside.accounts.models import Organization, Role, User
from alongside.contacts.models import Contact
from alongside.linkage.models import Referral, Service
from alongside.people.models import (
    ConsentKind,
    ConsentMethod,
    ConsentRecord,
    Gender,
    Participant,
    Supporter,
    SupporterKind,
    TrainingStatus,
)
from alongside.people.services import check_participant_fields, check_supporter_fields
from alongside.programs.models import (
    OPEN_STATUSES,
    Assignment,
    Enrollment,
    EnrollmentStatus,
    EnrollmentTransition,
    Program,
)
from alongside.programs.services import save_program
from alongside.safety.models import Concern
from alongside.taxonomy import Condition, Initiation, KeyFunction, Modality, Outcome, default_activities
from alongside.web import demo_text as text
from alongside.web.demo_contacts import CONCERN_MODALITY, CONCERNS, ContactMaker, Story, touches_for
from alongside.web.demo_followup import load_follow_up
from alongside.web.demo_groups import GroupDemo
from alongside.web.demo_groups_plan import DROPOUT_REASON, LEADER_LOGIN
from alongside.web.demo_linkage import load_linkage
from alongside.web.demo_linkage_plan import locality_coordinates

S = EnrollmentStatus
C = Condition

DEMO_PASSWORD = "alongside-demo"
ORGANIZATION_NAME = "Riverside Community Health"
ORGANIZATION_SLUG = "riverside"
TIMEZONE = "America/New_York"
DEFAULT_SEED = 2024


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    first_screen: str


DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("admin", Role.ADMIN, "Programs overview; users, roles and the access log"),
    DemoLogin("coordinator", Role.COORDINATOR, "Programs overview: enrolments and function coverage"),
    DemoLogin("supervisor", Role.SUPERVISOR, "Open concerns by tier, emergencies first"),
    DemoLogin(
        "professional",
        Role.PROFESSIONAL,
        "Participants of the programs they lead; Groups: the group visits; Referrals: referrals to answer",
    ),
    DemoLogin("evaluator", Role.EVALUATOR, "Programs overview: aggregate figures only; Groups: completion"),
    DemoLogin(
        "supporter",
        Role.SUPPORTER,
        "Today: who to call now and why (two stalled referrals), one tap to the call screen",
    ),
    DemoLogin(LEADER_LOGIN, Role.SUPPORTER, "Today: the Spanish workshop's session 4, attendance in one tap"),
    DemoLogin("participant", Role.PARTICIPANT, "Their own record: supporter, groups, action plans, timeline"),
)
LOGIN_NAMES = frozenset(login.username for login in DEMO_LOGINS)
STAFF_NAMES: dict[str, tuple[str, str]] = {
    Role.ADMIN: ("Morgan", "Blake"),
    Role.COORDINATOR: ("Dana", "Whitfield"),
    Role.SUPERVISOR: ("Grace", "Oduya"),
    Role.PROFESSIONAL: ("Anita", "Shah"),
    Role.EVALUATOR: ("Eli", "Novak"),
}


@dataclass(frozen=True)
class ProgramSpec:
    key: str
    name: str
    model: int
    languages: tuple[str, ...]
    conditions: tuple[str, ...]
    description: str
    clinical_lead: bool = False


PROGRAMS: tuple[ProgramSpec, ...] = (
    ProgramSpec(
        "group_visits", "Diabetes Group Visits", 1, ("en",), (C.TYPE_2_DIABETES, C.HYPERTENSION),
        "Monthly shared medical appointments: 8-14 patients with the clinic's nurse practitioner and a peer "
        "leader, up to 2.5 hours.", clinical_lead=True,
    ),
    ProgramSpec(
        "workshop", "Living Well Workshop", 2, ("en", "es"),
        (C.TYPE_2_DIABETES, C.PREDIABETES, C.HYPERTENSION, C.HEART_DISEASE, C.DEPRESSION),
        "Six weekly sessions of 2.5 hours led by two trained peer leaders; weekly action plans.",
    ),
    ProgramSpec(
        "coaches", "Peer Coaches", 3, ("en", "es"), (C.TYPE_2_DIABETES, C.PREDIABETES),
        "One-to-one coaching by people living with diabetes: weekly for 8 weeks, then monthly to 10 months.",
    ),
    ProgramSpec(
        "promotoras", "Promotoras de Salud", 4, ("es", "en"), (C.TYPE_2_DIABETES, C.PREDIABETES, C.HYPERTENSION),
        "Community health workers from the neighbourhood: home visits every 2-3 weeks, navigation and "
        "accompaniment to clinic visits.", clinical_lead=True,
    ),
    ProgramSpec(
        "circle", "Monthly Support Circle", 5, ("en",), (C.TYPE_2_DIABETES, C.TYPE_1_DIABETES),
        "A peer-led support group that meets on the first Thursday evening of every month.",
    ),
    ProgramSpec(
        "telephone", "Telephone Peer Support", 6, ("en", "es"), (C.TYPE_2_DIABETES, C.HYPERTENSION),
        "Calls from a trained peer on days 7-10, 14-18, 28-35, 56-70 and 120-150 after enrolment.",
    ),
    ProgramSpec(
        "online", "Online Diabetes Community", 7, ("en",), (C.TYPE_2_DIABETES, C.TYPE_1_DIABETES, C.PREDIABETES),
        "Moderated online group and a monthly email with reminders and tips.",
    ),
)  # fmt: skip


@dataclass(frozen=True)
class SupporterSpec:
    username: str
    first_name: str
    last_name: str
    kind: str
    languages: tuple[str, ...]
    lived_experience: tuple[str, ...]
    culture: str
    training: tuple[str, int]  # status, hours
    max_caseload: int
    programs: tuple[str, ...]


K = SupporterKind
T = TrainingStatus
SUPPORTERS: tuple[SupporterSpec, ...] = (
    SupporterSpec("supporter", "Rosa", "Delgado", K.PEER_COACH, ("es", "en"), (C.TYPE_2_DIABETES,),
                  "Puerto Rican; lives in Eastside", (T.CERTIFIED, 46), 10, ("coaches", "telephone")),
    SupporterSpec("james.carter", "James", "Carter", K.PEER_COACH, ("en",), (C.TYPE_2_DIABETES, C.HYPERTENSION),
                  "Deacon at Mt. Zion Baptist", (T.TRAINED, 24), 8, ("coaches",)),
    SupporterSpec("keisha.brooks", "Keisha", "Brooks", K.PEER_COACH, ("en",), (C.TYPE_2_DIABETES,),
                  "", (T.IN_TRAINING, 10), 6, ("telephone", "coaches")),
    SupporterSpec("linh.nguyen", "Linh", "Nguyen", K.PEER_COACH, ("en", "vi"), (C.TYPE_2_DIABETES, C.DEPRESSION),
                  "Vietnamese American", (T.TRAINED, 16), 10, ("telephone",)),
    SupporterSpec("maria.hernandez", "María", "Hernández", K.COMMUNITY_HEALTH_WORKER, ("es", "en"),
                  (C.PREDIABETES,), "Mexican American; Northgate", (T.CERTIFIED, 96), 30, ("promotoras",)),
    SupporterSpec("ana.torres", "Ana", "Torres", K.COMMUNITY_HEALTH_WORKER, ("es", "en"), (C.TYPE_2_DIABETES,),
                  "Dominican; Riverbend", (T.CERTIFIED, 80), 30, ("promotoras", "workshop")),
    SupporterSpec("denise.walker", "Denise", "Walker", K.COMMUNITY_HEALTH_WORKER, ("en",), (C.HYPERTENSION,),
                  "Southport", (T.TRAINED, 60), 15, ("promotoras",)),
    SupporterSpec("walter.green", "Walter", "Green", K.GROUP_FACILITATOR, ("en",), (C.TYPE_2_DIABETES, C.DEPRESSION),
                  "Army veteran", (T.TRAINED, 30), 16, ("circle",)),
    SupporterSpec(LEADER_LOGIN, "Gloria", "Ramírez", K.PEER_LEADER, ("es", "en"), (C.TYPE_2_DIABETES,),
                  "", (T.CERTIFIED, 28), 16, ("workshop",)),
    SupporterSpec("frank.miller", "Frank", "Miller", K.PEER_LEADER, ("en",), (C.TYPE_2_DIABETES,),
                  "", (T.LAPSED, 26), 16, ("workshop", "group_visits")),
    SupporterSpec("kevin.osei", "Kevin", "Osei", K.ONLINE_MODERATOR, ("en",), (C.TYPE_1_DIABETES,),
                  "", (T.TRAINED, 14), 50, ("online",)),
)  # fmt: skip
# Supporters assigned to a workshop's participants: its peer leaders (demo_groups.py lists each series'
# facilitators; the Spanish workshop's co-leader is a community health worker whose caseload is full).
WORKSHOP_LEADERS = {"en": ("frank.miller", LEADER_LOGIN), "es": (LEADER_LOGIN,)}


@dataclass(frozen=True)
class Cohort:
    program: str
    language: str
    size: int
    kind: str = "rolling"  # rolling | group_visits | workshop_done | workshop_now


COHORTS: tuple[Cohort, ...] = (
    Cohort("promotoras", "es", 25),
    Cohort("promotoras", "en", 4),
    Cohort("telephone", "es", 5),
    Cohort("telephone", "en", 16),
    Cohort("coaches", "es", 4),
    Cohort("coaches", "en", 10),
    Cohort("group_visits", "en", 14, "group_visits"),
    Cohort("circle", "en", 14),
    Cohort("online", "en", 35),
    Cohort("workshop", "en", 12, "workshop_done"),
    Cohort("workshop", "es", 11, "workshop_now"),
)
# Some people take part in two programs: (from program, how many of its active people, into cohort).
SECOND_PROGRAMS = (
    ("promotoras", 6, Cohort("workshop", "es", 0, "workshop_now")),
    ("group_visits", 4, Cohort("online", "en", 0)),
)
STATUS_MIX = {
    S.ACTIVE: 70, S.ENROLLED: 5, S.REFERRED: 4, S.PAUSED: 5, S.COMPLETED: 4, S.WITHDRAWN: 6, S.LOST_TO_FOLLOW_UP: 6
}  # fmt: skip
COMPLETION_REASONS = {
    "telephone": "Completed the five calls of the program.",
    "coaches": "Met the goals of the coaching plan; moving to the monthly support circle.",
    "promotoras": "A1c at goal for six months; graduated to quarterly check-ins.",
    "online": "Finished the six-month online program.",
    "workshop": "Attended at least 4 of the 6 sessions.",
}
REFERRAL_REASONS = (
    "Referred by the clinic's diabetes educator.",
    "Self-referred after a health fair.",
    "Referred by the emergency department's discharge nurse.",
    "Referred by a family member.",
)


@dataclass
class SeedResult:
    created: bool
    organization: Organization
    counts: dict[str, int] = field(default_factory=dict)
    passwords_reset: list[str] = field(default_factory=list)


def demo_counts(organization: Organization) -> dict[str, int]:
    """How many records of each kind the organization holds (printed by the command, checked by tests)."""
    return {
        "programs": Program.objects.filter(organization=organization).count(),
        "supporters": Supporter.objects.filter(organization=organization).count(),
        "participants": Participant.objects.filter(organization=organization).count(),
        "enrollments": Enrollment.objects.filter(program__organization=organization).count(),
        "contacts": Contact.objects.filter(enrollment__program__organization=organization).count(),
        "open concerns": Concern.objects.filter(participant__organization=organization, acknowledged_at=None).count(),
        "directory services": Service.objects.filter(organization=organization).count(),
        "referrals": Referral.objects.filter(participant__organization=organization).count(),
        "users": User.objects.filter(organization=organization).count(),
    }


def ensure_demo_passwords(organization: Organization) -> list[str]:
    """Sets DEMO_PASSWORD on the demo logins of the organization (one hash, shared)."""
    usernames = [login.username for login in DEMO_LOGINS]
    users = User.objects.filter(organization=organization, username__in=usernames)
    users.update(password=make_password(DEMO_PASSWORD), is_active=True)
    return sorted(users.values_list("username", flat=True))


def seed_demo(*, now: datetime | None = None, seed: int = DEFAULT_SEED) -> SeedResult:
    """Loads the demo organization unless it exists; either way the demo logins end with DEMO_PASSWORD."""
    existing = Organization.objects.filter(slug=ORGANIZATION_SLUG).first()
    if existing is not None:
        return SeedResult(False, existing, demo_counts(existing), ensure_demo_passwords(existing))
    taken = sorted(
        User.objects.filter(
            username__in=[*(login.username for login in DEMO_LOGINS), *(s.username for s in SUPPORTERS)]
        ).values_list("username", flat=True)
    )
    if taken:
        raise ValidationError(f"Usernames the demo needs are taken by another organization: {', '.join(taken)}.")
    with transaction.atomic():
        organization = DemoBuilder(seed, now or timezone.now()).build()
    return SeedResult(True, organization, demo_counts(organization), [login.username for login in DEMO_LOGINS])


class DemoBuilder:
    """Builds the demo organization in memory, then saves it with a few bulk inserts."""

    def __init__(self, seed: int, now: datetime) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.now = now
        self.tz = ZoneInfo(TIMEZONE)
        self.today = now.astimezone(self.tz).date()
        self.password = make_password(DEMO_PASSWORD)
        self.staff: dict[str, User] = {}
        self.programs: dict[str, Program] = {}
        self.supporters: dict[str, Supporter] = {}
        self.used_names: set[str] = set()
        self.phones = (f"+1{area}55501{n:02d}" for area in text.PHONE_AREA_CODES for n in range(100))
        self.groups = GroupDemo(seed, now, TIMEZONE)  # the group series' sessions, which stories attend

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        """A local time on `day`, never later than now (the demo has no future)."""
        return min(datetime.combine(day, time(hour, minute), self.tz), self.now - timedelta(minutes=30))

    def build(self) -> Organization:
        self.org = Organization.objects.create(name=ORGANIZATION_NAME, slug=ORGANIZATION_SLUG, timezone=TIMEZONE)
        self._staff()
        self._programs()
        self._supporters()
        stories = self._stories()
        self._assign(stories)
        self._save_people(stories)
        self._save_enrollments(stories)
        self._save_contacts(stories)
        self.groups.load(self.org, self.programs, self.staff, self.supporters, stories, self.login_story)
        load_linkage(self.org, self.programs, now=self.now, seed=self.seed)  # before the engine's recompute
        load_follow_up(self.org, now=self.now, seed=self.seed)
        return self.org

    # --- staff, programs, supporters -------------------------------------------------------------

    def _user(self, username: str, role: str, first: str, last: str, login: bool) -> User:
        user = User(username=username, role=role, organization=self.org, first_name=first, last_name=last)
        user.email = f"{username.replace('.', '_')}@riverside.example.org"
        user.date_joined = self.at(self.today - timedelta(days=400), 9)
        if login:
            user.password = self.password
        else:
            user.set_unusable_password()
        return user

    def _staff(self) -> None:
        users = [self._user(str(role), role, *names, login=True) for role, names in STAFF_NAMES.items()]
        for user in User.objects.bulk_create(users):
            self.staff[user.role] = user

    def _programs(self) -> None:
        for spec in PROGRAMS:
            data = {
                "name": spec.name,
                "description": spec.description,
                "models": [spec.model],
                "conditions": list(spec.conditions),
                "languages": list(spec.languages),
                "activities": default_activities([spec.model]),
            }
            program = save_program(self.staff[Role.COORDINATOR], self.org, data)
            if spec.clinical_lead:
                program.clinical_leads.add(self.staff[Role.PROFESSIONAL])
            self.programs[spec.key] = program
        Program.objects.filter(organization=self.org).update(created_at=self.at(self.today - timedelta(days=380), 9))

    def _supporters(self) -> None:
        users = User.objects.bulk_create(
            [
                self._user(s.username, Role.SUPPORTER, s.first_name, s.last_name, s.username in LOGIN_NAMES)
                for s in SUPPORTERS
            ]
        )
        rows = []
        for spec, user in zip(SUPPORTERS, users, strict=True):
            data: dict[str, Any] = {
                "kind": spec.kind,
                "lived_experience": list(spec.lived_experience),
                "languages": list(spec.languages),
                "culture_community": spec.culture,
                "training_status": spec.training[0],
                "training_hours": spec.training[1],
                "max_caseload": spec.max_caseload,
                "supervisor": self.staff[Role.SUPERVISOR],
            }
            rows.append(Supporter(organization=self.org, user=user, **check_supporter_fields(data, self.org)))
        for supporter in Supporter.objects.bulk_create(rows):
            self.supporters[supporter.user.username] = supporter
        Supporter.objects.filter(organization=self.org).update(created_at=self.at(self.today - timedelta(days=300), 9))

    # --- participants and their stories ---------------------------------------------------------

    def _person(self, rng: random.Random, language: str, program_key: str) -> Participant:
        gender = rng.choices([Gender.WOMAN, Gender.MAN, Gender.NON_BINARY, Gender.UNDISCLOSED], [56, 41, 1, 2])[0]
        spanish = language == "es"
        women, men = (text.SPANISH_WOMEN, text.SPANISH_MEN) if spanish else (text.ENGLISH_WOMEN, text.ENGLISH_MEN)
        families = text.SPANISH_FAMILY if spanish or rng.random() < 0.08 else text.ENGLISH_FAMILY
        while True:
            firsts = women if gender == Gender.WOMAN else men if gender == Gender.MAN else rng.choice([women, men])
            first, family = rng.choice(firsts), rng.choice(families)
            if f"{first} {family}" not in self.used_names:
                self.used_names.add(f"{first} {family}")
                break
        serves = next(p.conditions for p in PROGRAMS if p.key == program_key)
        primary = rng.choices([C.TYPE_2_DIABETES, C.PREDIABETES, C.TYPE_1_DIABETES], [88, 6, 6])[0]
        conditions = [primary if primary in serves else C.TYPE_2_DIABETES]
        for condition, p in (
            (C.HYPERTENSION, 0.45),
            (C.DEPRESSION, 0.15),
            (C.HEART_DISEASE, 0.06),
            (C.KIDNEY_DISEASE, 0.05),
        ):
            if rng.random() < p:
                conditions.append(condition)
        age = min(80, max(30, round(rng.gauss(58, 11))))
        folded = unicodedata.normalize("NFKD", f"{first}.{family}").encode("ascii", "ignore").decode()
        ascii_name = folded.lower().replace("'", "")
        email = (
            f"{ascii_name}{rng.randint(1, 99)}@example.net" if program_key == "online" or rng.random() < 0.45 else ""
        )
        data = {
            "preferred_name": first,
            "family_name": family,
            "date_of_birth": self.today - timedelta(days=age * 365 + rng.randint(0, 364)),
            "gender": gender,
            "preferred_language": language,
            "conditions": conditions,
            "phone": next(self.phones) if rng.random() < 0.96 or program_key != "online" else "",
            "email": email,
            "locality": rng.choice(text.LOCALITIES),
            "best_times": rng.sample(["morning", "afternoon", "evening", "weekend"], rng.choice((1, 1, 2))),
            "best_times_note": rng.choice(text.BEST_TIME_NOTES) if rng.random() < 0.2 else "",
        }
        participant = Participant(organization=self.org, **check_participant_fields(data, self.org))
        # The neighbourhood's centre, not a home address: distance search in the resource directory.
        participant.latitude, participant.longitude = locality_coordinates(participant.locality)
        participant.consent_texts = rng.random() < 0.55
        participant.consent_data_sharing = rng.random() < 0.4
        return participant

    def _stories(self) -> list[Story]:
        # One random stream per person, so a person's story does not depend on the date-dependent draws
        # made for the people before them: the mix of statuses (and so the caseloads) is the same every day.
        stories: list[Story] = []
        for cohort in COHORTS:
            for i in range(cohort.size):
                rng = random.Random(f"{self.seed}:{cohort.program}:{cohort.language}:{i}")
                stories.append(self._story(rng, self._person(rng, cohort.language, cohort.program), cohort, i))
        for source, how_many, cohort in SECOND_PROGRAMS:
            chosen = [s for s in stories if s.program_key == source and s.status == S.ACTIVE][:how_many]
            for i, story in enumerate(chosen):
                rng = random.Random(f"{self.seed}:{source}:{cohort.program}:{i}")
                stories.append(self._story(rng, story.participant, cohort, -1))  # no role of its own
        for story in stories:  # consent to contact is what moves a person past "referred"
            story.participant.consent_contact = story.participant.consent_contact or story.status != S.REFERRED
        return stories

    def _story(self, rng: random.Random, participant: Participant, cohort: Cohort, index: int) -> Story:
        """`index`: the person's place in their cohort, -1 for a second program (the running workshop gives
        some places a role)."""
        today = self.today
        program = self.programs[cohort.program]
        if cohort.kind.startswith("workshop"):
            return self._workshop_story(rng, participant, program, cohort.kind, index)
        status = rng.choices(list(STATUS_MIX), list(STATUS_MIX.values()))[0]
        if cohort.kind == "group_visits" or (cohort.program == "circle" and status == S.COMPLETED):
            status = rng.choices([S.ACTIVE, S.PAUSED, S.WITHDRAWN], [86, 7, 7])[0]
        story = Story(participant, program, cohort.program, status, today, today)
        if status in (S.REFERRED, S.ENROLLED):
            story.start = today - timedelta(days=rng.randint(0 if status == S.REFERRED else 1, 12))
            story.reason = rng.choice(REFERRAL_REASONS) if status == S.REFERRED else ""
            return story
        if cohort.program in ("group_visits", "circle") and rng.random() < 0.7:  # most join as the group starts
            first_meeting = self.groups.schedule(cohort.program)[0]
            story.start = first_meeting.date() - timedelta(days=rng.randint(3, 10))
        else:
            story.start = today - timedelta(days=rng.randint(14 if status == S.ACTIVE else 50, 190))
        if rng.random() < 0.35:
            story.referred_on = story.start - timedelta(days=rng.randint(2, 10))
        days = (today - story.start).days
        if cohort.program == "telephone" and days > 156:
            story.status, story.end = S.COMPLETED, story.start + timedelta(days=rng.randint(150, 154))
        elif status != S.ACTIVE:
            story.end = max(story.start + timedelta(days=30), today - timedelta(days=rng.randint(2, 45)))
            if cohort.program == "telephone" and story.status == S.COMPLETED:
                story.status = S.WITHDRAWN
        elif days > 100 and rng.random() < 0.1:
            began = story.start + timedelta(days=rng.randint(30, days - 60))
            story.pause = (began, began + timedelta(days=rng.randint(21, 40)))
        reasons: dict[str, tuple[str, ...]] = {
            S.PAUSED: text.PAUSE_REASONS,
            S.WITHDRAWN: text.WITHDRAWAL_REASONS,
            S.LOST_TO_FOLLOW_UP: text.LOST_REASONS,
            S.COMPLETED: (COMPLETION_REASONS.get(cohort.program, "Reached the goals of the program."),),
        }
        story.reason = rng.choice(reasons.get(story.status, ("",)))
        if cohort.program in ("group_visits", "circle"):  # monthly meetings (demo_groups.py)
            self._attend(
                rng, story, self.groups.schedule(cohort.program), 0.85 if cohort.program == "group_visits" else 0.75
            )
            self.groups.join(cohort.program, story)
        return story

    def _attend(self, rng: random.Random, story: Story, schedule: list[datetime], p: float) -> None:
        for session in schedule:
            day = session.date()
            if session > self.now:
                if story.status == S.ACTIVE and day <= self.today + timedelta(days=60):
                    story.upcoming.append(session)
            elif story.start <= day <= story.end and not (story.pause and story.pause[0] <= day < story.pause[1]):
                (story.sessions if rng.random() < p else story.missed).append(session)

    def _workshop_story(
        self, rng: random.Random, participant: Participant, program: Program, key: str, index: int
    ) -> Story:
        """Six weekly sessions; a completer attends at least 4 (domain-notes). In the running workshop one
        person stops after session 1 and the first on the waiting list takes the place from session 2."""
        today = self.today
        schedule = self.groups.schedule(key)
        first = schedule[0].date()
        story = Story(participant, program, "workshop", S.ACTIVE, first - timedelta(days=rng.randint(3, 10)), today)
        if key == "workshop_now":
            role = self.groups.workshop_role(index)
            if role == "dropout":
                story.status, story.end = S.WITHDRAWN, first + timedelta(days=3)
                story.reason, story.sessions = DROPOUT_REASON, schedule[:1]
            else:
                self._attend(rng, story, schedule[1:] if role == "late" else schedule, 0.85)
            self.groups.join(key, story, role)
            return story
        if index % 4 != 3:  # three in four complete (domain-notes: national completion ~75%)
            attended = sorted(rng.sample(range(6), rng.choices([4, 5, 6], [20, 35, 45])[0]))
            story.status, story.end = S.COMPLETED, schedule[-1].date()
            story.reason = f"Attended {len(attended)} of 6 sessions."
        else:
            attended = list(range(rng.randint(1, 3)))
            story.status, story.end = S.WITHDRAWN, schedule[attended[-1]].date() + timedelta(days=8)
            story.reason = f"Attended {len(attended)} of 6 sessions; the afternoon time clashed with work."
        story.sessions = [schedule[k] for k in attended]
        story.missed = [s for k, s in enumerate(schedule) if k not in attended and s.date() <= story.end]
        self.groups.join(key, story)
        return story

    # --- matching --------------------------------------------------------------------------------

    def _assign(self, stories: list[Story]) -> None:
        """Language is a hard constraint; nobody goes past their maximum caseload (open enrolments)."""
        load: Counter[str] = Counter()
        login = min(
            (
                s
                for s in stories
                if s.program_key == "coaches" and s.status == S.ACTIVE and s.participant.preferred_language == "en"
            ),
            key=lambda s: s.start,
        )
        login.supporters = [self.supporters["supporter"]]
        login.participant.consent_texts = True
        load["supporter"] += 1
        self.login_story = login

        def options(story: Story) -> list[Supporter]:
            language = story.participant.preferred_language
            specs = [s for s in SUPPORTERS if story.program_key in s.programs and language in s.languages]
            return [self.supporters[s.username] for s in specs]

        for story in sorted(
            (s for s in stories if s is not login and s.status != S.REFERRED), key=lambda s: len(options(s))
        ):
            counts = story.status in OPEN_STATUSES
            if story.program_key == "workshop":
                leaders = WORKSHOP_LEADERS[story.participant.preferred_language]
                story.supporters = [self.supporters[name] for name in leaders]
            else:
                free = [s for s in options(story) if not counts or load[s.user.username] < s.max_caseload]
                if not free:  # a mistake in the tables above, not bad input
                    language = story.participant.preferred_language
                    raise RuntimeError(f"Demo set-up: no supporter free for {story.program_key} in {language}.")
                story.supporters = [max(free, key=lambda s: (s.max_caseload - load[s.user.username]) / s.max_caseload)]
            if counts:
                for supporter in story.supporters:
                    load[supporter.user.username] += 1
        over = [name for name, n in load.items() if n > self.supporters[name].max_caseload]
        if over:
            raise RuntimeError(f"Demo set-up: caseload over the maximum for {', '.join(over)}.")

    # --- saving ----------------------------------------------------------------------------------

    def _save_people(self, stories: list[Story]) -> None:
        people = list({id(s.participant): s.participant for s in stories}.values())
        first_day: dict[int, date] = {}
        for story in stories:
            key = id(story.participant)
            first_day[key] = min(first_day.get(key, story.start), story.referred_on or story.start)
        records = [r for person in people for r in self._consents(person, self.at(first_day[id(person)], 9, 20))]
        Participant.objects.bulk_create(people)
        ConsentRecord.objects.bulk_create(records)

    def _consents(self, person: Participant, at: datetime) -> list[ConsentRecord]:
        """The consent history behind the person's current consent flags; refusals are recorded too."""
        rng = self.rng
        if not person.consent_contact:
            return []  # referred, not yet asked
        method = rng.choice([ConsentMethod.WRITTEN, ConsentMethod.VERBAL, ConsentMethod.ELECTRONIC])
        base = {"participant": person, "method": method, "recorded_by": self.staff[Role.COORDINATOR]}
        records = [ConsentRecord(kind=ConsentKind.CONTACT, granted=True, recorded_at=at, **base)]
        for kind, granted in (
            (ConsentKind.TEXTS, person.consent_texts),
            (ConsentKind.DATA_SHARING, person.consent_data_sharing),
        ):
            if granted or rng.random() < 0.5:
                records.append(ConsentRecord(kind=kind, granted=granted, recorded_at=at, **base))
        changed_mind = rng.random() < 0.05 and person is not self.login_story.participant
        if person.consent_texts and changed_mind and at.date() < self.today - timedelta(days=60):
            person.consent_texts = False  # the history keeps both decisions
            base["method"] = ConsentMethod.VERBAL
            note = "Asked to stop texts; prefers calls."
            later = at + timedelta(days=45)
            records.append(ConsentRecord(kind=ConsentKind.TEXTS, granted=False, recorded_at=later, note=note, **base))
        return records

    def _transitions(self, story: Story) -> list[tuple[str, str, datetime, str]]:
        """(from, to, when, why) for the story's whole lifecycle."""
        start = self.at(story.start, 9, 30)
        if story.status == S.REFERRED:
            return [("", S.REFERRED, start, story.reason)]
        steps: list[tuple[str, str, datetime, str]] = [("", S.ENROLLED, start, "")]
        if story.referred_on:
            referred = self.at(story.referred_on, 11)
            steps = [("", S.REFERRED, referred, self.rng.choice(REFERRAL_REASONS)), (S.REFERRED, S.ENROLLED, start, "")]
        if story.status == S.ENROLLED:
            return steps
        steps.append((S.ENROLLED, S.ACTIVE, self.at(story.start, 16), "First contact made."))
        if story.pause:
            steps.append((S.ACTIVE, S.PAUSED, self.at(story.pause[0], 9), self.rng.choice(text.PAUSE_REASONS)))
            steps.append((S.PAUSED, S.ACTIVE, self.at(story.pause[1], 9), "Back and ready to continue."))
        if story.status != S.ACTIVE:
            steps.append((S.ACTIVE, story.status, self.at(story.end + timedelta(days=1), 9), story.reason))
        return steps

    def _save_enrollments(self, stories: list[Story]) -> None:
        coordinator = self.staff[Role.COORDINATOR]
        transitions, assignments = [], []
        for story in stories:
            steps = self._transitions(story)
            created = steps[0][2]
            story.enrollment = Enrollment(
                participant=story.participant,
                program=story.program,
                status=story.status,
                status_changed_at=steps[-1][2],
                enrolled_on=story.start,
                created_by=coordinator,
            )
            for from_status, to_status, at, reason in steps:
                transitions.append(
                    EnrollmentTransition(
                        enrollment=story.enrollment,
                        from_status=from_status,
                        to_status=to_status,
                        changed_by=coordinator,
                        changed_at=at,
                        reason=reason,
                    )
                )
            ended = steps[-1][2] if story.status not in OPEN_STATUSES else None
            for i, supporter in enumerate(story.supporters):
                assignments.append(
                    Assignment(
                        enrollment=story.enrollment,
                        supporter=supporter,
                        is_primary=i == 0,
                        assigned_at=created,
                        assigned_by=coordinator,
                        ended_at=ended,
                    )
                )
        Enrollment.objects.bulk_create([s.enrollment for s in stories if s.enrollment])
        EnrollmentTransition.objects.bulk_create(transitions)
        Assignment.objects.bulk_create(assignments)
        person = self.login_story.participant
        user = self._user("participant", Role.PARTICIPANT, person.preferred_name, person.family_name, login=True)
        user.save()
        person.user = user
        person.save(update_fields=["user"])

    def _save_contacts(self, stories: list[Story]) -> None:
        maker = ContactMaker(self.rng, self.tz, self.now)
        recorded_by = {s.pk: s.user_id for s in self.supporters.values()}
        for story in stories:
            # Group sessions are recorded as attendance (demo_groups.py), not as contacts.
            touches = [t for t in touches_for(story, self.rng, self.tz) if t.modality != Modality.GROUP_MEETING]
            maker.for_story(story, touches, recorded_by)
        concerns = self._concerns(stories, maker, recorded_by)
        for contact in maker.made:
            contact.occurred_on = contact.local_day()
        Contact.objects.bulk_create(maker.made, batch_size=500)
        Concern.objects.bulk_create(concerns)
        # When each contact was typed in: shortly after it happened (the insert stamped "now").
        self._backdate()

    def _backdate(self) -> None:
        """Inserts stamp created_at with now; the demo's records were made when their story says."""
        steps = EnrollmentTransition.objects.order_by("changed_at").values("changed_at")
        enrollments = Enrollment.objects.filter(program__organization=self.org)
        enrollments.update(created_at=Subquery(steps.filter(enrollment=OuterRef("pk"))[:1]))
        Participant.objects.filter(organization=self.org).update(
            created_at=Subquery(steps.filter(enrollment__participant=OuterRef("pk"))[:1]) - timedelta(minutes=30)
        )
        contacts = Contact.objects.filter(enrollment__program__organization=self.org)
        contacts.update(created_at=F("occurred_at") + timedelta(minutes=20))  # typed in shortly after

    def _concerns(self, stories: list[Story], maker: ContactMaker, recorded_by: dict[int, int]) -> list[Concern]:
        concerns, used = [], {id(self.login_story.participant)}
        for plan in CONCERNS:
            local = (self.now - timedelta(hours=plan.hours_ago)).astimezone(self.tz).replace(second=0, microsecond=0)
            if not 8 <= local.hour < 20:  # move it into working hours, earlier rather than later
                local = datetime.combine(local.date() - timedelta(days=local.hour < 8), time(15, 40), self.tz)
            fits = [
                s
                for s in stories
                if s.program_key == plan.program_key
                and s.status == S.ACTIVE
                and id(s.participant) not in used
                and plan.gender in ("", s.participant.gender)
                and s.start <= local.date() - timedelta(days=7)
                and not (s.pause and s.pause[0] <= local.date() < s.pause[1])
            ]
            preferred = [s for s in fits if s.supporters[0].user.username == plan.supporter]
            story = (preferred or fits)[0]
            used.add(id(story.participant))
            functions = {KeyFunction.SOCIAL_EMOTIONAL.value, KeyFunction.LINKAGE.value}
            modality = CONCERN_MODALITY.get(plan.program_key, Modality.PHONE_CALL)
            contact = maker.contact(story, modality, Initiation.PROACTIVE, Outcome.REACHED, local, functions)
            contact.note = plan.reason
            maker.attach(story, [contact], recorded_by)
            concern = Concern(
                participant=story.participant,
                program=story.program,
                contact=contact,
                tier=plan.tier,
                reason=plan.reason,
                raised_by_id=contact.recorded_by_id,
                raised_at=local,
            )
            if plan.acknowledged:
                role, hours, note = plan.acknowledged
                concern.acknowledged_by = self.staff[role]
                concern.acknowledged_at = min(local + timedelta(hours=hours), self.now - timedelta(minutes=5))
                concern.acknowledgement_note = note
            concerns.append(concern)
        return concerns
