"""Referral pages: making a referral (from the participant page, a contact, the call screen, a directory
service), following it, the professional's inbox with one-tap answers, the coordinators' list and the stall
settings; who gets which page (404 otherwise), the access log, the participant page's section and the
timeline."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alongside.audit.models import AccessLogEntry
from alongside.linkage.models import Referral, ReferralSettings
from alongside.linkage.services import change_status
from alongside.linkage.tests.referral_helpers import diabetes_clinic, food_bank, refer_paul_to_priya
from alongside.testing.world import World, make_contact

pytestmark = pytest.mark.django_db


def logged_in(client: Client, user) -> Client:
    client.force_login(user)
    return client


def new_url(world: World) -> str:
    return reverse("linkage:referral_new", args=[world.paul.pk])


def form_data(world: World, **data: object) -> dict[str, object]:
    return {
        "enrollment": world.paul_enrollment.pk,
        "kind": "clinical",
        "to_professional": world.priya.pk,
        "reason": "Feet numb for two weeks.",
        "urgency": "soon",
        "consent_to_share": "on",
        "shared_items": ["name_and_contact", "reason"],
        "action": "send",
        **data,
    }


# ---- making a referral ----


def test_a_supporter_refers_from_the_form_and_lands_on_the_referral(world: World, client: Client) -> None:
    logged_in(client, world.sofia.user)
    page = client.get(new_url(world))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Refer Paul Okafor" in html and "Paul agrees to share what is ticked below" in html
    assert AccessLogEntry.objects.filter(user=world.sofia.user, participant=world.paul).exists()
    response = client.post(new_url(world), form_data(world))
    referral = Referral.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("linkage:referral", args=[referral.pk])
    assert (referral.status, referral.urgency, referral.to_professional) == ("sent", "soon", world.priya)
    assert referral.shared_items == ["name_and_contact", "reason"]
    followed = client.get(response["Location"]).content.decode()
    assert "Referral to Priya professional sent." in followed


def test_save_as_draft(world: World, client: Client) -> None:
    logged_in(client, world.sofia.user).post(new_url(world), form_data(world, action="draft"))
    assert Referral.objects.get().status == "draft"


def test_no_consent_or_two_receivers_show_clear_errors_and_keep_what_was_typed(world: World, client: Client) -> None:
    logged_in(client, world.sofia.user)
    response = client.post(new_url(world), form_data(world, consent_to_share=""))
    html = response.content.decode()
    assert response.status_code == 200 and "Nothing was saved." in html
    assert "The participant must agree to share" in html and "Feet numb for two weeks." in html
    response = client.post(new_url(world), form_data(world, to_name="Dr Mensah"))
    assert "Choose one receiver" in response.content.decode()
    assert Referral.objects.count() == 0


def test_the_service_search_works_without_javascript_and_htmx_swaps_only_the_list(world: World, client: Client) -> None:
    food_bank(world)
    diabetes_clinic(world)
    logged_in(client, world.sofia.user)
    html = client.get(new_url(world), {"q": "food"}).content.decode()
    assert "Eastside Food Bank" in html and "Riverside Diabetes Clinic" not in html and "<form" in html
    fragment = client.get(new_url(world), {"q": "clinic"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Riverside Diabetes Clinic" in fragment and "<html" not in fragment and 'id="service-options"' in fragment


def test_starting_from_a_directory_service_or_a_contact(world: World, client: Client) -> None:
    clinic = diabetes_clinic(world)
    contact = make_contact(world.paul_enrollment, world.sofia.user)
    logged_in(client, world.sofia.user)
    page = client.get(new_url(world), {"service": clinic.pk, "contact": contact.pk})
    assert page.context["form"].initial["kind"] == "clinical"
    assert page.context["selected_service"] == clinic.pk
    html = page.content.decode()
    assert f'value="{clinic.pk}" checked' in html and f'name="contact" value="{contact.pk}"' in html
    client.post(
        new_url(world),
        form_data(world, to_professional="", service=clinic.pk, contact=contact.pk),
    )
    referral = Referral.objects.get()
    assert referral.service == clinic and referral.from_contact == contact
    rita_contact = make_contact(world.rita_enrollment, world.sid.user)
    assert client.get(new_url(world), {"contact": rita_contact.pk}).status_code == 404


@pytest.mark.parametrize("who", ["priya", "eve", "paul", "sid", "otto"])
def test_roles_that_do_not_refer_this_person_get_a_404(world: World, client: Client, who: str) -> None:
    user = {"priya": world.priya, "eve": world.eve, "paul": world.paul_user, "sid": world.sid.user, "otto": world.otto}
    logged_in(client, user[who])
    assert client.get(new_url(world)).status_code == 404
    assert client.post(new_url(world), form_data(world)).status_code == 404
    assert Referral.objects.count() == 0


# ---- one referral ----


def test_the_referral_page_shows_the_history_and_the_next_steps_each_may_take(world: World, client: Client) -> None:
    referral = refer_paul_to_priya(world)
    change_status(world.priya, referral, "accepted", note="Next week")
    url = reverse("linkage:referral", args=[referral.pk])
    sofia = logged_in(Client(), world.sofia.user).get(url)
    assert [code for code, _ in sofia.context["steps"]] == ["scheduled", "completed", "cancelled"]
    assert "Next week" in sofia.content.decode()
    priya = logged_in(Client(), world.priya).get(url)
    assert [code for code, _ in priya.context["steps"]] == ["scheduled", "completed"]
    paul = logged_in(Client(), world.paul_user).get(url)
    assert paul.status_code == 200 and paul.context["steps"] == []
    assert "Next week" not in paul.content.decode()  # the team's notes
    for outsider in (world.sid.user, world.eve, world.otto):
        assert logged_in(Client(), outsider).get(url).status_code == 404
    assert AccessLogEntry.objects.filter(participant=world.paul, path=url).count() == 3


def test_the_receiver_sees_only_what_was_shared(world: World, client: Client) -> None:
    referral = refer_paul_to_priya(world, shared_items=["conditions"])
    html = logged_in(client, world.priya).get(reverse("linkage:referral", args=[referral.pk])).content.decode()
    assert "name not shared" in html and "Paul Okafor" not in html
    assert "Feet numb" not in html  # the reason was not shared
    assert "Type 2 diabetes" in html


def test_a_step_from_the_page_and_a_booking_on_the_participants_clock(world: World, client: Client) -> None:
    world.paul.timezone = "America/Chicago"
    world.paul.save()
    referral = refer_paul_to_priya(world)
    change_status(world.priya, referral, "accepted")
    status_url = reverse("linkage:referral_status", args=[referral.pk])
    logged_in(client, world.sofia.user)
    missing = client.post(status_url, {"status": "scheduled", "note": "Booked by phone"})
    assert missing.status_code == 400 and "Give the appointment" in missing.content.decode()
    assert "Booked by phone" in missing.content.decode()
    day = timezone.localdate() + timedelta(days=3)
    done = client.post(status_url, {"status": "scheduled", "day": day.isoformat(), "at": "14:30"})
    assert done.status_code == 302
    referral.refresh_from_db()
    assert referral.appointment_at == datetime.combine(day, time(14, 30), tzinfo=ZoneInfo("America/Chicago"))
    skipped = client.post(status_url, {"status": "sent"})
    assert skipped.status_code == 400 and "can next be completed, no-show or cancelled" in skipped.content.decode()
    assert client.get(status_url).status_code == 405


# ---- the professional's inbox ----


def test_the_inbox_lists_what_waits_for_the_professional_urgent_first_and_answers_in_one_tap(
    world: World, client: Client
) -> None:
    routine = refer_paul_to_priya(world)
    urgent = refer_paul_to_priya(world, urgency="urgent", reason="Foot ulcer")
    refer_paul_to_priya(world, send=False, reason="Still a draft")
    url = reverse("linkage:referrals_to_me")
    page = logged_in(client, world.priya).get(url)
    assert [r.pk for r, _, _ in page.context["waiting"]] == [urgent.pk, routine.pk]
    assert "Still a draft" not in page.content.decode()
    assert AccessLogEntry.objects.filter(user=world.priya, participant=world.paul, path=url).exists()
    response = client.post(reverse("linkage:referral_status", args=[urgent.pk]), {"status": "accepted", "next": url})
    assert response.status_code == 302 and response["Location"] == url
    urgent.refresh_from_db()
    assert urgent.status == "accepted"
    outside = client.post(
        reverse("linkage:referral_status", args=[routine.pk]), {"status": "declined", "next": "https://evil.example/"}
    )
    assert outside["Location"] == reverse("linkage:referral", args=[routine.pk])


@pytest.mark.parametrize("who", ["cora", "sofia", "paul", "eve"])
def test_the_inbox_is_for_professionals(world: World, client: Client, who: str) -> None:
    user = {"cora": world.cora, "sofia": world.sofia.user, "paul": world.paul_user, "eve": world.eve}[who]
    assert logged_in(client, user).get(reverse("linkage:referrals_to_me")).status_code == 404


# ---- coordinators ----


@pytest.mark.parametrize(
    ("who", "status"),
    [("cora", 200), ("sam", 200), ("ada", 200), ("sofia", 404), ("priya", 404), ("eve", 404), ("paul", 404)],
)
def test_the_referrals_page_is_for_organization_wide_roles(world: World, client: Client, who: str, status: int) -> None:
    user = {"sofia": world.sofia.user, "paul": world.paul_user}.get(who) or getattr(world, who)
    assert logged_in(client, user).get(reverse("linkage:referrals")).status_code == status


def test_another_organization_sees_none_of_ours(world: World, client: Client) -> None:
    refer_paul_to_priya(world)
    page = logged_in(client, world.otto).get(reverse("linkage:referrals"))
    assert page.context["lines"] == [] and "Paul" not in page.content.decode()
    assert (
        logged_in(Client(), world.otto).get(reverse("linkage:referral", args=[Referral.objects.get().pk])).status_code
        == 404
    )


def test_managers_change_a_programs_stall_windows(world: World, client: Client) -> None:
    url = reverse("linkage:referral_settings", args=[world.telephone.pk])
    logged_in(client, world.cora)
    assert client.get(url).status_code == 200
    bad = client.post(url, {"stall_after_days": "3", "urgent_stall_after_days": "9"})
    assert "sooner" in bad.content.decode() and not ReferralSettings.objects.exists()
    assert client.post(url, {"stall_after_days": "10", "urgent_stall_after_days": "1"}).status_code == 302
    assert ReferralSettings.objects.get(program=world.telephone).stall_after_days == 10
    for user in (world.sam, world.sofia.user, world.otto):
        assert logged_in(Client(), user).get(url).status_code == 404


# ---- other pages ----


def test_the_participant_page_lists_open_referrals_and_offers_refer(world: World, client: Client) -> None:
    referral = refer_paul_to_priya(world)
    url = reverse("people:participant", args=[world.paul.pk])
    html = logged_in(client, world.sofia.user).get(url).content.decode()
    assert new_url(world) in html and reverse("linkage:referral", args=[referral.pk]) in html
    priya = logged_in(Client(), world.priya).get(url).content.decode()
    assert new_url(world) not in priya and reverse("linkage:referral", args=[referral.pk]) in priya


def test_the_call_screen_links_to_a_referral_for_this_enrolment(world: World, client: Client) -> None:
    html = logged_in(client, world.sofia.user).get(reverse("followup:call", args=[world.paul_enrollment.pk]))
    assert f"{new_url(world)}?enrollment={world.paul_enrollment.pk}" in html.content.decode()


def test_every_step_is_on_the_timeline_with_the_linkage_badge(world: World, client: Client) -> None:
    referral = refer_paul_to_priya(world)
    change_status(world.priya, referral, "accepted", note="Clinic has room")
    html = logged_in(client, world.sofia.user).get(reverse("people:participant", args=[world.paul.pk])).content.decode()
    timeline = html.split('aria-label="Timeline, newest first"', 1)[1]
    assert "Clinical care referral made" in timeline and "Referral sent" in timeline
    assert "Referral accepted" in timeline and "Clinic has room" in timeline
    assert timeline.count('class="badge fn-linkage"') == 3
    own = logged_in(Client(), world.paul_user).get(reverse("people:me")).content.decode()
    assert "Referral accepted" in own and "Clinic has room" not in own


def test_the_menu_offers_referrals_to_professionals_and_organization_wide_roles(world: World) -> None:
    def menu(user) -> str:
        home = logged_in(Client(), user).get(
            reverse("linkage:referrals_to_me" if user == world.priya else "home"), follow=True
        )
        return home.content.decode().split('<nav aria-label="Main">', 1)[1].split("</nav>", 1)[0]

    assert reverse("linkage:referrals_to_me") in menu(world.priya)
    assert reverse("linkage:referrals") in menu(world.cora)
    assert ">Referrals<" not in menu(world.sofia.user) and ">Referrals<" not in menu(world.eve)


def test_the_receiver_sees_shared_readings_and_the_action_plan_only_when_shared(world: World, client: Client) -> None:
    from alongside.selfcare.models import ActionPlan, Measurement

    now = timezone.now()
    common = {"participant": world.paul, "recorded_by": world.sofia.user, "recorded_at": now}
    Measurement.objects.create(
        kind="blood_pressure", value=150, value2=95, unit="mmHg", canonical_value=150, taken_at=now, **common
    )
    Measurement.objects.create(kind="glucose", value=180, unit="mg/dL", canonical_value=180, taken_at=now, **common)
    ActionPlan.objects.create(
        participant=world.paul,
        enrollment=world.paul_enrollment,
        what="Walk",
        how_much="20 minutes",
        when="after lunch",
        days_per_week=4,
        confidence=8,
        created_by=world.sofia.user,
        created_at=now,
    )
    shared = refer_paul_to_priya(world, shared_items=["readings", "action_plan"])
    html = logged_in(client, world.priya).get(reverse("linkage:referral", args=[shared.pk])).content.decode()
    assert "150/95 mmHg" in html and "180 mg/dL" in html
    assert "Walk, 20 minutes, after lunch, 4 days a week" in html and "confidence 8 of 10" in html

    change_status(world.sofia.user, shared, "cancelled", note="Made again without readings")
    private = refer_paul_to_priya(world, shared_items=["conditions"])
    html = client.get(reverse("linkage:referral", args=[private.pk])).content.decode()
    assert "150/95" not in html and "Walk, 20 minutes" not in html
