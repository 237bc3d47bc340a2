"""Two workers running the periodic recompute at once, and a recompute racing contacts being logged, on
PostgreSQL with real concurrent connections (one per thread). SQLite has a single writer, so there is
nothing to race there."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from alongside.contacts.services import ContactInput, log_contact
from alongside.followup import engine
from alongside.followup.models import FollowUpState
from alongside.followup.tests.test_engine import build_random_data
from alongside.programs.models import Enrollment
from alongside.taxonomy import Outcome
from alongside.testing.followup import actual_states, differences, expected_states
from alongside.testing.world import World, make_enrollment, make_participant

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrency of the recompute is a PostgreSQL property (advisory locks); SQLite has one writer",
    ),
    pytest.mark.django_db(transaction=True),
]


def run_together(*jobs: Callable[[], Any]) -> list[Any]:
    """Runs each job in its own thread and database connection, released at one barrier so they overlap.
    Re-raises the first error of any thread."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)
    errors: list[BaseException] = []

    def worker(index: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = job()
        except BaseException as error:  # reported in the main thread
            errors.append(error)
        finally:
            connections.close_all()  # this thread's own connections

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a worker hung (deadlock?)"
    if errors:
        raise errors[0]
    return results


def _eligible() -> int:
    return Enrollment.objects.filter(status__in=engine.FOLLOW_UP_STATUSES).count()


def test_two_workers_recomputing_at_once_give_the_result_of_one(world: World) -> None:
    build_random_data(world, random.Random(11), enrollments=60)
    FollowUpState.objects.all().delete()

    first, second = run_together(engine.recompute_all, engine.recompute_all)
    together = actual_states()

    # One of them did the work, the other found nothing left to do: no work done twice.
    assert sorted([first.written, second.written]) == [0, _eligible()]
    assert FollowUpState.objects.count() == _eligible() == len(together)
    assert FollowUpState.objects.values("enrollment").distinct().count() == _eligible()

    FollowUpState.objects.all().delete()
    single = engine.recompute_all()
    assert single.written == _eligible()
    assert actual_states() == together
    assert differences(expected_states(), together) == []


def test_many_workers_recomputing_repeatedly_never_duplicate_a_row(world: World) -> None:
    build_random_data(world, random.Random(12), enrollments=30)
    FollowUpState.objects.all().delete()

    def three_times() -> int:
        return sum(engine.recompute_all().written for _ in range(3))

    written = run_together(three_times, three_times, three_times)

    assert sum(written) == _eligible()
    assert FollowUpState.objects.count() == _eligible()
    assert differences(expected_states(), actual_states()) == []


def test_a_recompute_racing_logged_contacts_ends_where_a_fresh_recompute_does(world: World) -> None:
    build_random_data(world, random.Random(13), enrollments=30)
    engine.recompute_all()
    sofias = [world.paul_enrollment] + [
        make_enrollment(world.cora, make_participant(world.org, f"Caller {i}"), world.telephone, [world.sofia])
        for i in range(6)
    ]
    now = timezone.now()

    def log_calls(offset: int) -> int:
        # Both threads also log on Paul's enrolment, so two incremental updates of one row race as well.
        targets = [sofias[0], *sofias[1 + offset :: 2]]
        logged = 0
        for round_ in range(3):
            for enrollment in targets:
                outcome = Outcome.REACHED if (round_ + offset) % 2 else Outcome.NO_ANSWER
                log_contact(
                    world.sofia.user,
                    Enrollment.objects.get(pk=enrollment.pk),
                    ContactInput(
                        occurred_at=now - timedelta(minutes=60 - round_ * 10 - offset),
                        outcome=outcome,
                        functions=["ongoing"] if outcome == Outcome.REACHED else [],
                        next_contact_due=timezone.localdate() + timedelta(days=round_ + 1),
                    ),
                )
                logged += 1
        return logged

    def recompute_three_times() -> int:
        return sum(engine.recompute_all().written for _ in range(3))

    logged = run_together(recompute_three_times, lambda: log_calls(0), lambda: log_calls(1))

    # Three rounds over every enrolment once, plus Paul's a second time.
    assert logged[1] + logged[2] == 3 * (len(sofias) + 1)
    after_race = actual_states()
    assert engine.recompute_all().written == 0, "the race left a row a fresh recompute would change"
    assert actual_states() == after_race
    assert differences(expected_states(), after_race) == []
    assert FollowUpState.objects.count() == _eligible()
