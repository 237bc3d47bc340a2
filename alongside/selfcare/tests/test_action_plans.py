"""Action plans through the services: the low-confidence prompt and keeping a plan anyway, one active plan
per enrolment (review first, or revise the plan set today), reviews in a contact and at a session,
withdrawal, and bad input that saves nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from alongside.programs.models import EnrollmentStatus
from alongside.selfcare.models import ActionPlan, ActionPlanStatus, ReviewOutcome
from alongside.selfcare.services import (
    ActionPlanInput,
    create_action_plan,
    review_action_plan,
    withdraw_action_plan,
)
from alongside.testing.groups import GroupWorld
from alongside.testing.world import World, make_contact


def plan_input(**overrides: Any) -> ActionPlanInput:
    data: dict[str, Any] = {
        "what": "walk",
        "how_much": "around the block",
        "when": "after lunch",
        "days_per_week": 4,
        "confidence": 8,
    }
    return ActionPlanInput(**{**data, **overrides})


def snapshot() -> list[Any]:
    return list(ActionPlan.objects.order_by("pk").values())


def test_a_plan_with_confidence_below_7_is_refused_with_the_revise_prompt_and_nothing_is_saved(world: World) -> None:
    with pytest.raises(ValidationError) as error:
        create_action_plan(world.sofia.user, world.paul_enrollment, plan_input(confidence=5))
    message = error.value.message_dict["confidence"][0]
    assert message.startswith("Confidence 5 of 10: can the plan be made smaller or easier so you're at least 7 sure?")
    assert not ActionPlan.objects.exists()


def test_the_person_may_keep_a_low_confidence_plan_and_that_is_recorded(world: World) -> None:
    plan = create_action_plan(
        world.sofia.user, world.paul_enrollment, plan_input(confidence=5), keep_low_confidence=True
    )
    assert plan.status == ActionPlanStatus.ACTIVE and plan.low_confidence_kept and plan.confidence == 5
    assert plan.participant == world.paul and plan.created_by == world.sofia.user


def test_a_plan_at_confidence_7_is_saved_without_asking(world: World) -> None:
    plan = create_action_plan(world.sofia.user, world.paul_enrollment, plan_input(confidence=7))
    assert not plan.low_confidence_kept
    assert plan.summary == "walk, around the block, after lunch, 4 days a week"


def test_keeping_a_plan_with_enough_confidence_is_not_marked_as_low(world: World) -> None:
    plan = create_action_plan(world.sofia.user, world.paul_enrollment, plan_input(), keep_low_confidence=True)
    assert not plan.low_confidence_kept


def test_every_problem_is_reported_at_once_and_nothing_is_saved(world: World) -> None:
    with pytest.raises(ValidationError) as error:
        create_action_plan(
            world.sofia.user, world.paul_enrollment, plan_input(what=" ", when="", days_per_week=9, confidence=11)
        )
    errors = error.value.message_dict
    assert set(errors) == {"what", "when", "days_per_week", "confidence"}
    assert "from 1 to 7 days a week" in errors["days_per_week"][0]
    assert not ActionPlan.objects.exists()


def test_a_new_plan_needs_the_active_one_reviewed_first(world: World) -> None:
    create_action_plan(world.sofia.user, world.paul_enrollment, plan_input())
    before = snapshot()
    with pytest.raises(ValidationError) as error:
        create_action_plan(world.sofia.user, world.paul_enrollment, plan_input(what="swim"))
    assert "already has an active plan (walk, around the block" in error.value.message_dict["revises"][0]
    assert snapshot() == before


def test_revising_replaces_the_plan_set_today_and_withdraws_it(world: World) -> None:
    hard = create_action_plan(
        world.sofia.user, world.paul_enrollment, plan_input(days_per_week=7, confidence=4), keep_low_confidence=True
    )
    easier = create_action_plan(world.sofia.user, world.paul_enrollment, plan_input(days_per_week=3), revises=hard)
    hard.refresh_from_db()
    assert hard.status == ActionPlanStatus.WITHDRAWN and hard.review_outcome == ""
    assert hard.reviewed_by == world.sofia.user and hard.reviewed_at is not None
    assert easier.revises == hard and easier.status == ActionPlanStatus.ACTIVE
    assert list(ActionPlan.objects.filter(status=ActionPlanStatus.ACTIVE)) == [easier]


def test_a_plan_from_an_earlier_day_is_reviewed_not_revised(world: World) -> None:
    old = create_action_plan(world.sofia.user, world.paul_enrollment, plan_input())
    ActionPlan.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    old.refresh_from_db()
    before = snapshot()
    with pytest.raises(ValidationError) as error:
        create_action_plan(world.sofia.user, world.paul_enrollment, plan_input(what="swim"), revises=old)
    assert "is reviewed (done, partly or not done), not revised" in error.value.message_dict["revises"][0]
    assert snapshot() == before


def test_only_the_active_plan_can_be_revised(world: World) -> None:
    first = create_action_plan(world.sofia.user, world.paul_enrollment, plan_input())
    review_action_plan(world.sofia.user, first, ReviewOutcome.DONE)
    with pytest.raises(ValidationError, match="Only the current active plan"):
        create_action_plan(world.sofia.user, world.paul_enrollment, plan_input(), revises=first)


def test_a_supporter_reviews_the_plan_in_a_contact_and_sets_the_next(world: World) -> None:
    first = create_action_plan(world.sofia.user, world.paul_enrollment, plan_input())
    call = make_contact(world.paul_enrollment, world.sofia.user, days_ago=0, functions=("daily_management",))
    reviewed = review_action_plan(world.sofia.user, first, ReviewOutcome.PARTLY, "Rain on two days", contact=call)
    assert reviewed.status == ActionPlanStatus.REVIEWED and reviewed.review_outcome == ReviewOutcome.PARTLY
    assert reviewed.reviewed_in_contact == call and reviewed.review_note == "Rain on two days"
    assert reviewed.reviewed_by == world.sofia.user
    nxt = create_action_plan(world.sofia.user, world.paul_enrollment, plan_input(days_per_week=3), contact=call)
    assert nxt.set_in_contact == call and nxt.revises is None


def test_a_contact_with_another_enrolment_is_refused(world: World) -> None:
    other = make_contact(world.rita_enrollment, world.sid.user, days_ago=0)
    with pytest.raises(ValidationError) as error:
        create_action_plan(world.cora, world.paul_enrollment, plan_input(), contact=other)
    assert "another enrolment" in error.value.message_dict["contact"][0]
    assert not ActionPlan.objects.exists()


def test_a_leader_reviews_and_sets_plans_at_the_session(group_world: GroupWorld) -> None:
    gw = group_world
    lena, session = gw.lena.user, gw.current_session
    earlier = gw.sessions[2]
    ana = gw.enrollments["ana"]
    first = create_action_plan(lena, ana, plan_input(), session=earlier)
    assert first.set_in_session == earlier
    review_action_plan(lena, first, ReviewOutcome.NOT_DONE, session=session)
    first.refresh_from_db()
    assert first.reviewed_in_session == session and first.review_outcome == ReviewOutcome.NOT_DONE
    second = create_action_plan(lena, ana, plan_input(how_much="10 minutes"), session=session)
    assert second.set_in_session == session


def test_a_leader_cannot_set_plans_outside_their_sessions(group_world: GroupWorld) -> None:
    gw = group_world
    with pytest.raises(PermissionDenied):
        create_action_plan(gw.lena.user, gw.enrollments["ana"], plan_input())
    with pytest.raises(PermissionDenied):
        create_action_plan(gw.lena.user, gw.world.rita_enrollment, plan_input(), session=gw.current_session)
    assert not ActionPlan.objects.exists()


def test_someone_not_on_the_roster_cannot_get_a_plan_at_the_session(group_world: GroupWorld) -> None:
    gw = group_world
    with pytest.raises(ValidationError) as error:
        create_action_plan(gw.world.cora, gw.world.rita_enrollment, plan_input(), session=gw.current_session)
    assert "not on the roster" in error.value.message_dict["session"][0]


def test_a_cancelled_session_takes_no_plans(group_world: GroupWorld) -> None:
    gw = group_world
    session = gw.sessions[4]
    session.status = "cancelled"
    session.save()
    with pytest.raises(ValidationError, match="cancelled"):
        create_action_plan(gw.world.cora, gw.enrollments["ana"], plan_input(), session=session)


def test_reviewing_twice_or_a_withdrawn_plan_is_refused(world: World) -> None:
    plan = create_action_plan(world.sofia.user, world.paul_enrollment, plan_input())
    review_action_plan(world.sofia.user, plan, ReviewOutcome.DONE)
    with pytest.raises(ValidationError, match="already reviewed"):
        review_action_plan(world.sofia.user, plan, ReviewOutcome.NOT_DONE)
    plan.refresh_from_db()
    assert plan.review_outcome == ReviewOutcome.DONE
    other = create_action_plan(world.sofia.user, world.paul_enrollment, plan_input())
    withdraw_action_plan(world.sofia.user, other, "In hospital this week")
    with pytest.raises(ValidationError, match="withdrawn"):
        review_action_plan(world.sofia.user, other, ReviewOutcome.DONE)


def test_an_unknown_outcome_is_refused_and_the_plan_stays_active(world: World) -> None:
    plan = create_action_plan(world.sofia.user, world.paul_enrollment, plan_input())
    with pytest.raises(ValidationError) as error:
        review_action_plan(world.sofia.user, plan, "great")
    assert "outcome" in error.value.message_dict
    plan.refresh_from_db()
    assert plan.status == ActionPlanStatus.ACTIVE


def test_withdrawing_closes_the_plan_without_a_review(world: World) -> None:
    plan = create_action_plan(world.sofia.user, world.paul_enrollment, plan_input())
    withdraw_action_plan(world.cora, plan, "Changed programs")
    plan.refresh_from_db()
    assert plan.status == ActionPlanStatus.WITHDRAWN and plan.review_outcome == ""
    assert plan.review_note == "Changed programs" and plan.reviewed_by == world.cora
    create_action_plan(world.sofia.user, world.paul_enrollment, plan_input())  # a new one is allowed now


def test_the_participant_sets_and_reviews_their_own_plan(world: World) -> None:
    plan = create_action_plan(world.paul_user, world.paul_enrollment, plan_input())
    assert plan.created_by == world.paul_user
    review_action_plan(world.paul_user, plan, ReviewOutcome.DONE)
    with pytest.raises(PermissionDenied):
        create_action_plan(world.paul_user, world.rita_enrollment, plan_input())


def test_plans_are_closed_when_the_enrolment_is(world: World) -> None:
    world.paul_enrollment.status = EnrollmentStatus.COMPLETED
    world.paul_enrollment.save()
    with pytest.raises(ValidationError) as error:
        create_action_plan(world.cora, world.paul_enrollment, plan_input())
    assert "completed" in error.value.message_dict["enrollment"][0]
