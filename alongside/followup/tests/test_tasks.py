"""The follow-up engine's background tasks and `manage.py recompute_follow_ups`: they rebuild the state
from the data, report what they wrote, and a second run writes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django_tasks import TaskResultStatus

from alongside.followup.models import FollowUpState
from alongside.followup.tasks import recompute_follow_ups, refresh_follow_ups
from alongside.programs.models import Enrollment, EnrollmentStatus
from alongside.taxonomy import Outcome
from alongside.testing.world import World, make_contact

pytestmark = pytest.mark.django_db


def test_the_recompute_task_builds_every_state_and_reports_counts(world: World) -> None:
    make_contact(world.paul_enrollment, world.sofia.user, days_ago=3)
    FollowUpState.objects.all().delete()  # as if the incremental updates had been missed
    Enrollment.objects.filter(pk=world.rita_enrollment.pk).update(status=EnrollmentStatus.PAUSED)

    result = recompute_follow_ups.enqueue()

    assert result.status == TaskResultStatus.SUCCESSFUL
    states = {s.enrollment_id: s for s in FollowUpState.objects.all()}
    assert set(states) == {world.paul_enrollment.pk}
    paul = states[world.paul_enrollment.pk]
    assert paul.last_reached_on == world.paul_enrollment.contacts.get().occurred_on
    assert result.return_value is not None
    assert (result.return_value["written"], result.return_value["deleted"]) == (1, 0)
    assert result.return_value["seconds"] >= 0


def test_a_second_recompute_with_no_new_data_writes_nothing(world: World) -> None:
    first = recompute_follow_ups.enqueue().return_value
    second = recompute_follow_ups.enqueue().return_value

    assert first is not None and second is not None
    assert first["written"] == FollowUpState.objects.count() == 2
    assert (second["written"], second["deleted"]) == (0, 0)


def test_the_recompute_deletes_states_of_enrolments_that_left_active_support(world: World) -> None:
    recompute_follow_ups.enqueue()
    Enrollment.objects.filter(pk=world.paul_enrollment.pk).update(status=EnrollmentStatus.WITHDRAWN)

    summary = recompute_follow_ups.enqueue().return_value

    assert summary is not None and (summary["written"], summary["deleted"]) == (0, 1)
    assert list(FollowUpState.objects.values_list("enrollment_id", flat=True)) == [world.rita_enrollment.pk]


def test_the_refresh_task_touches_only_the_enrolments_it_is_given(world: World) -> None:
    FollowUpState.objects.all().delete()
    make_contact(world.rita_enrollment, world.sid.user, days_ago=2, outcome=Outcome.NO_ANSWER)

    result = refresh_follow_ups.enqueue([world.rita_enrollment.pk])

    assert result.status == TaskResultStatus.SUCCESSFUL
    state = FollowUpState.objects.get()
    assert (state.enrollment_id, state.failed_attempts) == (world.rita_enrollment.pk, 1)
    assert result.return_value is not None and result.return_value["written"] == 1


def test_the_refresh_task_with_no_enrolments_does_nothing(world: World) -> None:
    FollowUpState.objects.all().delete()

    summary = refresh_follow_ups.enqueue([]).return_value

    assert summary is not None and (summary["written"], summary["deleted"]) == (0, 0)
    assert not FollowUpState.objects.exists()


def test_the_command_recomputes_now_and_says_what_it_did(world: World) -> None:
    FollowUpState.objects.all().delete()
    out = StringIO()

    call_command("recompute_follow_ups", stdout=out)

    assert FollowUpState.objects.count() == 2
    assert "2 rows written, 0 deleted, 2 enrolments in active support" in out.getvalue()
    assert " s: " in out.getvalue()

    out = StringIO()
    call_command("recompute_follow_ups", stdout=out)
    assert "0 rows written, 0 deleted, 2 enrolments in active support" in out.getvalue()
