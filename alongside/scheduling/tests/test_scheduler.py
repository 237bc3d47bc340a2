"""manage.py scheduler: each slot of each periodic job is enqueued exactly once, however many schedulers
run; the enqueued recompute rebuilds the follow-up state; SIGTERM stops it cleanly."""

from __future__ import annotations

import os
import signal
import threading
import time
from datetime import UTC, datetime, timedelta
from io import StringIO
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django_tasks.base import Task
from django_tasks.signals import task_enqueued

from alongside.followup.models import FollowUpState
from alongside.followup.tasks import recompute_follow_ups
from alongside.programs.models import Enrollment, EnrollmentStatus
from alongside.scheduling import jobs
from alongside.scheduling.jobs import KEEP_RUNS_FOR, PeriodicJob, run_due_jobs
from alongside.scheduling.models import PeriodicRun
from alongside.testing.world import World

pytestmark = pytest.mark.django_db
HOUR = timedelta(hours=1)
TEN_PAST_NINE = datetime(2026, 3, 9, 9, 10, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _only_the_follow_up_job(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests count the tasks of one job; the other apps' periodic jobs are tested in those apps."""
    every_job = jobs.periodic_jobs
    monkeypatch.setattr(jobs, "periodic_jobs", lambda: tuple(j for j in every_job() if j.name == "followup.recompute"))


@pytest.fixture
def enqueued() -> Any:
    """The task paths enqueued while the test runs."""
    seen: list[str] = []

    def record(sender: Any, task_result: Any, **kwargs: Any) -> None:
        seen.append(task_result.task.module_path)

    task_enqueued.connect(record)
    yield seen
    task_enqueued.disconnect(record)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Sets the scheduler's idea of now."""

    class Clock:
        now = TEN_PAST_NINE

    monkeypatch.setattr(jobs, "timezone", SimpleNamespace(now=lambda: Clock.now))
    return Clock


def scheduler(*args: str) -> str:
    out = StringIO()
    call_command("scheduler", *args, stdout=out)
    return out.getvalue()


def test_two_runs_in_the_same_slot_enqueue_once(enqueued: list[str], clock: Any) -> None:
    first = scheduler("--once")
    clock.now = TEN_PAST_NINE + timedelta(minutes=45)  # still the 09:00 slot
    second = scheduler("--once")

    assert enqueued == ["alongside.followup.tasks.recompute_follow_ups"]
    assert "Enqueued followup.recompute for 2026-03-09 09:00 UTC" in first
    assert "Enqueued" not in second
    run = PeriodicRun.objects.get()
    assert (run.job, run.slot_start) == ("followup.recompute", datetime(2026, 3, 9, 9, 0, tzinfo=UTC))
    assert run.task_result_id


def test_the_next_slot_enqueues_again(enqueued: list[str], clock: Any) -> None:
    scheduler("--once")
    clock.now = TEN_PAST_NINE + timedelta(minutes=50)  # 10:00, the next slot

    scheduler("--once")

    assert len(enqueued) == 2
    slots = sorted(PeriodicRun.objects.values_list("slot_start", flat=True))
    assert [s.hour for s in slots] == [9, 10]


def test_schedulers_on_two_machines_enqueue_each_slot_once(enqueued: list[str]) -> None:
    a = run_due_jobs(TEN_PAST_NINE, claimed_by="web-1:100")
    b = run_due_jobs(TEN_PAST_NINE + timedelta(seconds=5), claimed_by="web-2:200")

    assert [t.enqueued for t in a] == [True]
    assert [t.enqueued for t in b] == [False]
    assert len(enqueued) == 1
    assert PeriodicRun.objects.get().claimed_by == "web-1:100"


def test_the_period_comes_from_the_settings(settings: Any, enqueued: list[str]) -> None:
    settings.FOLLOWUP_RECOMPUTE_MINUTES = 15
    (job,) = jobs.periodic_jobs()
    assert job.every == timedelta(minutes=15)

    for minute in (0, 14, 15, 29, 30):
        run_due_jobs(datetime(2026, 3, 9, 9, minute, tzinfo=UTC))

    assert len(enqueued) == 3  # 09:00, 09:15, 09:30


def test_a_slot_is_the_time_floored_to_the_period() -> None:
    job = PeriodicJob("x", recompute_follow_ups, every=timedelta(minutes=20))
    assert job.slot_for(datetime(2026, 3, 9, 9, 59, 59, tzinfo=UTC)) == datetime(2026, 3, 9, 9, 40, tzinfo=UTC)
    # Machines in different time zones agree on the slot.
    local = datetime(2026, 3, 9, 9, 59, tzinfo=UTC).astimezone(datetime.now().astimezone().tzinfo)
    assert job.slot_for(local) == datetime(2026, 3, 9, 9, 40, tzinfo=UTC)
    with pytest.raises(ValueError, match="at least a minute"):
        PeriodicJob("y", recompute_follow_ups, every=timedelta(seconds=30))


def test_the_enqueued_task_recomputes_the_follow_up_state(world: World, clock: Any) -> None:
    FollowUpState.objects.all().delete()  # as if every incremental update had been missed
    Enrollment.objects.filter(pk=world.rita_enrollment.pk).update(status=EnrollmentStatus.WITHDRAWN)

    scheduler("--once")

    states = {s.enrollment_id: s for s in FollowUpState.objects.all()}
    assert set(states) == {world.paul_enrollment.pk}
    assert states[world.paul_enrollment.pk].supporter_id == world.sofia.pk


def test_a_failed_enqueue_leaves_the_slot_for_the_next_tick(
    monkeypatch: pytest.MonkeyPatch, enqueued: list[str]
) -> None:
    def broken(self: Task, *args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("queue unavailable")

    with monkeypatch.context() as patch:
        patch.setattr(Task, "enqueue", broken)
        with pytest.raises(ConnectionError):
            run_due_jobs(TEN_PAST_NINE)
    assert not PeriodicRun.objects.exists()

    run_due_jobs(TEN_PAST_NINE)
    assert len(enqueued) == 1


def test_old_claims_are_deleted_as_it_goes() -> None:
    long_ago = TEN_PAST_NINE - KEEP_RUNS_FOR - HOUR
    run_due_jobs(long_ago)
    run_due_jobs(TEN_PAST_NINE - HOUR)

    run_due_jobs(TEN_PAST_NINE)

    assert sorted(r.slot_start.hour for r in PeriodicRun.objects.all()) == [8, 9]


def test_a_bad_interval_is_refused() -> None:
    with pytest.raises(CommandError, match=r"between 0\.1 and 3600"):
        scheduler("--interval", "0")
    with pytest.raises(CommandError, match=r"between 0\.1 and 3600"):
        scheduler("--interval", "soon")


@pytest.mark.django_db(transaction=True)  # the loop closes stale connections between ticks, as in production
def test_it_runs_until_sigterm_and_then_stops_cleanly(enqueued: list[str]) -> None:
    before = signal.getsignal(signal.SIGTERM)

    def terminate_once_listening() -> None:
        deadline = time.monotonic() + 10
        while signal.getsignal(signal.SIGTERM) is before and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)  # let it tick at least once
        os.kill(os.getpid(), signal.SIGTERM)

    killer = threading.Thread(target=terminate_once_listening)
    killer.start()
    started = time.monotonic()
    output = scheduler("--interval", "0.1")
    killer.join()

    assert "Scheduler started: followup.recompute every 1:00:00" in output
    assert output.rstrip().endswith("Scheduler stopped.")
    assert time.monotonic() - started < 5
    assert len(enqueued) == 1  # ticked several times within one slot, enqueued once
    assert signal.getsignal(signal.SIGTERM) is before  # the handler is given back


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_concurrent_schedulers_claim_each_slot_once_on_postgresql(enqueued: list[str]) -> None:
    job = PeriodicJob("test.concurrent", recompute_follow_ups, every=HOUR)
    barrier = threading.Barrier(6)
    results: list[bool] = []

    def one_scheduler(n: int) -> None:
        try:
            barrier.wait()
            results.extend(t.enqueued for t in run_due_jobs(TEN_PAST_NINE, jobs=(job,), claimed_by=f"m{n}"))
        finally:
            connection.close()

    threads = [threading.Thread(target=one_scheduler, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(results) == [False] * 5 + [True]
    assert len(enqueued) == 1
    assert PeriodicRun.objects.filter(job="test.concurrent").count() == 1
