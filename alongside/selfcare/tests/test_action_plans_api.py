"""/api/v1/action-plans/: scoped reads with the access log, create with the low-confidence prompt and
keep_low_confidence, review and withdraw actions; 400 saves nothing, 404 out of scope, 403 for roles that
may not write."""

from __future__ import annotations

from typing import Any

import pytest

from alongside.audit.models import AccessLogEntry
from alongside.selfcare.models import ActionPlan
from alongside.selfcare.services import ActionPlanInput, create_action_plan
from alongside.testing.api import ApiFor
from alongside.testing.groups import GroupWorld
from alongside.testing.world import World, make_contact

pytestmark = pytest.mark.django_db

PLANS = "/api/v1/action-plans/"


def body(enrollment_id: int, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "enrollment": enrollment_id,
        "what": "walk",
        "how_much": "around the block",
        "when": "after lunch",
        "days_per_week": 4,
        "confidence": 8,
    }
    data.update(overrides)
    return data


def snapshot() -> list[Any]:
    return list(ActionPlan.objects.order_by("pk").values())


def a_plan(world: World) -> ActionPlan:
    return create_action_plan(
        world.sofia.user, world.paul_enrollment, ActionPlanInput("walk", "20 minutes", "after lunch", 4, 8)
    )


def test_a_supporter_sets_a_plan_and_low_confidence_asks_to_revise_first(world: World, api: ApiFor) -> None:
    client = api(world.sofia.user)
    response = client.post(PLANS, body(world.paul_enrollment.pk, confidence=5), format="json")
    assert response.status_code == 400
    assert response.json()["confidence"][0].startswith("Confidence 5 of 10: can the plan be made smaller or easier")
    assert not ActionPlan.objects.exists()

    response = client.post(PLANS, body(world.paul_enrollment.pk, confidence=5, keep_low_confidence=True), format="json")
    assert response.status_code == 201
    data = response.json()
    assert data["low_confidence_kept"] is True and data["status"] == "active" and data["participant"] == world.paul.pk
    assert data["functions"] == ["daily_management"] and data["summary"].startswith("walk, around the block")
    assert AccessLogEntry.objects.filter(user=world.sofia.user, participant=world.paul, channel="api").exists()


def test_bad_input_is_a_400_with_field_errors_and_saves_nothing(world: World, api: ApiFor) -> None:
    a_plan(world)
    before = snapshot()
    client = api(world.sofia.user)
    response = client.post(PLANS, body(world.paul_enrollment.pk, what="", days_per_week=0), format="json")
    assert response.status_code == 400 and {"what", "days_per_week", "revises"} <= set(response.json())
    assert snapshot() == before


def test_revising_the_plan_set_today_through_the_api(world: World, api: ApiFor) -> None:
    first = a_plan(world)
    response = api(world.sofia.user).post(
        PLANS, body(world.paul_enrollment.pk, days_per_week=2, revises=first.pk), format="json"
    )
    assert response.status_code == 201 and response.json()["revises"] == first.pk
    first.refresh_from_db()
    assert first.status == "withdrawn"


def test_review_in_a_contact_then_withdraw(world: World, api: ApiFor) -> None:
    plan = a_plan(world)
    call = make_contact(world.paul_enrollment, world.sofia.user, days_ago=0)
    client = api(world.sofia.user)
    response = client.post(f"{PLANS}{plan.pk}/review/", {"outcome": "done", "contact": call.pk}, format="json")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "reviewed" and data["review_outcome"] == "done" and data["reviewed_in_contact"] == call.pk
    again = client.post(f"{PLANS}{plan.pk}/review/", {"outcome": "partly"}, format="json")
    assert again.status_code == 400 and "already reviewed" in again.json()["plan"][0]
    second = client.post(PLANS, body(world.paul_enrollment.pk), format="json").json()
    withdrawn = client.post(f"{PLANS}{second['id']}/withdraw/", {"note": "Flu"}, format="json")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"


def test_a_leader_reviews_at_the_session_through_the_api(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    ana = gw.enrollments["ana"]
    client = api(gw.lena.user)
    created = client.post(PLANS, body(ana.pk, session=gw.sessions[2].pk), format="json")
    assert created.status_code == 201 and created.json()["set_in_session"] == gw.sessions[2].pk
    plan_id = created.json()["id"]
    outside = client.post(f"{PLANS}{plan_id}/review/", {"outcome": "done"}, format="json")
    assert outside.status_code == 403  # a leader reviews at a session of their series
    reviewed = client.post(
        f"{PLANS}{plan_id}/review/", {"outcome": "not_done", "session": gw.current_session.pk}, format="json"
    )
    assert reviewed.status_code == 200 and reviewed.json()["reviewed_in_session"] == gw.current_session.pk


def test_lists_are_scoped_by_role(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    world = gw.world
    a_plan(world)
    create_action_plan(
        gw.lena.user, gw.enrollments["ana"], ActionPlanInput("stretch", "5 min", "evenings", 5, 8),
        session=gw.current_session,
    )  # fmt: skip

    def whats(user: Any, **params: Any) -> set[str]:
        response = api(user).get(PLANS, params)
        assert response.status_code == 200
        return {row["what"] for row in response.json()["results"]}

    assert whats(world.cora) == {"walk", "stretch"}
    assert whats(world.cora, participant=world.paul.pk) == {"walk"}
    assert whats(world.sofia.user) == {"walk", "stretch"}  # assigned to Paul, and co-leads Ana's workshop
    assert whats(gw.lena.user) == {"stretch"}
    assert whats(world.paul_user) == {"walk"}
    assert whats(world.sid.user) == set() and whats(world.otto) == set() and whats(world.eve) == set()


def test_out_of_scope_is_404_and_roles_that_may_not_write_get_403(world: World, api: ApiFor) -> None:
    plan = a_plan(world)
    for user in (world.otto, world.sid.user):
        assert api(user).get(f"{PLANS}{plan.pk}/").status_code == 404
        assert api(user).post(f"{PLANS}{plan.pk}/review/", {"outcome": "done"}, format="json").status_code == 404
    # An enrolment out of scope in the body reads as "no such enrolment" (400), as everywhere in the API.
    response = api(world.otto).post(PLANS, body(world.paul_enrollment.pk), format="json")
    assert response.status_code == 400 and "No enrolment with id" in response.json()["enrollment"][0]
    assert api(world.eve).post(PLANS, body(world.paul_enrollment.pk), format="json").status_code == 403
    # The clinical lead reads Paul's plans but does not set them outside a session they lead.
    assert api(world.priya).get(f"{PLANS}{plan.pk}/").status_code == 200
    assert api(world.priya).post(f"{PLANS}{plan.pk}/withdraw/", {}, format="json").status_code == 403
    assert api(world.paul_user).post(PLANS, body(world.rita_enrollment.pk), format="json").status_code == 400
    assert ActionPlan.objects.count() == 1


def test_no_edit_or_delete(world: World, api: ApiFor) -> None:
    plan = a_plan(world)
    client = api(world.cora)
    assert client.delete(f"{PLANS}{plan.pk}/").status_code == 405
    assert client.patch(f"{PLANS}{plan.pk}/", {"what": "x"}, format="json").status_code == 405
