"""Group-program records for tests, on top of the named World.

lena      peer leader (a supporter with lived experience), leads the workshop with sofia as co-leader
priya     the professional, leads the group visits
paul      participant with a login, also enrolled in the group program
ana, ben, carmen, dev, elena   participants of the group program (no logins)

The workshop has six weekly sessions: three already held, one started ten minutes ago, two to come.
Builders write rows directly (not through services) so a test can start from any state, including
sessions in the past that a service would refuse to create.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from alongside.accounts.models import User
from alongside.groups.models import (
    DEFAULT_COMPLETION,
    Attendance,
    Facilitator,
    FacilitatorRole,
    GroupKind,
    GroupSeries,
    GroupSession,
    Registration,
    RegistrationStatus,
)
from alongside.people.models import Participant, Supporter, SupporterKind
from alongside.programs.models import Enrollment, Program
from alongside.testing.world import World, make_enrollment, make_participant, make_program, make_supporter

WORKSHOP_TOPICS = (
    ("Overview of self-management; making an action plan", ("daily_management", "social_emotional")),
    ("Dealing with difficult emotions", ("social_emotional",)),
    ("Physical activity and exercise", ("daily_management",)),
    ("Healthy eating", ("daily_management", "linkage")),
    ("Medicines and working with your health care team", ("daily_management", "linkage")),
    ("Planning for the future", ("ongoing", "social_emotional")),
)


def make_series(
    by: User,
    program: Program,
    kind: str,
    starts: list[datetime],
    *,
    title: str = "",
    capacity: int = 16,
    facilitators: list[tuple[User, str]] = (),  # type: ignore[assignment]
    duration_minutes: int = 150,
    zone: str = "America/New_York",
    topics: tuple[tuple[str, tuple[str, ...]], ...] = (),
) -> GroupSeries:
    low, high = DEFAULT_COMPLETION[kind]
    series = GroupSeries.objects.create(
        program=program,
        kind=kind,
        title=title or f"{GroupKind(kind).label} {GroupSeries.objects.count() + 1}",
        language="en",
        venue="Riverside Library, Room 2",
        capacity=capacity,
        timezone=zone,
        duration_minutes=duration_minutes,
        recurrence="" if len(starts) != 6 else "FREQ=WEEKLY;COUNT=6",
        completion_min_attended=low,
        completion_of_sessions=high,
        created_by=by,
    )
    for number, start in enumerate(starts, start=1):
        topic, functions = topics[number - 1] if number <= len(topics) else ("", ())
        session = GroupSession(series=series, number=number, starts_at=start, duration_minutes=duration_minutes)
        session.topic = topic
        session.set_functions(list(functions))
        session.save()
    for user, role in facilitators:
        Facilitator.objects.create(series=series, user=user, role=role)
    return series


def register_directly(
    by: User, series: GroupSeries, enrollment: Enrollment, status: str = RegistrationStatus.REGISTERED
) -> Registration:
    return Registration.objects.create(
        series=series,
        participant_id=enrollment.participant_id,
        enrollment=enrollment,
        status=status,
        joined_at=timezone.now(),
        added_by=by,
    )


def mark(by: User, session: GroupSession, registration: Registration, status: str, **extra: object) -> Attendance:
    return Attendance.objects.create(
        session=session,
        registration=registration,
        enrollment_id=registration.enrollment_id,
        status=status,
        recorded_by=by,
        recorded_at=timezone.now(),
        **extra,
    )


def weekly(first: datetime, count: int) -> list[datetime]:
    return [first + timedelta(weeks=i) for i in range(count)]


@dataclass
class GroupWorld:
    world: World
    program: Program
    lena: Supporter
    workshop: GroupSeries
    participants: dict[str, Participant]
    enrollments: dict[str, Enrollment]
    registrations: dict[str, Registration]

    @property
    def sessions(self) -> list[GroupSession]:
        return list(self.workshop.sessions.order_by("number"))

    @property
    def current_session(self) -> GroupSession:
        """Session 4, which started ten minutes ago."""
        return self.workshop.sessions.get(number=4)


def build_group_world(world: World) -> GroupWorld:
    program = make_program(world.cora, world.org, "Diabetes Self-Management Groups", [1, 2, 5])
    program.clinical_leads.add(world.priya)
    lena = make_supporter(
        "lena_leader",
        world.org,
        kind=SupporterKind.PEER_LEADER,
        supervisor=world.sam,
        lived_experience=["type2_diabetes"],
        max_caseload=16,
    )
    participants = {"paul": world.paul}
    for name in ("Ana", "Ben", "Carmen", "Dev", "Elena"):
        participants[name.lower()] = make_participant(world.org, name, family_name="Tester")
    enrollments = {key: make_enrollment(world.cora, p, program) for key, p in participants.items()}
    first = timezone.now() - timedelta(weeks=3, minutes=10)
    workshop = make_series(
        world.cora,
        program,
        GroupKind.WORKSHOP,
        weekly(first, 6),
        title="Living Well with Diabetes, spring",
        facilitators=[(lena.user, FacilitatorRole.PEER_LEADER), (world.sofia.user, FacilitatorRole.CO_LEADER)],
        topics=WORKSHOP_TOPICS,
    )
    registrations = {key: register_directly(world.cora, workshop, e) for key, e in enrollments.items()}
    return GroupWorld(
        world=world,
        program=program,
        lena=lena,
        workshop=workshop,
        participants=participants,
        enrollments=enrollments,
        registrations=registrations,
    )
