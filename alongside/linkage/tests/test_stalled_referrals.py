"""Stalled referrals: an open referral with no progress within its program's window puts a follow-up on the
supporter's Today list ("Referral stalled") and is flagged, stalled first, on the coordinators' referrals
page. The SQL rule agrees with the Python one, per program, and the list costs no extra query."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alongside.followup import engine
from alongside.followup.worklist import REASONS, line_for_state, worklist
from alongside.linkage.models import Referral, ReferralSettings
from alongside.linkage.referral_stalls import StallRules, is_stalled
from alongside.linkage.services import change_status
from alongside.linkage.tests.referral_helpers import age, food_bank, refer_paul_to_priya
from alongside.testing.api import ApiFor
from alongside.testing.world import World, make_enrollment, make_participant

pytestmark = pytest.mark.django_db

PRIYA = "Priya professional"  # the world's naming: first and last name from the username


def paul_line(world: World):
    engine.refresh([world.paul_enrollment.pk])
    return next((line for line in worklist(world.sofia.user) if line.participant == world.paul), None)


def stalled_reason(world: World) -> str | None:
    line = paul_line(world)
    if line is None:
        return None
    return next((r.detail for r in line.reasons if r.code == "referral_stalled"), None)


def test_a_referral_sent_16_days_ago_with_no_reply_is_on_the_supporters_list(world: World) -> None:
    age(refer_paul_to_priya(world), days=16)
    assert stalled_reason(world) == f"Referral to {PRIYA} sent 16 days ago, no reply"


def test_a_fresh_referral_is_not_stalled_and_nor_is_a_closed_one(world: World) -> None:
    referral = age(refer_paul_to_priya(world), days=13)
    assert stalled_reason(world) is None
    age(referral, days=15)
    assert stalled_reason(world) is not None
    change_status(world.priya, referral, "declined")
    age(referral, days=30)
    assert stalled_reason(world) is None


def test_the_reason_ranks_after_promised_follow_ups_and_before_retries(world: World) -> None:
    order = list(REASONS)
    assert order.index("promised") < order.index("referral_stalled") < order.index("retry")
    assert REASONS["promised"][0] <= REASONS["referral_stalled"][0] <= REASONS["retry"][0]
    age(refer_paul_to_priya(world), days=20)
    line = paul_line(world)
    assert line is not None and line.priority <= REASONS["referral_stalled"][0]


def test_urgent_referrals_stall_after_two_days(world: World) -> None:
    referral = age(refer_paul_to_priya(world, urgency="urgent"), days=1)
    assert stalled_reason(world) is None
    age(referral, days=3)
    assert stalled_reason(world) == f"Referral to {PRIYA} sent 3 days ago, no reply"


def test_each_program_sets_its_own_windows(world: World) -> None:
    ReferralSettings.objects.create(program=world.telephone, stall_after_days=5, urgent_stall_after_days=1)
    age(refer_paul_to_priya(world), days=6)
    assert stalled_reason(world) == f"Referral to {PRIYA} sent 6 days ago, no reply"


def test_an_appointment_ahead_keeps_a_booked_referral_from_stalling(world: World) -> None:
    referral = refer_paul_to_priya(world)
    change_status(world.priya, referral, "accepted")
    change_status(world.priya, referral, "scheduled", appointment_at=timezone.now() + timedelta(days=3))
    Referral.objects.filter(pk=referral.pk).update(status_changed_at=timezone.now() - timedelta(days=40))
    assert stalled_reason(world) is None
    Referral.objects.filter(pk=referral.pk).update(appointment_at=timezone.now() - timedelta(days=15))
    assert stalled_reason(world) == f"Referral to {PRIYA}: appointment 15 days ago, no outcome recorded"


def test_the_oldest_stalled_referral_is_named_with_its_state(world: World) -> None:
    age(refer_paul_to_priya(world, send=False), days=20)
    age(refer_paul_to_priya(world, to_professional=None, kind="community", service=food_bank(world)), days=30)
    assert stalled_reason(world) == "Referral to Eastside Food Bank sent 30 days ago, no reply"


def test_the_sql_rule_agrees_with_the_python_rule_on_random_referrals(world: World) -> None:
    rng = random.Random(5)
    ReferralSettings.objects.create(program=world.coaching, stall_after_days=7, urgent_stall_after_days=3)
    now = timezone.now()
    for i in range(60):
        enrollment = world.paul_enrollment if i % 2 else world.rita_enrollment
        Referral.objects.create(
            participant=enrollment.participant,
            enrollment=enrollment,
            kind="community",
            to_name=f"Service {i}",
            reason="r",
            urgency=rng.choice(["routine", "soon", "urgent"]),
            consent_to_share=True,
            status=rng.choice(["draft", "sent", "accepted", "scheduled", "no_show", "completed", "cancelled"]),
            status_changed_at=now - timedelta(days=rng.uniform(0, 30)),
            appointment_at=now + timedelta(days=rng.uniform(-30, 10)) if rng.random() < 0.4 else None,
            created_by=world.cora,
            created_at=now - timedelta(days=31),
        )
    rules = StallRules.load([world.telephone.pk, world.coaching.pk])
    in_sql = set(Referral.objects.filter(rules.condition(now)).values_list("pk", flat=True))
    in_python = {
        r.pk
        for r in Referral.objects.select_related("enrollment")
        if is_stalled(r.status, r.urgency, r.status_changed_at, r.appointment_at, rules[r.enrollment.program_id], now)
    }
    assert in_sql == in_python and 5 < len(in_sql) < 55


def test_the_worklist_costs_the_same_queries_with_stalled_referrals(world: World) -> None:
    for i in range(5):
        participant = make_participant(world.org, f"Extra{i}")
        make_enrollment(world.cora, participant, world.telephone, [world.sofia])
    engine.recompute_all()

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            worklist(world.sofia.user)
        return len(captured)

    before = queries()
    age(refer_paul_to_priya(world), days=20)
    ReferralSettings.objects.create(program=world.coaching, stall_after_days=3, urgent_stall_after_days=1)
    assert queries() == before == 3


def test_the_reason_filter_and_the_call_screen_line_show_it(world: World) -> None:
    age(refer_paul_to_priya(world), days=16)
    engine.refresh([world.paul_enrollment.pk])
    only = worklist(world.sofia.user, reason="referral_stalled")
    assert [line.participant for line in only] == [world.paul]
    line = line_for_state(world.paul_enrollment.follow_up)
    assert line is not None and "referral_stalled" in line.reason_codes


def test_it_surfaces_in_the_worklist_api_and_the_today_page(world: World, api: ApiFor, client: Client) -> None:
    age(refer_paul_to_priya(world), days=16)
    engine.refresh([world.paul_enrollment.pk])
    body = api(world.sofia.user).get("/api/v1/worklist/", {"reason": "referral_stalled"}).json()
    assert [line["participant_name"] for line in body] == ["Paul Okafor"]
    reason = next(r for r in body[0]["reasons"] if r["code"] == "referral_stalled")
    assert reason == {
        "code": "referral_stalled",
        "label": "Referral stalled",
        "detail": f"Referral to {PRIYA} sent 16 days ago, no reply",
    }
    client.force_login(world.sofia.user)
    page = client.get(reverse("followup:today")).content.decode()
    assert "Referral stalled" in page and f"Referral to {PRIYA} sent 16 days ago, no reply" in page


def test_the_coordinators_page_puts_stalled_referrals_first(world: World, client: Client) -> None:
    fresh = refer_paul_to_priya(world, to_professional=None, to_name="Fresh Clinic")
    stalled = age(refer_paul_to_priya(world, to_professional=None, to_name="Slow Clinic"), days=20)
    client.force_login(world.cora)
    response = client.get(reverse("linkage:referrals"))
    page = response.content.decode()
    assert page.index("Slow Clinic") < page.index("Fresh Clinic")
    assert "Referral to Slow Clinic sent 20 days ago, no reply" in page
    assert [r.pk for r, _, _ in response.context["lines"]] == [stalled.pk, fresh.pk]
    assert response.context["counts"]["stalled"] == 1
    only = client.get(reverse("linkage:referrals"), {"stalled": "on"})
    assert [r.pk for r, _, _ in only.context["lines"]] == [stalled.pk]
    other_program = client.get(reverse("linkage:referrals"), {"program": world.coaching.pk})
    assert other_program.context["lines"] == []
