"""The closed loop end to end: Sofia refers Paul (telephone program) to Priya on the referral page; Priya
accepts from her inbox and completes through the API; every step is on Paul's timeline and the referral
counts in the program's linkage coverage. And a referral nobody answers stalls onto Sofia's Today list (page
and API) and to the top of the coordinators' referrals page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alongside.contacts.queries import function_coverage
from alongside.followup import engine
from alongside.linkage.models import Referral
from alongside.linkage.tests.referral_helpers import age
from alongside.programs.models import Program
from alongside.testing.api import ApiFor
from alongside.testing.world import World

pytestmark = pytest.mark.django_db


def linkage_coverage(world: World) -> int:
    coverage = function_coverage(Program.objects.filter(pk=world.telephone.pk), days=30)
    return coverage[world.telephone.pk].by_function["linkage"] if world.telephone.pk in coverage else 0


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_referral_goes_round_the_full_loop(world: World, api: ApiFor) -> None:
    assert linkage_coverage(world) == 0
    sofia = client_for(world.sofia.user)
    made = sofia.post(
        reverse("linkage:referral_new", args=[world.paul.pk]),
        {
            "enrollment": world.paul_enrollment.pk,
            "kind": "clinical",
            "to_professional": world.priya.pk,
            "reason": "Numb feet for two weeks; wants a foot check.",
            "urgency": "soon",
            "consent_to_share": "on",
            "shared_items": ["name_and_contact", "conditions", "reason"],
            "action": "send",
        },
    )
    referral = Referral.objects.get()
    assert made.status_code == 302 and referral.status == "sent" and referral.created_by == world.sofia.user
    assert linkage_coverage(world) == 1  # a sent referral delivers the linkage function

    priya = client_for(world.priya)
    inbox = priya.get(reverse("linkage:referrals_to_me"))
    assert [r for r, _, _ in inbox.context["waiting"]] == [referral]
    assert "Paul Okafor" in inbox.content.decode() and "Numb feet" in inbox.content.decode()
    accepted = priya.post(
        reverse("linkage:referral_status", args=[referral.pk]),
        {"status": "accepted", "note": "Can see him Thursday", "next": reverse("linkage:referrals_to_me")},
    )
    assert accepted.status_code == 302
    when = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    status = f"/api/v1/referrals/{referral.pk}/status/"
    booked = api(world.priya).post(status, {"status": "scheduled", "appointment_at": when.isoformat()}, format="json")
    assert booked.status_code == 200
    done = api(world.priya).post(status, {"status": "completed", "note": "Foot exam done"}, format="json").json()
    assert done["status"] == "completed" and done["next_statuses"] == [] and not done["is_open"]
    assert [(e["to_status"], e["changed_by"]) for e in done["events"]] == [
        ("draft", world.sofia.user.pk),
        ("sent", world.sofia.user.pk),
        ("accepted", world.priya.pk),
        ("scheduled", world.priya.pk),
        ("completed", world.priya.pk),
    ]

    page = sofia.get(reverse("people:participant", args=[world.paul.pk])).content.decode()
    timeline = page.split('aria-label="Timeline, newest first"', 1)[1]
    for step in (
        "Clinical care referral made",
        "Referral sent",
        "Referral accepted",
        "Referral appointment scheduled",
        "Referral completed",
    ):
        assert step in timeline, step
    assert timeline.index("Referral completed") < timeline.index("Clinical care referral made")  # newest first
    assert "Foot exam done" in timeline
    own = client_for(world.paul_user).get(reverse("people:me")).content.decode()
    assert "Referral completed" in own and "Foot exam done" not in own
    assert linkage_coverage(world) == 1  # still one person given linkage, however many steps


def test_an_unanswered_referral_stalls_onto_the_supporters_list_and_the_coordinators_page(
    world: World, api: ApiFor
) -> None:
    made = api(world.sofia.user).post(
        "/api/v1/referrals/",
        {
            "enrollment": world.paul_enrollment.pk,
            "kind": "community",
            "to_name": "Eastside Food Bank",
            "reason": "Runs out of food at the end of the month",
            "consent_to_share": True,
            "shared_items": ["name_and_contact"],
        },
        format="json",
    )
    referral = age(Referral.objects.get(pk=made.json()["id"]), days=16)
    engine.refresh([world.paul_enrollment.pk])
    detail = "Referral to Eastside Food Bank sent 16 days ago, no reply"

    lines = api(world.sofia.user).get("/api/v1/worklist/").json()
    paul = next(line for line in lines if line["participant"] == world.paul.pk)
    assert {"code": "referral_stalled", "label": "Referral stalled", "detail": detail} in paul["reasons"]

    today = client_for(world.sofia.user).get(reverse("followup:today")).content.decode()
    assert "Referral stalled" in today and detail in today

    coordinator = client_for(world.cora).get(reverse("linkage:referrals"))
    assert [(r.pk, why) for r, why, _ in coordinator.context["lines"]] == [(referral.pk, detail)]
    assert "Stalled · Sent" in coordinator.content.decode()
