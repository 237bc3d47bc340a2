"""Plans set and reviewed, and readings recorded, on the participant's one timeline: scoped by the viewer,
with the daily-management badge on plans (which add nothing to coverage by themselves) and the concern
tier on readings for staff only."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from alongside.contacts.queries import function_coverage
from alongside.people.timeline import source_names, timeline_for
from alongside.programs.models import Program
from alongside.selfcare.services import ActionPlanInput, create_action_plan, record_measurement, review_action_plan
from alongside.testing.groups import GroupWorld
from alongside.testing.world import PASSWORD, World

pytestmark = pytest.mark.django_db


def test_the_sources_are_registered() -> None:
    assert {"action_plans_set", "action_plans_reviewed", "measurements"} <= set(source_names())


def test_plan_set_reviewed_and_reading_appear_newest_first_with_their_details(world: World, client: Client) -> None:
    plan = create_action_plan(
        world.sofia.user, world.paul_enrollment, ActionPlanInput("walk", "20 minutes", "after lunch", 7, 6),
        keep_low_confidence=True,
    )  # fmt: skip
    review_action_plan(world.sofia.user, plan, "partly", "Two days missed")
    record_measurement(world.sofia.user, world.paul, world.paul_enrollment, "blood_pressure", 205, 118, unit="mmHg")

    events = [e for e in timeline_for(world.paul, world.sofia.user) if e.kind.startswith(("action_plan", "measure"))]
    assert [e.kind for e in events] == ["measurement", "action_plan_reviewed", "action_plan_set"]
    assert events[1].functions == ["daily_management"] and events[2].functions == ["daily_management"]

    client.login(username=world.sofia.user.username, password=PASSWORD)
    page = client.get(reverse("people:participant", args=[world.paul.pk])).content.decode()
    timeline = page.split('aria-label="Timeline, newest first"', 1)[1]
    assert "Action plan set · confidence 6 of 10" in timeline and "walk, 20 minutes, after lunch, every day" in timeline
    assert "kept with low confidence" in timeline
    assert "Action plan reviewed · Partly done" in timeline and "Two days missed" in timeline
    assert "Blood pressure 205/118 mmHg" in timeline and "Emergency (same day) concern" in timeline
    assert timeline.count('badge fn-daily_management">Daily management') == 2


def test_the_participant_sees_their_plans_and_readings_but_not_the_concern(world: World, client: Client) -> None:
    create_action_plan(world.paul_user, world.paul_enrollment, ActionPlanInput("swim", "once", "Saturday", 1, 9))
    record_measurement(world.sofia.user, world.paul, world.paul_enrollment, "glucose", "45", unit="mg/dL")
    kinds = {e.kind for e in timeline_for(world.paul, world.paul_user)}
    assert {"action_plan_set", "measurement_for_participant"} <= kinds and "measurement" not in kinds
    client.login(username=world.paul_user.username, password=PASSWORD)
    page = client.get(reverse("people:me")).content.decode()
    assert "Blood glucose 45 mg/dL" in page and "Action plan set · confidence 9 of 10" in page
    assert "concern" not in page.lower()


def test_others_see_only_what_their_scope_allows(group_world: GroupWorld) -> None:
    gw = group_world
    world = gw.world
    create_action_plan(world.sofia.user, world.paul_enrollment, ActionPlanInput("walk", "a bit", "mornings", 3, 8))
    group_plan = create_action_plan(
        gw.lena.user, gw.enrollments["paul"], ActionPlanInput("stretch", "5 min", "evenings", 5, 8),
        session=gw.current_session,
    )  # fmt: skip

    def plans_seen_by(user: object) -> set[str]:
        return {e.obj.what for e in timeline_for(world.paul, user) if e.kind == "action_plan_set"}  # type: ignore[arg-type]

    assert plans_seen_by(world.cora) == {"walk", "stretch"}
    assert plans_seen_by(gw.lena.user) == {"stretch"}  # the leader: the group program's enrolment only
    assert plans_seen_by(world.sid.user) == set() and plans_seen_by(world.otto) == set()
    assert plans_seen_by(world.eve) == set()
    assert group_plan.set_in_session == gw.current_session


def test_plans_add_nothing_to_function_coverage_by_themselves(world: World) -> None:
    create_action_plan(world.sofia.user, world.paul_enrollment, ActionPlanInput("walk", "a bit", "mornings", 3, 8))
    coverage = function_coverage(Program.objects.filter(pk=world.telephone.pk), 30)[world.telephone.pk]
    assert coverage.by_function["daily_management"] == 0
