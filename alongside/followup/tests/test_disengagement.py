"""The coordinator's disengagement figures (followup.disengagement), the page and the API: each flag appears
exactly when it should, the counts equal an independent count over random data, the number of queries does
not grow with the data, and only organization-wide roles see participant-level lines."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alongside.audit.models import AccessLogEntry
from alongside.contacts.models import Contact
from alongside.contacts.services import ContactInput, log_contact
from alongside.followup import disengagement, engine
from alongside.followup.cadence import Cadence, CadenceKind, Window
from alongside.followup.models import FollowUpRules, FollowUpState
from alongside.followup.services import save_cadence, save_rules
from alongside.people.models import Supporter
from alongside.programs.models import Assignment, Enrollment, EnrollmentStatus, Program
from alongside.taxonomy import FUNCTION_FIELDS, KeyFunction, Outcome
from alongside.testing.api import ApiFor
from alongside.testing.world import (
    PASSWORD,
    World,
    make_contact,
    make_enrollment,
    make_participant,
    make_program,
    make_supporter,
)

pytestmark = pytest.mark.django_db

PAGE = "/followup/disengagement/"
API = "/api/v1/disengagement/"


@pytest.fixture(autouse=True)
def _states(world: World) -> None:
    """The shared world writes its enrolments directly; give them their follow-up state."""
    engine.recompute_all()


def enrol(
    world: World,
    name: str,
    program: Program | None = None,
    supporters: list[Supporter] | None = None,
    *,
    status: str = EnrollmentStatus.ACTIVE,
    enrolled_days_ago: int = 120,
    assigned_days_ago: int | None = None,
) -> Enrollment:
    participant = make_participant(world.org, name)
    enrollment = make_enrollment(
        world.cora,
        participant,
        program or world.telephone,
        supporters if supporters is not None else [world.sofia],
        status,
        timezone.localdate() - timedelta(days=enrolled_days_ago),
    )
    if assigned_days_ago is not None:
        Assignment.objects.filter(enrollment=enrollment).update(
            assigned_at=timezone.now() - timedelta(days=assigned_days_ago)
        )
    engine.refresh([enrollment.pk])
    return enrollment


def reached(enrollment: Enrollment, by, days_ago: int, functions: tuple[str, ...] = ("social_emotional",)) -> Contact:
    """A reached contact on a given day (the participant's day is set, so day arithmetic is exact)."""
    contact = make_contact(
        enrollment,
        by,
        days_ago=days_ago,
        functions=functions,
        occurred_on=timezone.localdate() - timedelta(days=days_ago),
    )
    engine.refresh([enrollment.pk])
    return contact


def flags_of(world: World, enrollment: Enrollment, today: date | None = None, now: datetime | None = None) -> set[str]:
    """Every flag under which the coordinator's lists show this enrolment."""
    return {
        code
        for code in disengagement.FLAGS
        if any(
            line.enrollment_id == enrollment.pk
            for line in disengagement.flagged(world.cora, code, today=today, now=now)
        )
    }


def count(world: World, program: Program, flag: str, **clock) -> int:
    rows = disengagement.program_counts(world.cora, **clock)
    return next(r for r in rows if r.program == program).counts[flag]


# ---- each flag exactly when it should ----


def test_no_contact_flags_only_after_the_programs_window(world: World) -> None:
    enrollment = enrol(world, "Quiet")
    reached(enrollment, world.cora, days_ago=10)
    last = FollowUpState.objects.get(enrollment=enrollment).last_reached_on
    assert last is not None

    assert "no_contact" not in flags_of(world, enrollment, today=last + timedelta(days=30))
    assert "no_contact" in flags_of(world, enrollment, today=last + timedelta(days=31))
    assert count(world, world.telephone, "no_contact", today=last + timedelta(days=31)) == 2  # and Paul, never reached

    save_rules(world.cora, world.telephone, {"no_contact_days": 7})
    assert "no_contact" in flags_of(world, enrollment, today=last + timedelta(days=8))
    assert "no_contact" not in flags_of(world, enrollment, today=last + timedelta(days=7))


def test_someone_never_reached_is_flagged_only_once_the_window_has_passed_since_enrolment(world: World) -> None:
    new = enrol(world, "Newcomer", enrolled_days_ago=5)
    old = enrol(world, "Old timer", enrolled_days_ago=45)

    assert "no_contact" not in flags_of(world, new)
    assert "no_contact" in flags_of(world, old)


def test_repeated_unanswered_calls_are_flagged_at_the_programs_limit(world: World) -> None:
    enrollment = world.paul_enrollment
    now = timezone.now()
    for hours_ago in (50, 26):
        log_contact(
            world.sofia.user,
            enrollment,
            ContactInput(occurred_at=now - timedelta(hours=hours_ago), outcome="no_answer"),
        )
    assert "repeated_failures" not in flags_of(world, enrollment)

    log_contact(world.sofia.user, enrollment, ContactInput(occurred_at=now - timedelta(hours=2), outcome="no_answer"))
    assert "repeated_failures" in flags_of(world, enrollment)
    line = next(line for line in disengagement.flagged(world.cora, "repeated_failures"))
    assert line.failed_attempts == 3
    assert any(r.code == "repeated_failures" and r.detail.startswith("3 unanswered attempts") for r in line.reasons)

    log_contact(
        world.sofia.user,
        enrollment,
        ContactInput(occurred_at=now - timedelta(hours=1), outcome="reached", functions=["social_emotional"]),
    )
    assert "repeated_failures" not in flags_of(world, enrollment)


def test_a_pair_that_never_made_contact_is_flagged_after_the_programs_days_from_assignment(world: World) -> None:
    recent = enrol(world, "Recent", assigned_days_ago=10)
    stale = enrol(world, "Stale", assigned_days_ago=20)
    talked = enrol(world, "Talked", assigned_days_ago=20)
    reached(talked, world.cora, days_ago=3)
    before = enrol(world, "Before", assigned_days_ago=20)
    reached(before, world.cora, days_ago=25)  # reached by someone, before this pair was made

    assert "never_contacted" not in flags_of(world, recent)
    assert "never_contacted" in flags_of(world, stale)
    assert "never_contacted" not in flags_of(world, talked)
    assert "never_contacted" in flags_of(world, before)
    # The day is a parameter: ten days on, the recent pair is flagged too.
    assert "never_contacted" in flags_of(world, recent, today=timezone.localdate() + timedelta(days=5))


def test_no_supporter_is_its_own_flag_and_not_a_never_contacted_pair(world: World) -> None:
    alone = enrol(world, "Alone", supporters=[])

    flags = flags_of(world, alone)

    assert "no_supporter" in flags
    assert "never_contacted" not in flags
    line = disengagement.flagged(world.cora, "no_supporter")[0]
    assert line.supporter is None and line.participant.preferred_name == "Alone"


def test_overdue_and_cadence_finished_follow_the_programs_cadence(world: World) -> None:
    save_cadence(
        world.cora, Cadence(CadenceKind.WINDOWS, windows=(Window(7, 10), Window(14, 18))), program=world.coaching
    )
    waiting = enrol(world, "Waiting", world.coaching, enrolled_days_ago=8)
    late = enrol(world, "Late", world.coaching, enrolled_days_ago=12)
    done = enrol(world, "Done", world.coaching, enrolled_days_ago=40)
    reached(done, world.cora, days_ago=5)  # past the last window: nothing more scheduled

    assert not {"overdue", "cadence_finished"} & flags_of(world, waiting)
    assert "overdue" in flags_of(world, late)
    assert "cadence_finished" in flags_of(world, done)
    assert "overdue" not in flags_of(world, done)
    overdue = next(line for line in disengagement.flagged(world.cora, "overdue") if line.enrollment_id == late.pk)
    assert any(r.code == "overdue" and r.detail == "Overdue by 2 days" for r in overdue.reasons)


def test_paused_and_lost_come_from_the_enrolment_status_with_the_reason_given(world: World) -> None:
    paused = enrol(world, "Resting", status=EnrollmentStatus.PAUSED)
    lost = enrol(world, "Gone", status=EnrollmentStatus.LOST_TO_FOLLOW_UP)
    paused.transitions.update(reason="Hospital stay")
    enrol(world, "Finished", status=EnrollmentStatus.COMPLETED)

    assert count(world, world.telephone, "paused") == 1
    assert count(world, world.telephone, "lost_to_follow_up") == 1
    assert flags_of(world, paused) == {"paused"}
    assert flags_of(world, lost) == {"lost_to_follow_up"}
    line = disengagement.flagged(world.cora, "paused")[0]
    assert "Hospital stay" in line.reasons[0].detail
    assert line.failed_attempts is None and line.can_mark_lost and not line.can_pause


def test_a_participant_in_step_with_their_supporter_carries_no_flag(world: World) -> None:
    fine = enrol(world, "Fine", enrolled_days_ago=40)
    reached(fine, world.cora, days_ago=2, functions=("linkage", "social_emotional"))

    assert flags_of(world, fine) == set()


def test_the_list_is_sorted_by_days_since_last_reached(world: World) -> None:
    a = enrol(world, "Anna")
    b = enrol(world, "Bea")
    c = enrol(world, "Cy")
    reached(a, world.cora, days_ago=40)
    reached(b, world.cora, days_ago=90)
    # Cy and Paul were never reached: longest of all.

    def names(sort: str) -> list[str]:
        lines = disengagement.flagged(world.cora, "no_contact", program_id=world.telephone.pk, sort=sort)
        return [line.participant.preferred_name for line in lines]

    assert names("longest")[2:] == ["Bea", "Anna"] and set(names("longest")[:2]) == {"Cy", "Paul"}
    assert names("shortest")[:2] == ["Anna", "Bea"]
    assert names("name") == ["Anna", "Bea", "Cy", "Paul"]
    lines = disengagement.flagged(world.cora, "no_contact", program_id=world.telephone.pk)
    days = {line.enrollment_id: line.days_since_reached for line in lines}
    assert days == {a.pk: 40, b.pk: 90, c.pk: None, world.paul_enrollment.pk: None}


def test_unknown_flags_and_sorts_are_refused(world: World) -> None:
    with pytest.raises(ValueError):
        disengagement.flagged(world.cora, "bored")
    with pytest.raises(ValueError):
        disengagement.flagged(world.cora, "no_contact", sort="random")


# ---- against an independent count on random data ----

STATUSES = [EnrollmentStatus.ACTIVE] * 5 + [
    EnrollmentStatus.ENROLLED,
    EnrollmentStatus.PAUSED,
    EnrollmentStatus.LOST_TO_FOLLOW_UP,
    EnrollmentStatus.COMPLETED,
    EnrollmentStatus.REFERRED,
]
OUTCOMES = [Outcome.REACHED] * 3 + [Outcome.NO_ANSWER, Outcome.LEFT_MESSAGE, Outcome.WRONG_NUMBER]


def build_random(world: World, rng: random.Random, n: int = 60) -> list[Program]:
    programs = [world.telephone, world.coaching]
    programs += [make_program(world.cora, world.org, f"Random {i}", [rng.randint(1, 7)]) for i in range(3)]
    for program in programs:
        if rng.random() < 0.7:
            FollowUpRules.objects.create(
                program=program,
                no_contact_days=rng.randint(5, 60),
                never_contacted_days=rng.randint(3, 30),
                max_failed_attempts=rng.randint(1, 4),
                **{f"gap_{f}_days": rng.choice([None, 15, 30, 90]) for f in KeyFunction.values},
            )
        if rng.random() < 0.6:
            save_cadence(
                world.cora,
                rng.choice(
                    [
                        Cadence(CadenceKind.INTERVAL, interval_days=14, grace_days=3),
                        Cadence(CadenceKind.WINDOWS, windows=(Window(7, 10), Window(28, 35))),
                    ]
                ),
                program=program,
            )
    supporters = [world.sofia, world.sid, make_supporter("spare", world.org)]
    now = timezone.now()
    for i in range(n):
        enrollment = make_enrollment(
            world.cora,
            make_participant(world.org, f"Person {i}"),
            rng.choice(programs),
            rng.sample(supporters, rng.choice([0, 1, 1, 2])),
            rng.choice(STATUSES),
            timezone.localdate() - timedelta(days=rng.randint(0, 300)),
        )
        Assignment.objects.filter(enrollment=enrollment).update(assigned_at=now - timedelta(days=rng.randint(0, 60)))
        for _ in range(rng.choice([0, 1, 2, 4, 6])):
            days_ago = rng.randint(0, 200)
            outcome = rng.choice(OUTCOMES)
            make_contact(
                enrollment,
                world.cora,
                days_ago=days_ago + rng.random(),
                outcome=outcome,
                functions=tuple(f for f in KeyFunction.values if rng.random() < 0.4) or ("ongoing",),
            )
    engine.recompute_all()
    return programs


def expected_counts(programs: list[Program], today: date, now: datetime) -> dict[int, dict[str, int]]:
    """Per program and flag, counted one enrolment at a time from the contacts and assignments themselves
    (overdue, cadence finished and repeated failures from the engine's row, whose own tests cover them)."""
    result: dict[int, dict[str, int]] = {}
    for program in programs:
        rules = FollowUpRules.objects.filter(program=program).first() or FollowUpRules()
        counts = dict.fromkeys(disengagement.FLAGS, 0)
        counts["in_follow_up"] = 0
        for e in Enrollment.objects.filter(program=program):
            if e.status == EnrollmentStatus.PAUSED:
                counts["paused"] += 1
            if e.status == EnrollmentStatus.LOST_TO_FOLLOW_UP:
                counts["lost_to_follow_up"] += 1
            if e.status not in (EnrollmentStatus.ACTIVE, EnrollmentStatus.ENROLLED):
                continue
            counts["in_follow_up"] += 1
            contacts = [c for c in Contact.objects.filter(enrollment=e) if c.outcome == Outcome.REACHED]
            last_on = max((c.occurred_on for c in contacts), default=None)
            last_at = max((c.occurred_at for c in contacts), default=None)
            current = sorted(e.assignments.filter(ended_at__isnull=True), key=lambda a: a.pk)
            primary = next((a for a in current if a.is_primary), current[0] if current else None)
            state = FollowUpState.objects.get(enrollment=e)
            cutoff = today - timedelta(days=rules.no_contact_days)
            if e.enrolled_on < cutoff and (last_on is None or last_on < cutoff):
                counts["no_contact"] += 1
            if primary is None:
                counts["no_supporter"] += 1
            elif primary.assigned_at < now - timedelta(days=rules.never_contacted_days) and (
                last_at is None or last_at < primary.assigned_at
            ):
                counts["never_contacted"] += 1
            counts["repeated_failures"] += state.repeated_failures
            counts["overdue"] += state.window_end is not None and state.window_end < today
            counts["cadence_finished"] += state.cadence_finished
            for function, column in FUNCTION_FIELDS.items():
                days = rules.gap_days(function)
                if days is None:
                    continue
                gap_cutoff = today - timedelta(days=days)
                last_fn = max((c.occurred_on for c in contacts if getattr(c, column)), default=None)
                if e.enrolled_on < gap_cutoff and (last_fn is None or last_fn < gap_cutoff):
                    counts[f"gap_{function}"] += 1
        result[program.pk] = counts
    return result


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_counts_equal_an_independent_count_on_random_data(world: World, seed: int) -> None:
    rng = random.Random(seed)
    programs = build_random(world, rng)
    for offset in (0, 20):
        today = timezone.localdate() + timedelta(days=offset)
        now = timezone.now() + timedelta(days=offset)

        rows = disengagement.program_counts(world.cora, today=today, now=now)

        actual = {r.program.pk: {**r.counts, "in_follow_up": r.in_follow_up} for r in rows}
        expected = expected_counts(programs, today, now)
        assert actual == expected
        # The lists agree with the counts, flag by flag.
        for code in disengagement.FLAGS:
            lines = disengagement.flagged(world.cora, code, today=today, now=now)
            assert len(lines) == sum(e[code] for e in expected.values()), code
    # Not a vacuous pass: the data exercised most flags.
    totals = {code: sum(e[code] for e in expected.values()) for code in disengagement.FLAGS}
    assert sum(1 for n in totals.values() if n) >= 8


def test_the_counts_take_three_queries_however_many_people(world: World, django_assert_num_queries) -> None:
    with django_assert_num_queries(3):
        disengagement.program_counts(world.cora)
    build_random(world, random.Random(7), n=40)
    with django_assert_num_queries(3):
        rows = disengagement.program_counts(world.cora)
    assert sum(r.in_follow_up for r in rows) > 10


def test_a_flagged_list_is_a_fixed_number_of_queries(world: World, django_assert_num_queries) -> None:
    build_random(world, random.Random(8), n=40)
    with django_assert_num_queries(3):
        lines = disengagement.flagged(world.cora, "no_contact")
    assert len(lines) > 3
    with django_assert_num_queries(2):
        disengagement.flagged(world.cora, "paused")


# ---- who sees what ----


def client_for(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.mark.parametrize(
    "role, status",
    [
        ("admin", 200),
        ("coordinator", 200),
        ("supervisor", 200),
        ("outsider", 200),
        ("professional", 404),
        ("evaluator", 404),
        ("supporter", 404),
        ("participant", 404),
    ],
)
def test_the_page_is_for_organization_wide_roles(world: World, role: str, status: int) -> None:
    response = client_for(world.users_by_role()[role]).get(PAGE, {"flag": "no_contact"})
    assert response.status_code == status


def test_the_page_shows_counts_that_open_the_list(world: World) -> None:
    enrol(world, "Quiet")
    client = client_for(world.cora)

    page = client.get(PAGE).content.decode()
    assert 'data-flag="no_contact"' in page
    assert f'href="?flag=no_contact&amp;program={world.telephone.pk}#list"' in page
    assert "Quiet" not in page  # no list until one is chosen

    listed = client.get(PAGE, {"flag": "no_contact", "program": str(world.telephone.pk)}).content.decode()
    assert "Quiet" in listed and "Paul Okafor" in listed
    assert "Rita" not in listed  # another program
    assert "Reassign" in listed and "Mark lost to follow-up" in listed


def test_a_supervisor_reads_the_list_but_gets_no_actions(world: World) -> None:
    page = client_for(world.sam).get(PAGE, {"flag": "no_contact"}).content.decode()
    assert "Paul Okafor" in page
    assert "Reassign" not in page and "Mark lost to follow-up" not in page


def test_an_outsider_sees_only_their_own_organization(world: World) -> None:
    page = client_for(world.otto).get(PAGE, {"flag": "no_contact"}).content.decode()
    assert world.telephone.name not in page and "Paul" not in page


def test_an_unknown_list_says_so(world: World) -> None:
    page = client_for(world.cora).get(PAGE, {"flag": "bored"}, follow=True).content.decode()
    assert "There is no list called" in page


def test_the_nav_offers_follow_up_to_organization_wide_roles_only(world: World) -> None:
    assert reverse("followup:disengagement") in client_for(world.sam).get("/programs/").content.decode()
    assert reverse("followup:disengagement") not in client_for(world.sofia.user).get("/concerns/").content.decode()


# ---- API ----


@pytest.mark.parametrize(
    "role, status",
    [
        ("admin", 200),
        ("coordinator", 200),
        ("supervisor", 200),
        ("evaluator", 200),
        ("outsider", 200),
        ("professional", 404),
        ("supporter", 404),
        ("participant", 404),
    ],
)
def test_api_counts_are_for_roles_that_see_aggregates(world: World, api: ApiFor, role: str, status: int) -> None:
    assert api(world.users_by_role()[role]).get(API).status_code == status


def test_api_counts_per_program(world: World, api: ApiFor) -> None:
    enrol(world, "Quiet")

    body = api(world.eve).get(API).json()

    telephone = next(row for row in body if row["program"] == world.telephone.pk)
    by_flag = {f["flag"]: f for f in telephone["flags"]}
    assert telephone["in_follow_up"] == 2
    assert by_flag["no_contact"]["count"] == 2 and by_flag["no_contact"]["threshold"] == "30 d"
    assert by_flag["gap_daily_management"]["count"] is None  # no window set for it
    assert {row["program"] for row in api(world.otto).get(API).json()} == set()  # Hillcrest has no programs


@pytest.mark.parametrize(
    "role, status",
    [
        ("admin", 200),
        ("coordinator", 200),
        ("supervisor", 200),
        ("outsider", 200),
        ("evaluator", 404),
        ("professional", 404),
        ("supporter", 404),
        ("participant", 404),
    ],
)
def test_api_flagged_lists_are_for_organization_wide_roles(world: World, api: ApiFor, role: str, status: int) -> None:
    response = api(world.users_by_role()[role]).get(f"{API}flagged/", {"flag": "no_contact"})
    assert response.status_code == status


def test_api_flagged_list_names_the_people_and_logs_the_access(world: World, api: ApiFor) -> None:
    quiet = enrol(world, "Quiet")

    body = api(world.cora).get(f"{API}flagged/", {"flag": "no_contact", "program": str(world.telephone.pk)}).json()

    assert {row["enrollment"] for row in body} == {quiet.pk, world.paul_enrollment.pk}
    row = next(r for r in body if r["enrollment"] == quiet.pk)
    assert row["supporter_name"] == world.sofia.user.display_name
    assert row["days_since_reached"] is None and row["failed_attempts"] == 0
    assert {r["code"] for r in row["reasons"]} >= {"no_contact"}
    logged = set(AccessLogEntry.objects.filter(user=world.cora).values_list("participant_id", flat=True))
    assert logged == {quiet.participant_id, world.paul.pk}


def test_api_flagged_list_refuses_bad_parameters(world: World, api: ApiFor) -> None:
    client = api(world.cora)
    assert client.get(f"{API}flagged/").status_code == 400
    assert client.get(f"{API}flagged/", {"flag": "bored"}).status_code == 400
    assert client.get(f"{API}flagged/", {"flag": "no_contact", "sort": "random"}).status_code == 400
    other = make_program(world.otto, world.other_org, "Hillcrest calls", [6])
    response = client.get(f"{API}flagged/", {"flag": "no_contact", "program": str(other.pk)})
    assert response.status_code == 400 and "program" in response.json()
    assert not AccessLogEntry.objects.exists()
