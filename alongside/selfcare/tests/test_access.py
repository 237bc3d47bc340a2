"""Who sees and writes action plans and readings, by role: organization-wide roles, the assigned supporter
and not another one, the series' leaders (their group's enrolments only, and writing only at a session),
the clinical lead (reads, records readings, sets no plans), the participant (their own), the evaluator
(nothing) and otto from another organization (nothing)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from alongside.accounts.models import User
from alongside.selfcare.access import (
    can_record_measurement,
    can_write_plan,
    measurements_visible_to,
    plans_visible_to,
)
from alongside.selfcare.services import ActionPlanInput, create_action_plan, record_measurement
from alongside.testing.groups import GroupWorld
from alongside.testing.world import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(group_world: GroupWorld) -> GroupWorld:
    """Paul has a plan and a reading in the telephone program (Sofia's) and a plan in the workshop (Lena's)."""
    gw = group_world
    world = gw.world
    create_action_plan(world.sofia.user, world.paul_enrollment, ActionPlanInput("walk", "a bit", "mornings", 3, 8))
    record_measurement(world.sofia.user, world.paul, world.paul_enrollment, "weight", "90", unit="kg")
    create_action_plan(
        gw.lena.user, gw.enrollments["paul"], ActionPlanInput("stretch", "5 min", "evenings", 5, 8),
        session=gw.current_session,
    )  # fmt: skip
    return gw


def users(gw: GroupWorld) -> dict[str, User]:
    w = gw.world
    return {
        "ada": w.ada,
        "cora": w.cora,
        "sam": w.sam,
        "priya": w.priya,
        "eve": w.eve,
        "otto": w.otto,
        "sofia": w.sofia.user,
        "sid": w.sid.user,
        "lena": gw.lena.user,
        "paul": w.paul_user,
    }


EXPECTED_PLANS = {
    "ada": {"walk", "stretch"},
    "cora": {"walk", "stretch"},
    "sam": {"walk", "stretch"},
    "priya": {"walk", "stretch"},  # clinical lead of both programs
    "sofia": {"walk", "stretch"},  # assigned to Paul on the phone, co-leads the workshop
    "lena": {"stretch"},  # leads the workshop: the group program's enrolment only
    "paul": {"walk", "stretch"},
    "sid": set(),  # a supporter not assigned to Paul
    "eve": set(),
    "otto": set(),
}


def test_each_role_sees_the_plans_and_readings_its_scope_allows(records: GroupWorld) -> None:
    for name, user in users(records).items():
        assert {p.what for p in plans_visible_to(user)} == EXPECTED_PLANS[name], name
        sees_reading = measurements_visible_to(user).exists()
        assert sees_reading == (name not in ("lena", "sid", "eve", "otto")), name


def test_who_may_write_plans_and_record_readings(records: GroupWorld) -> None:
    gw = records
    phone, group = gw.world.paul_enrollment, gw.enrollments["paul"]
    session = gw.current_session
    u = users(gw)
    may_write_phone = {n for n, user in u.items() if can_write_plan(user, phone)}
    assert may_write_phone == {"ada", "cora", "sam", "sofia", "paul"}
    may_write_group = {n for n, user in u.items() if can_write_plan(user, group)}
    assert may_write_group == {"ada", "cora", "sam", "paul"}  # leaders only at a session
    at_session = {n for n, user in u.items() if can_write_plan(user, group, session)}
    assert at_session == {"ada", "cora", "sam", "paul", "lena", "sofia"}
    may_record_phone = {n for n, user in u.items() if can_record_measurement(user, phone)}
    assert may_record_phone == {"ada", "cora", "sam", "sofia", "priya"}
    may_record_at_session = {n for n, user in u.items() if can_record_measurement(user, group, session)}
    assert may_record_at_session == {"ada", "cora", "sam", "priya", "lena", "sofia"}


@pytest.mark.parametrize(
    ("name", "plans", "readings", "new_plan"),
    [
        ("cora", 200, 200, 200),
        ("sam", 200, 200, 200),
        ("ada", 200, 200, 200),
        ("sofia", 200, 200, 200),
        ("paul", 200, 200, 200),
        ("priya", 200, 200, 404),
        ("lena", 200, 200, 404),  # sees Paul's group enrolment, not his telephone one
        ("sid", 404, 404, 404),
        ("eve", 404, 404, 404),
        ("otto", 404, 404, 404),
    ],
)
def test_pages_answer_404_out_of_scope(
    records: GroupWorld, client: Client, name: str, plans: int, readings: int, new_plan: int
) -> None:
    gw = records
    user = users(gw)[name]
    assert client.login(username=user.username, password=PASSWORD)
    paul = gw.world.paul
    assert client.get(reverse("selfcare:participant_plans", args=[paul.pk])).status_code == plans
    assert client.get(reverse("selfcare:participant_measurements", args=[paul.pk])).status_code == readings
    new = reverse("selfcare:new_plan", args=[gw.world.paul_enrollment.pk])
    assert client.get(new).status_code == new_plan
    plan = plans_visible_to(gw.world.cora).get(what="walk")
    review = client.get(reverse("selfcare:review_plan", args=[plan.pk])).status_code
    assert review == new_plan


def test_a_leader_sees_only_the_group_programs_plans_on_the_persons_page(records: GroupWorld, client: Client) -> None:
    gw = records
    assert client.login(username=gw.lena.user.username, password=PASSWORD)
    page = client.get(reverse("selfcare:participant_plans", args=[gw.world.paul.pk])).content.decode()
    assert "stretch" in page and gw.program.name in page
    assert "walk" not in page and "Telephone Peer Support" not in page
    readings = client.get(reverse("selfcare:participant_measurements", args=[gw.world.paul.pk])).content.decode()
    assert "90 kg" not in readings and "Record readings" not in readings
