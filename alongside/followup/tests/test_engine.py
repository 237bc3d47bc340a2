"""The follow-up engine (engine.py) against an independent per-participant computation
(alongside/testing/followup.py) on random data, and its incremental, idempotent and bounded behaviour."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alongside.contacts.models import Contact
from alongside.contacts.services import ContactInput, log_contact
from alongside.followup import engine
from alongside.followup.cadence import PRESETS, Cadence, CadenceKind, Phase, Window
from alongside.followup.models import AppointmentStatus, CallAppointment, FollowUpRules, FollowUpState
from alongside.followup.services import save_cadence
from alongside.programs.models import Assignment, Enrollment, EnrollmentStatus, Program
from alongside.programs.services import change_status
from alongside.taxonomy import FUNCTION_FIELDS, Outcome
from alongside.testing.followup import actual_states, differences, expected_state, expected_states
from alongside.testing.world import World, make_enrollment, make_participant, make_program, make_supporter

pytestmark = pytest.mark.django_db

ZONES = ["America/New_York", "Europe/London", "Pacific/Auckland", "America/Los_Angeles", ""]
OUTCOMES = [Outcome.REACHED] * 4 + [Outcome.NO_ANSWER, Outcome.LEFT_MESSAGE, Outcome.WRONG_NUMBER, Outcome.DECLINED]
STATUS_CHOICES = [EnrollmentStatus.ACTIVE] * 6 + [
    EnrollmentStatus.ENROLLED,
    EnrollmentStatus.PAUSED,
    EnrollmentStatus.COMPLETED,
    EnrollmentStatus.REFERRED,
    EnrollmentStatus.LOST_TO_FOLLOW_UP,
]
CADENCES: list[Cadence | None] = [
    None,  # a program without a cadence
    Cadence(CadenceKind.INTERVAL, interval_days=7),
    Cadence(CadenceKind.INTERVAL, interval_days=14, grace_days=3),
    Cadence(CadenceKind.PHASES, grace_days=2, phases=(Phase(7, 56), Phase(30, 300))),
    Cadence(CadenceKind.PHASES, grace_days=0, phases=(Phase(3, 12),)),  # finishes early: cadence_finished
    Cadence(CadenceKind.WINDOWS, windows=(Window(0, 2), Window(7, 10), Window(14, 18), Window(28, 35))),
    *(p.cadence for p in PRESETS),
]


def build_random_data(world: World, rng: random.Random, enrollments: int = 40) -> list[Enrollment]:
    """Programs of every cadence kind (with and without rules), enrolments in every status with random
    assignments, overrides, contacts, promises and appointments. Written directly, not through services,
    so nothing but recompute_all computes their state."""
    by = world.cora
    programs: list[Program] = [world.telephone, world.coaching]
    programs += [make_program(by, world.org, f"Random program {i}", [rng.randint(1, 7)]) for i in range(4)]
    for program in programs:
        cadence = rng.choice(CADENCES)
        if cadence is not None:
            save_cadence(by, cadence, program=program)
        if rng.random() < 0.6:
            FollowUpRules.objects.create(
                program=program,
                retry_after_days=rng.randint(1, 5),
                max_failed_attempts=rng.randint(1, 4),
                failed_attempts_window_days=rng.randint(1, 20),
            )
    supporters = [world.sofia, world.sid] + [make_supporter(f"random_{i}", world.org) for i in range(3)]
    now = timezone.now()
    made = []
    for i in range(enrollments):
        participant = make_participant(world.org, f"Random {i}", timezone=rng.choice(ZONES))
        program = rng.choice(programs)
        enrolled_on = timezone.localdate() - timedelta(days=rng.randint(0, 400))
        chosen = rng.sample(supporters, rng.choice([0, 1, 1, 1, 2]))
        enrollment = make_enrollment(by, participant, program, chosen, rng.choice(STATUS_CHOICES), enrolled_on)
        if chosen and rng.random() < 0.2:
            # An ended assignment, and sometimes no primary among the current ones.
            first = Assignment.objects.filter(enrollment=enrollment).order_by("pk")[:1]
            Assignment.objects.filter(pk__in=list(first.values_list("pk", flat=True))).update(ended_at=now)
        if chosen and rng.random() < 0.2:
            Assignment.objects.filter(enrollment=enrollment).update(is_primary=False)
        if rng.random() < 0.15:
            override = rng.choice([c for c in CADENCES if c is not None])
            save_cadence(by, override, enrollment=enrollment)
        _random_contacts(enrollment, rng, by)
        for _ in range(rng.choice([0, 0, 1, 2])):
            CallAppointment.objects.create(
                enrollment=enrollment,
                scheduled_for=now + timedelta(hours=rng.randint(-200, 500), minutes=rng.randint(0, 59)),
                status=rng.choice(list(AppointmentStatus.values)),
                created_by=by,
            )
        made.append(enrollment)
    return made


def _random_contacts(enrollment: Enrollment, rng: random.Random, by) -> None:
    start = datetime.combine(enrollment.enrolled_on, datetime.min.time(), tzinfo=UTC) - timedelta(hours=12)
    span = (timezone.now() - start).total_seconds()
    previous: datetime | None = None
    for _ in range(rng.choice([0, 1, 2, 3, 5, 8, 13])):
        if previous is not None and rng.random() < 0.1:
            occurred_at = previous  # two contacts logged for the same moment
        else:
            # Minutes at random, so many contacts fall late at night or early in the participant's day.
            occurred_at = start + timedelta(seconds=rng.uniform(0, span))
            occurred_at = occurred_at.replace(microsecond=rng.choice([0, occurred_at.microsecond]))
        previous = occurred_at
        outcome = rng.choice(OUTCOMES)
        flags = {}
        if outcome == Outcome.REACHED:
            flags = {column: rng.random() < 0.4 for column in FUNCTION_FIELDS.values()}
        due = None
        if rng.random() < 0.35:
            due = occurred_at.date() + timedelta(days=rng.randint(0, 40))
        Contact.objects.create(
            participant_id=enrollment.participant_id,
            enrollment=enrollment,
            recorded_by=by,
            occurred_at=occurred_at,
            outcome=outcome,
            next_contact_due=due,
            **flags,
        )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_it_computes_what_the_independent_computation_computes_on_random_data(world: World, seed: int) -> None:
    rng = random.Random(seed)
    build_random_data(world, rng)

    engine.recompute_all()

    expected = expected_states()
    assert differences(expected, actual_states()) == []
    # The data did exercise the rules (not a vacuous pass).
    states = list(FollowUpState.objects.all())
    assert any(s.window_start is not None for s in states)
    assert any(s.failed_attempts > 0 for s in states)
    assert any(s.promised_on is not None for s in states)
    assert not FollowUpState.objects.exclude(enrollment__status__in=engine.FOLLOW_UP_STATUSES).exists()


def test_it_covers_every_cadence_kind_rules_and_outcome_across_seeds(world: World) -> None:
    """Guards the random generator: with seed 1 every kind of input is present at least once."""
    build_random_data(world, random.Random(1), enrollments=60)
    engine.recompute_all()
    assert differences(expected_states(), actual_states()) == []
    states = FollowUpState.objects.all()
    assert {s.last_outcome for s in states} >= {Outcome.NO_ANSWER, Outcome.WRONG_NUMBER}
    assert states.filter(cadence_finished=True).exists()
    assert states.filter(repeated_failures=True).exists()
    assert states.filter(appointment_at__isnull=False).exists()
    assert states.filter(supporter__isnull=True).exists() and states.filter(supporter__isnull=False).exists()


def _set_telephone_cadence(world: World) -> None:
    """The telephone preset for Paul's program, and a state row for every enrolment of the world (its
    builders write directly, so the engine has not seen them)."""
    save_cadence(world.cora, PRESETS[0].cadence, program=world.telephone)
    engine.recompute_all()


def test_logging_a_contact_updates_the_state_at_once(world: World) -> None:
    _set_telephone_cadence(world)
    enrollment = world.paul_enrollment
    before = FollowUpState.objects.get(enrollment=enrollment)
    assert before.last_reached_on is None

    when = timezone.now() - timedelta(hours=2)
    log_contact(
        world.sofia.user,
        enrollment,
        ContactInput(occurred_at=when, outcome=Outcome.NO_ANSWER, next_contact_due=timezone.localdate()),
    )
    after_attempt = FollowUpState.objects.get(enrollment=enrollment)
    assert after_attempt.failed_attempts == 1 and after_attempt.last_outcome == Outcome.NO_ANSWER
    assert after_attempt.promised_on == timezone.localdate()

    log_contact(
        world.sofia.user,
        enrollment,
        ContactInput(occurred_at=when + timedelta(hours=1), functions=["linkage"]),
    )
    after_call = FollowUpState.objects.get(enrollment=enrollment)
    assert after_call.failed_attempts == 0 and after_call.promised_on is None
    assert after_call.last_reached_at == when + timedelta(hours=1)
    assert after_call.last_linkage_on == after_call.last_reached_on
    state = {c: getattr(after_call, c) for c in engine.STATE_COLUMNS}
    assert state == expected_state(Enrollment.objects.get(pk=enrollment.pk))
    # A full recompute finds nothing to repair.
    assert engine.recompute_all().written == 0


def test_a_second_full_recompute_writes_nothing(world: World) -> None:
    build_random_data(world, random.Random(7), enrollments=25)
    first = engine.recompute_all()
    second = engine.recompute_all()
    assert first.written > 0
    assert second.written == 0 and second.deleted == 0


def test_a_full_recompute_repairs_exactly_what_was_missed(world: World) -> None:
    build_random_data(world, random.Random(8), enrollments=25)
    engine.recompute_all()
    states = list(FollowUpState.objects.order_by("pk")[:2])
    assert len(states) == 2
    FollowUpState.objects.filter(pk=states[0].pk).delete()
    FollowUpState.objects.filter(pk=states[1].pk).update(failed_attempts=99, window_start=None)
    stale = Enrollment.objects.filter(status=EnrollmentStatus.COMPLETED).first()
    if stale is not None:  # a row left over for an enrolment that is no longer followed up
        FollowUpState.objects.create(
            enrollment=stale,
            participant_id=stale.participant_id,
            program_id=stale.program_id,
            enrolled_on=stale.enrolled_on,
            computed_at=timezone.now(),
        )

    result = engine.recompute_all()

    assert result.written == 2
    assert result.deleted == (1 if stale is not None else 0)
    assert differences(expected_states(), actual_states()) == []


def _refresh_queries(enrollment_id: int) -> int:
    with CaptureQueriesContext(connection) as captured:
        engine.refresh([enrollment_id])
    return len(captured.captured_queries)


def test_refreshing_one_enrolment_costs_the_same_queries_whatever_the_number_of_others(world: World) -> None:
    _set_telephone_cadence(world)
    few = _refresh_queries(world.paul_enrollment.pk)

    for i in range(30):
        other = make_enrollment(world.cora, make_participant(world.org, f"Other {i}"), world.telephone, [world.sofia])
        _random_contacts(other, random.Random(i), world.cora)
    engine.recompute_all()
    many = _refresh_queries(world.paul_enrollment.pk)

    assert few == many
    # Upsert and delete; on PostgreSQL also the savepoint pair, the shared advisory lock, the row lock and
    # switching JIT off for the transaction.
    assert many <= 7
    # And the refresh touched only its own row: everyone else's computed_at is unchanged.
    stamps = dict(FollowUpState.objects.values_list("pk", "computed_at"))
    Contact.objects.create(
        participant_id=world.paul.pk,
        enrollment=world.paul_enrollment,
        recorded_by=world.cora,
        occurred_at=timezone.now() - timedelta(minutes=5),
        outcome=Outcome.NO_ANSWER,
    )
    assert engine.refresh([world.paul_enrollment.pk]).written == 1
    after = dict(FollowUpState.objects.values_list("pk", "computed_at"))
    assert [pk for pk in after if after[pk] != stamps[pk]] == [world.paul_enrollment.pk]


@pytest.mark.parametrize(
    ("to_status", "reason"),
    [(EnrollmentStatus.PAUSED, "Travelling for a month"), (EnrollmentStatus.COMPLETED, "Finished the program")],
)
def test_pausing_or_completing_an_enrolment_removes_its_state(world: World, to_status: str, reason: str) -> None:
    _set_telephone_cadence(world)
    enrollment = world.paul_enrollment
    assert FollowUpState.objects.filter(enrollment=enrollment).exists()

    change_status(world.cora, enrollment, to_status, reason=reason)

    assert not FollowUpState.objects.filter(enrollment=enrollment).exists()
    assert FollowUpState.objects.filter(enrollment=world.rita_enrollment).exists()
    assert engine.recompute_all().written == 0


def test_resuming_a_paused_enrolment_brings_its_state_back(world: World) -> None:
    _set_telephone_cadence(world)
    enrollment = world.paul_enrollment
    change_status(world.cora, enrollment, EnrollmentStatus.PAUSED, reason="In hospital")
    change_status(world.cora, enrollment, EnrollmentStatus.ACTIVE)
    state = FollowUpState.objects.get(enrollment=enrollment)
    assert state.window_start == enrollment.enrolled_on + timedelta(days=7)


def test_an_enrolment_override_replaces_the_programs_cadence(world: World) -> None:
    _set_telephone_cadence(world)
    enrollment = world.paul_enrollment
    save_cadence(world.cora, Cadence(CadenceKind.INTERVAL, interval_days=3, grace_days=1), enrollment=enrollment)
    state = FollowUpState.objects.get(enrollment=enrollment)
    assert state.window_start == enrollment.enrolled_on + timedelta(days=3)
    assert state.window_end == enrollment.enrolled_on + timedelta(days=4)
    assert {c: getattr(state, c) for c in engine.STATE_COLUMNS} == expected_state(enrollment)
