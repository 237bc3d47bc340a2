"""A large synthetic organization for the benchmarks: participants, supporters, enrolments and a year of
contacts, written with bulk_create in chunks so memory stays flat whatever the size.

The shape is what the reads care about, not realism (the demo loader is for that): many enrolments per
program, about `contacts_per_participant` contacts per participant spread over a year, one supporter
with a large caseload and one participant with a long history.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone

from alongside.accounts.models import Organization, Role, User
from alongside.contacts.models import Contact
from alongside.people.models import ConsentKind, ConsentRecord, Participant, Supporter, SupporterKind
from alongside.programs.models import (
    CASELOAD_STATUSES,
    Assignment,
    Enrollment,
    EnrollmentStatus,
    EnrollmentTransition,
    Program,
)
from alongside.programs.services import save_program
from alongside.taxonomy import ACTIVITIES, FUNCTION_FIELDS, Initiation, Modality, Outcome, default_activities

S = EnrollmentStatus
DAYS = 365
CHUNK = 20_000  # rows handed to one bulk_create call (Django splits them into the engine's batch size)
STATUS_WEIGHTS = {S.ACTIVE: 75, S.ENROLLED: 4, S.PAUSED: 5, S.COMPLETED: 8, S.WITHDRAWN: 4, S.LOST_TO_FOLLOW_UP: 4}
BIG_CASELOAD = 60
BUSY_PARTICIPANT_CONTACTS = 500


@dataclass(frozen=True)
class DatasetSize:
    participants: int
    supporters: int
    contacts_per_participant: int = 30

    @classmethod
    def scaled(cls, participants: int, contacts_per_participant: int = 30) -> DatasetSize:
        """The default proportions: one supporter per 50 participants, one program per 500."""
        return cls(participants, max(4, participants // 50), contacts_per_participant)

    @property
    def programs(self) -> int:
        return max(7, self.participants // 500)


@dataclass(frozen=True)
class Dataset:
    organization: Organization
    viewer: User  # a coordinator: sees everything in the organization
    big_supporter: Supporter
    big_caseload: int  # current enrolments of big_supporter
    busy_participant: Participant
    participants: int
    supporters: int
    enrollments: int
    contacts: int

    @property
    def label(self) -> str:
        return f"{self.participants:,} participants, {self.supporters:,} supporters, {self.contacts:,} contacts"


def _chunks(rows: Iterator[Contact], size: int = CHUNK) -> Iterator[list[Contact]]:
    chunk: list[Contact] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Builder:
    def __init__(self, size: DatasetSize, seed: int, now: datetime) -> None:
        self.size = size
        self.rng = random.Random(seed)
        self.now = now
        self.tz = ZoneInfo("America/New_York")
        self.today = now.astimezone(self.tz).date()

    def build(self) -> Dataset:
        rng, size = self.rng, self.size
        org = Organization.objects.create(name="Benchmark Health", slug=f"bench-{rng.randrange(10**9)}")
        viewer = User(username=f"bench-coordinator-{org.pk}", role=Role.COORDINATOR, organization=org)
        viewer.set_unusable_password()
        viewer.save()
        programs = [self._program(viewer, org, i) for i in range(size.programs)]
        supporters = self._supporters(org)
        people = Participant.objects.bulk_create(
            [
                Participant(
                    organization=org,
                    preferred_name=f"Person {i}",
                    family_name=f"Bench {i % 997}",
                    preferred_language="es" if i % 3 == 0 else "en",
                    conditions=["type2_diabetes"],
                    consent_contact=True,
                )
                for i in range(size.participants)
            ],
            batch_size=2000,
        )
        ConsentRecord.objects.bulk_create(
            [
                ConsentRecord(
                    participant=p,
                    kind=ConsentKind.CONTACT,
                    granted=True,
                    recorded_by=viewer,
                    recorded_at=self.now - timedelta(days=DAYS),
                )
                for p in people
            ],
            batch_size=2000,
        )
        enrollments = self._enrollments(people, programs, viewer)
        big = self._assign(enrollments, supporters, viewer)
        busy = next(e for e in enrollments if e.pk in big)
        contacts = self._contacts(enrollments, busy, viewer)
        return Dataset(
            organization=org,
            viewer=viewer,
            big_supporter=supporters[0],
            big_caseload=len(big),
            busy_participant=busy.participant,
            participants=len(people),
            supporters=len(supporters),
            enrollments=len(enrollments),
            contacts=contacts,
        )

    def _program(self, by: User, org: Organization, i: int) -> Program:
        model = i % 7 + 1
        data = {
            "name": f"Program {i + 1} (model {model})",
            "models": [model],
            "conditions": ["type2_diabetes"],
            "languages": ["en", "es"],
            "activities": default_activities([model]),
        }
        return save_program(by, org, data)

    def _supporters(self, org: Organization) -> list[Supporter]:
        users = [
            User(username=f"bench-supporter-{org.pk}-{i}", role=Role.SUPPORTER, organization=org)
            for i in range(self.size.supporters)
        ]
        for user in users:
            user.set_unusable_password()
        users = User.objects.bulk_create(users, batch_size=2000)
        kinds = list(SupporterKind.values)
        return Supporter.objects.bulk_create(
            [
                Supporter(
                    organization=org,
                    user=user,
                    kind=kinds[i % len(kinds)],
                    languages=["en", "es"],
                    max_caseload=BIG_CASELOAD if i == 0 else 100,
                )
                for i, user in enumerate(users)
            ],
            batch_size=2000,
        )

    def _enrollments(self, people: list[Participant], programs: list[Program], by: User) -> list[Enrollment]:
        rng = self.rng
        statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
        rows = []
        for person in people:
            chosen = rng.sample(programs, 2 if rng.random() < 0.1 else 1)
            for program in chosen:
                start = self.today - timedelta(days=rng.randint(0, DAYS))
                rows.append(
                    Enrollment(
                        participant=person,
                        program=program,
                        status=rng.choices(statuses, weights)[0],
                        status_changed_at=self._at(start),
                        enrolled_on=start,
                        created_by=by,
                    )
                )
        enrollments = Enrollment.objects.bulk_create(rows, batch_size=2000)
        EnrollmentTransition.objects.bulk_create(
            [
                EnrollmentTransition(enrollment=e, to_status=e.status, changed_by=by, changed_at=e.status_changed_at)
                for e in enrollments
            ],
            batch_size=2000,
        )
        return enrollments

    def _assign(self, enrollments: list[Enrollment], supporters: list[Supporter], by: User) -> set[int]:
        """Everyone gets a supporter; the first supporter gets exactly BIG_CASELOAD current enrolments."""
        big_limit = min(BIG_CASELOAD, max(1, len(enrollments) // 4))
        big: set[int] = set()
        rows = []
        for e in enrollments:
            if len(big) < big_limit and e.status in CASELOAD_STATUSES:
                supporter = supporters[0]
                big.add(e.pk)
            else:
                supporter = supporters[self.rng.randrange(1, len(supporters))]
            rows.append(Assignment(enrollment=e, supporter=supporter, assigned_at=e.status_changed_at, assigned_by=by))
        Assignment.objects.bulk_create(rows, batch_size=2000)
        return big

    def _at(self, day: date) -> datetime:
        moment = datetime.combine(day, time(self.rng.randint(8, 19), self.rng.randint(0, 59)), self.tz)
        return min(moment, self.now - timedelta(minutes=1))

    def _contacts(self, enrollments: list[Enrollment], busy: Enrollment, by: User) -> int:
        """About contacts_per_participant per participant, spread over each enrolment's days of support."""
        target = self.size.participants * self.size.contacts_per_participant
        days = {e.pk: (self.today - e.enrolled_on).days + 1 for e in enrollments}
        per_day = target / sum(days.values())
        supporter_of = dict(
            Assignment.objects.filter(enrollment__in=enrollments).values_list("enrollment", "supporter")
        )
        recorded_by = dict(Supporter.objects.filter(pk__in=set(supporter_of.values())).values_list("pk", "user"))

        def rows() -> Iterator[Contact]:
            rng = self.rng
            modalities = list(Modality.values)
            codes = [a.code for a in ACTIVITIES]
            for e in enrollments:
                n = BUSY_PARTICIPANT_CONTACTS if e is busy else int(days[e.pk] * per_day + rng.random())
                supporter = supporter_of[e.pk]
                for _ in range(n):
                    reached = rng.random() < 0.85
                    flags = {column: reached and rng.random() < 0.5 for column in FUNCTION_FIELDS.values()}
                    if reached and not any(flags.values()):
                        flags["fn_social_emotional"] = True
                    day = e.enrolled_on + timedelta(days=rng.randrange(days[e.pk]))
                    yield Contact(
                        participant_id=e.participant_id,
                        enrollment_id=e.pk,
                        supporter_id=supporter,
                        recorded_by_id=recorded_by.get(supporter, by.pk),
                        occurred_at=self._at(day),
                        occurred_on=day,
                        modality=rng.choice(modalities),
                        initiated_by=Initiation.PROACTIVE if rng.random() < 0.8 else Initiation.PARTICIPANT,
                        outcome=Outcome.REACHED if reached else Outcome.NO_ANSWER,
                        duration_minutes=rng.randint(5, 60) if reached else 0,
                        activities=[rng.choice(codes)] if reached else [],
                        next_contact_due=day + timedelta(days=rng.randint(7, 30)) if rng.random() < 0.5 else None,
                        **flags,
                    )

        total = 0
        for chunk in _chunks(rows()):
            Contact.objects.bulk_create(chunk)
            total += len(chunk)
        return total


def build_dataset(size: DatasetSize, seed: int = 1, now: datetime | None = None) -> Dataset:
    """Writes the dataset in one transaction (much faster on SQLite) and refreshes planner statistics."""
    with transaction.atomic():
        dataset = _Builder(size, seed, now or timezone.now()).build()
    if connection.vendor == "postgresql":
        # Autovacuum would have analysed tables this size in a running system; do it now.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return dataset
