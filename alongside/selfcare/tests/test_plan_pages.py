"""Action plan pages: the low-confidence prompt in the form (nothing typed lost, "Keep this plan as it
is"), review then next plan from a contact, the session page with one-tap reviews and a plan form per
person, the participant's own plans from My record, and the links on the call screen and the
participant page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from alongside.accounts.models import User
from alongside.audit.models import AccessLogEntry
from alongside.selfcare.models import ActionPlan, ActionPlanStatus, ReviewOutcome
from alongside.selfcare.services import ActionPlanInput, create_action_plan
from alongside.testing.groups import GroupWorld
from alongside.testing.world import PASSWORD, World, make_contact

pytestmark = pytest.mark.django_db


def login(client: Client, user: User) -> Client:
    assert client.login(username=user.username, password=PASSWORD)
    return client


def form_data(prefix: str = "", **overrides: Any) -> dict[str, Any]:
    data = {"what": "walk", "how_much": "around the block", "when": "after lunch", "days_per_week": "4"}
    data["confidence"] = "8"
    data.update(overrides)
    return {(f"{prefix}-{k}" if prefix else k): v for k, v in data.items()}


def a_plan(world: World, **overrides: Any) -> ActionPlan:
    fields: dict[str, Any] = {"what": "walk", "how_much": "20 minutes", "when": "after lunch", "days_per_week": 4}
    fields["confidence"] = 8
    return create_action_plan(world.sofia.user, world.paul_enrollment, ActionPlanInput(**{**fields, **overrides}))


def test_low_confidence_shows_the_prompt_keeps_what_was_typed_and_offers_to_keep_it(
    world: World, client: Client
) -> None:
    login(client, world.sofia.user)
    url = reverse("selfcare:new_plan", args=[world.paul_enrollment.pk])
    page = client.get(url).content.decode()
    assert "Keep this plan as it is" not in page and 'name="confidence"' in page

    response = client.post(url, form_data(what="walk to the park", confidence="5"))
    page = response.content.decode()
    assert response.status_code == 200 and not ActionPlan.objects.exists()
    assert "Confidence 5 of 10: can the plan be made smaller or easier so you&#x27;re at least 7 sure?" in page
    assert 'value="walk to the park"' in page and 'value="around the block"' in page
    assert 'value="5" aria-invalid="true" id="id_confidence_5" checked' in page
    assert "Keep this plan as it is" in page

    response = client.post(url, form_data(what="walk to the park", confidence="5", keep_low_confidence="on"))
    assert response.status_code == 302
    plan = ActionPlan.objects.get()
    assert plan.low_confidence_kept and plan.confidence == 5 and plan.what == "walk to the park"


def test_an_easier_plan_is_saved_straight_away(world: World, client: Client) -> None:
    login(client, world.sofia.user)
    url = reverse("selfcare:new_plan", args=[world.paul_enrollment.pk])
    response = client.post(url, form_data(how_much="to the corner", confidence="9"))
    assert response.status_code == 302
    assert response["Location"] == reverse("selfcare:participant_plans", args=[world.paul.pk])
    assert ActionPlan.objects.get().how_much == "to the corner"


def test_with_an_active_plan_the_page_offers_its_review_and_refuses_a_second_one(world: World, client: Client) -> None:
    plan = a_plan(world)
    login(client, world.sofia.user)
    url = reverse("selfcare:new_plan", args=[world.paul_enrollment.pk])
    page = client.get(url).content.decode()
    assert "Current plan" in page and reverse("selfcare:review_plan", args=[plan.pk]) in page
    assert "Replace today&#x27;s plan with this one" in page  # set today: it may be revised
    response = client.post(url, form_data(what="swim"))
    assert "already has an active plan" in response.content.decode()
    assert ActionPlan.objects.count() == 1
    response = client.post(url, form_data(what="swim", revise="on"))
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == ActionPlanStatus.WITHDRAWN and ActionPlan.objects.get(status="active").what == "swim"


def test_from_a_contact_the_supporter_reviews_then_sets_the_next_plan(world: World, client: Client) -> None:
    plan = a_plan(world)
    call = make_contact(world.paul_enrollment, world.sofia.user, days_ago=0)
    login(client, world.sofia.user)
    review = reverse("selfcare:review_plan", args=[plan.pk]) + f"?contact={call.pk}"
    assert "How did it go?" in client.get(review).content.decode()
    response = client.post(review, {"outcome": ReviewOutcome.PARTLY, "note": "Knee hurt"})
    assert response.status_code == 302
    assert response["Location"] == reverse("selfcare:new_plan", args=[world.paul_enrollment.pk]) + f"?contact={call.pk}"
    plan.refresh_from_db()
    assert plan.reviewed_in_contact == call and plan.review_outcome == ReviewOutcome.PARTLY
    client.post(response["Location"], form_data(how_much="10 minutes"))
    assert ActionPlan.objects.get(status="active").set_in_contact == call


def test_a_review_without_an_outcome_asks_for_one_and_saves_nothing(world: World, client: Client) -> None:
    plan = a_plan(world)
    login(client, world.sofia.user)
    response = client.post(reverse("selfcare:review_plan", args=[plan.pk]), {"note": "hm"})
    assert "Say how it went" in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == ActionPlanStatus.ACTIVE


def test_a_contact_of_someone_else_in_the_link_is_a_404(world: World, client: Client) -> None:
    other = make_contact(world.rita_enrollment, world.sid.user, days_ago=0)
    login(client, world.cora)
    url = reverse("selfcare:new_plan", args=[world.paul_enrollment.pk]) + f"?contact={other.pk}"
    assert client.get(url).status_code == 404


def test_withdrawing_from_the_participants_plans(world: World, client: Client) -> None:
    plan = a_plan(world)
    login(client, world.sofia.user)
    page = client.get(reverse("selfcare:participant_plans", args=[world.paul.pk])).content.decode()
    assert "walk" in page and "Withdraw the plan" in page and "Daily management" in page
    client.post(reverse("selfcare:withdraw_plan", args=[plan.pk]), {"note": "Unwell"})
    plan.refresh_from_db()
    assert plan.status == ActionPlanStatus.WITHDRAWN and plan.review_note == "Unwell"
    assert AccessLogEntry.objects.filter(user=world.sofia.user, participant=world.paul).exists()


def test_the_participant_sets_and_reviews_their_own_plans_from_my_record(world: World, client: Client) -> None:
    login(client, world.paul_user)
    me = client.get(reverse("people:me")).content.decode()
    assert "Your action plans" in me and reverse("selfcare:new_plan", args=[world.paul_enrollment.pk]) in me
    response = client.post(reverse("selfcare:new_plan", args=[world.paul_enrollment.pk]), form_data())
    assert response.status_code == 302
    plan = ActionPlan.objects.get()
    assert plan.created_by == world.paul_user
    me = client.get(reverse("people:me")).content.decode()
    assert reverse("selfcare:review_plan", args=[plan.pk]) in me
    client.post(reverse("selfcare:review_plan", args=[plan.pk]), {"outcome": "done"})
    plan.refresh_from_db()
    assert plan.review_outcome == "done"
    mine = client.get(reverse("selfcare:participant_plans", args=[world.paul.pk])).content.decode()
    assert "Your action plans" in mine
    assert client.get(reverse("selfcare:participant_plans", args=[world.rita.pk])).status_code == 404


def test_the_call_screen_links_to_the_action_plan_and_comes_back(world: World, client: Client) -> None:
    a_plan(world)
    login(client, world.sofia.user)
    call_url = reverse("followup:call", args=[world.paul_enrollment.pk])
    page = client.get(call_url).content.decode()
    link = reverse("selfcare:new_plan", args=[world.paul_enrollment.pk]) + f"?next={call_url.replace('/', '%2F')}"
    assert f'href="{link}">Action plan</a>' in page and "walk, 20 minutes" not in page  # summary is split
    assert "<strong>walk</strong>, 20 minutes" in page
    plan_page = client.get(link).content.decode()
    assert f'href="{call_url}"' in plan_page  # back to the call


def test_the_participant_page_shows_plans_and_latest_readings(world: World, client: Client) -> None:
    a_plan(world, what="eat fruit")
    login(client, world.sofia.user)
    page = client.get(reverse("people:participant", args=[world.paul.pk])).content.decode()
    assert "Action plans and readings" in page and "<strong>eat fruit</strong>" in page
    assert reverse("selfcare:participant_measurements", args=[world.paul.pk]) in page


# --- at a group session --------------------------------------------------------------------------------


def test_the_session_page_lists_everyone_with_their_plan_and_review_buttons(
    group_world: GroupWorld, client: Client
) -> None:
    gw = group_world
    lena, session = gw.lena.user, gw.current_session
    ana = gw.enrollments["ana"]
    plan = create_action_plan(
        lena, ana, ActionPlanInput("walk", "20 minutes", "mornings", 5, 8), session=gw.sessions[2]
    )
    login(client, lena)
    url = reverse("selfcare:session_plans", args=[session.pk])
    page = client.get(url).content.decode()
    for name in ("Ana Tester", "Ben Tester", "Carmen Tester", "Dev Tester", "Elena Tester", "Paul Okafor"):
        assert name in page
    assert "How did Ana's plan go?" in page and "New plan for Ben" in page
    assert AccessLogEntry.objects.filter(user=lena, participant=gw.participants["elena"]).exists()

    response = client.post(url, {"action": "review", "enrollment": ana.pk, "plan": plan.pk, "outcome": "done"})
    assert response.status_code == 302 and response["Location"].endswith(f"#person-{ana.pk}")
    plan.refresh_from_db()
    assert plan.review_outcome == "done" and plan.reviewed_in_session == session

    response = client.post(url, {"action": "new", "enrollment": ana.pk, **form_data(f"p{ana.pk}", how_much="30 min")})
    assert response.status_code == 302
    new = ActionPlan.objects.get(status="active")
    assert new.set_in_session == session and new.how_much == "30 min"
    page = client.get(url).content.decode()
    assert "reviewed: <b>done</b>" in page


def test_low_confidence_at_the_session_reshows_that_persons_form_only(group_world: GroupWorld, client: Client) -> None:
    gw = group_world
    ben = gw.enrollments["ben"]
    login(client, gw.lena.user)
    url = reverse("selfcare:session_plans", args=[gw.current_session.pk])
    data = {"action": "new", "enrollment": ben.pk, **form_data(f"p{ben.pk}", what="cook at home", confidence="4")}
    response = client.post(url, data)
    page = response.content.decode()
    assert response.status_code == 200 and not ActionPlan.objects.exists()
    assert "Confidence 4 of 10" in page and 'value="cook at home"' in page and "Keep this plan as it is" in page
    assert page.count("Confidence 4 of 10") == 1
    data[f"p{ben.pk}-keep_low_confidence"] = "on"
    assert client.post(url, data).status_code == 302
    assert ActionPlan.objects.get().low_confidence_kept


def test_the_session_page_is_for_those_who_run_or_lead_the_series(group_world: GroupWorld, client: Client) -> None:
    gw = group_world
    url = reverse("selfcare:session_plans", args=[gw.current_session.pk])
    for user in (gw.world.otto, gw.world.sid.user, gw.world.eve, gw.world.paul_user):
        client.logout()
        login(client, user)
        assert client.get(url).status_code == 404, user.username
    client.logout()
    login(client, gw.world.priya)  # the program's clinical lead: reads, but does not set plans
    page = client.get(url).content.decode()
    assert "Ana Tester" in page and "New plan for" not in page
    ana = gw.enrollments["ana"]
    assert client.post(url, {"action": "new", "enrollment": ana.pk, **form_data(f"p{ana.pk}")}).status_code == 404
    assert not ActionPlan.objects.exists()


def test_someone_not_on_the_roster_cannot_be_posted_to_the_session(group_world: GroupWorld, client: Client) -> None:
    gw = group_world
    login(client, gw.world.cora)
    url = reverse("selfcare:session_plans", args=[gw.current_session.pk])
    rita = gw.world.rita_enrollment
    assert client.post(url, {"action": "new", "enrollment": rita.pk, **form_data(f"p{rita.pk}")}).status_code == 404


def test_pages_are_phone_friendly(world: World, client: Client) -> None:
    login(client, world.sofia.user)
    page = client.get(reverse("selfcare:new_plan", args=[world.paul_enrollment.pk])).content.decode()
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in page
    assert "<table" not in page and 'class="btn block"' in page
    assert '<label for="id_what">What will you do?</label>' in page
