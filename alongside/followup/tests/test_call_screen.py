"""The call screen: what a supporter sees while calling, logging the outcome, retries and repeated
unanswered calls, bad input, access and the access log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alongside.audit.models import AccessLogEntry
from alongside.contacts.models import Contact
from alongside.followup import engine
from alongside.followup.cadence import Cadence, CadenceKind
from alongside.followup.models import FollowUpState
from alongside.followup.services import save_cadence, save_call_guide
from alongside.followup.worklist import worklist
from alongside.taxonomy import KeyFunction, Outcome
from alongside.testing.world import World, make_contact

pytestmark = pytest.mark.django_db


def url(world: World) -> str:
    return reverse("followup:call", args=[world.paul_enrollment.pk])


def call_data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "enrollment": "",
        "modality": "phone_call",
        "outcome": "no_answer",
        "initiated_by": "proactive",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "duration_choice": "5",
        "next_contact_in": "",
        "note": "",
    }
    data.update(changes)
    return data


@pytest.fixture
def due(world: World) -> World:
    """Paul is overdue on a weekly cadence, has a phone, best times and a call guide in English and Spanish."""
    save_cadence(world.cora, Cadence(CadenceKind.INTERVAL, interval_days=7, grace_days=3), program=world.telephone)
    world.paul.best_times = ["morning", "evening"]
    world.paul.best_times_note = "Not on Tuesdays (dialysis)"
    world.paul.save()
    save_call_guide(
        world.cora, world.telephone, "en", "Hello, this is your peer supporter.", "How are you?\nAny sugar lows?"
    )
    save_call_guide(world.cora, world.telephone, "es", "Hola, soy su compañera.", "¿Cómo está?")
    engine.recompute_all()
    return world


def post(client: Client, world: World, **changes: object):
    return client.post(url(world), call_data(enrollment=world.paul_enrollment.pk, **changes))


def test_it_shows_what_a_caller_needs(due: World, client: Client) -> None:
    client.force_login(due.sofia.user)
    page = client.get(url(due)).content.decode()
    assert 'href="tel:+12025550143"' in page and "+1 202-555-0143" in page
    assert "speaks English" in page
    assert "Weekday mornings, Weekday evenings" in page and "Not on Tuesdays (dialysis)" in page
    assert "Their time now" in page
    assert "Hello, this is your peer supporter." in page and "<li>Any sugar lows?</li>" in page
    assert "Hola" not in page
    for function in KeyFunction:
        assert function.label in page
    state = FollowUpState.objects.get(pk=due.paul_enrollment.pk)
    assert state.window_start is not None
    assert f"{state.window_start:%a} {state.window_start.day} {state.window_start:%b}" in page
    assert "<b>Overdue</b>" in page and "Why they are on your list" in page
    for outcome in Outcome:
        assert f">{outcome.label}</span>" in page


def test_it_shows_the_guide_in_the_participants_language(due: World, client: Client) -> None:
    due.paul.preferred_language = "es"
    due.paul.save()
    client.force_login(due.sofia.user)
    page = client.get(url(due)).content.decode()
    assert "Hola, soy su compañera." in page and "Hello, this is" not in page
    assert "speaks Spanish" in page


def test_it_warns_in_the_participants_quiet_hours_but_still_offers_the_form(due: World, client: Client) -> None:
    from alongside.followup.tests.test_today import zone_at_hour

    due.paul.timezone = zone_at_hour(1, 5)
    due.paul.save()
    client.force_login(due.sofia.user)
    page = client.get(url(due)).content.decode()
    assert "Quiet hours where they are" in page
    assert "Save call" in page


def test_it_shows_recent_contacts_and_unanswered_calls_since_last_reached(due: World, client: Client) -> None:
    for day in (9, 8, 7, 6):
        make_contact(due.paul_enrollment, due.sofia.user, days_ago=day, note=f"talk {day}")
    make_contact(due.paul_enrollment, due.sofia.user, days_ago=2, outcome=Outcome.NO_ANSWER, functions=())
    make_contact(due.paul_enrollment, due.sofia.user, days_ago=1, outcome=Outcome.LEFT_MESSAGE, functions=())
    engine.recompute_all()
    client.force_login(due.sofia.user)
    page = client.get(url(due)).content.decode()
    recent = page.split('aria-label="Last 3 contacts, newest first"', 1)[1].split("</ul>", 1)[0]
    assert recent.count("<li>") == 3
    assert "Left message" in recent and "No answer" in recent and "talk 6" in recent and "talk 7" not in recent
    assert "<dt>Unanswered since</dt><dd>2 calls" in page


def test_opening_it_writes_the_access_log(due: World, client: Client) -> None:
    client.force_login(due.sofia.user)
    client.get(url(due))
    entry = AccessLogEntry.objects.get()
    assert entry.user == due.sofia.user and entry.participant_id == due.paul.pk and entry.path == url(due)


def test_a_no_answer_call_puts_a_retry_on_tomorrows_list(due: World, client: Client) -> None:
    client.force_login(due.sofia.user)
    response = post(client, due, outcome="no_answer")
    assert response.status_code == 302 and response["Location"] == reverse("followup:today")
    assert "saved: No answer" in client.get(response["Location"]).content.decode()
    contact = Contact.objects.get()
    assert contact.outcome == Outcome.NO_ANSWER and contact.functions == []
    today = timezone.localdate()
    assert "retry" not in worklist(due.sofia.user)[0].reason_codes
    tomorrow = today + timedelta(days=1)
    now = timezone.now() + timedelta(days=1)
    line = next(x for x in worklist(due.sofia.user, today=tomorrow, now=now) if x.participant == due.paul)
    assert "retry" in line.reason_codes
    assert any(r.detail == "1 unanswered attempt, last: no answer" for r in line.reasons)


def test_three_unanswered_calls_within_14_days_show_repeated_unanswered_calls(due: World, client: Client) -> None:
    make_contact(due.paul_enrollment, due.sofia.user, days_ago=10, outcome=Outcome.NO_ANSWER, functions=())
    make_contact(due.paul_enrollment, due.sofia.user, days_ago=5, outcome=Outcome.LEFT_MESSAGE, functions=())
    engine.recompute_all()
    client.force_login(due.sofia.user)
    assert "<b>Repeated unanswered calls</b>" not in client.get(reverse("followup:today")).content.decode()
    post(client, due, outcome="no_answer")
    page = client.get(reverse("followup:today")).content.decode()
    assert "<b>Repeated unanswered calls</b> · 3+ attempts within 14 days" in page
    assert FollowUpState.objects.get(pk=due.paul_enrollment.pk).repeated_failures


def test_a_reached_call_with_functions_takes_the_line_off_the_list(due: World, client: Client) -> None:
    client.force_login(due.sofia.user)
    response = post(
        client, due, outcome="reached", functions=["social_emotional", "linkage"], next_contact_in="7", note="Good talk"
    )
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert contact.functions == ["social_emotional", "linkage"] and contact.note == "Good talk"
    assert all(line.participant != due.paul for line in worklist(due.sofia.user))


def test_a_reached_call_without_any_function_is_refused_keeps_the_input_and_saves_nothing(
    due: World, client: Client
) -> None:
    client.force_login(due.sofia.user)
    response = post(client, due, outcome="reached", functions=[], note="We spoke about his feet")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was saved." in page
    assert "Tick at least one key function the contact served." in page
    assert "We spoke about his feet" in page
    assert 'value="reached" required id="id_outcome_0" checked' in page
    assert not Contact.objects.exists()


def test_a_call_dated_in_the_future_is_refused(due: World, client: Client) -> None:
    client.force_login(due.sofia.user)
    later = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = post(client, due, occurred_at=later)
    assert "A contact cannot be dated in the future." in response.content.decode()
    assert not Contact.objects.exists()


def test_a_concern_raised_on_the_call_screen_reaches_the_list(due: World, client: Client) -> None:
    client.force_login(due.sofia.user)
    post(
        client,
        due,
        outcome="reached",
        functions=["social_emotional"],
        concern_tier="urgent",
        concern_reason="BP 170/105 twice this week",
    )
    assert worklist(due.sofia.user)[0].reason_codes[0] == "urgent"


def test_access_outside_scope_is_a_404_and_writes_nothing(due: World, client: Client) -> None:
    for user in (due.sid.user, due.otto, due.eve, due.paul_user):
        client.force_login(user)
        assert client.get(url(due)).status_code == 404
        assert post(client, due).status_code == 404
    assert not Contact.objects.exists()
    assert not AccessLogEntry.objects.exists()


def test_a_clinician_may_read_the_screen_but_not_log_a_call(due: World, client: Client) -> None:
    client.force_login(due.priya)
    page = client.get(url(due)).content.decode()
    assert "Save call" not in page and "can read this screen but not log calls" in page
    assert post(client, due).status_code == 404
    assert not Contact.objects.exists()


def test_a_coordinator_may_log_on_the_supporters_behalf(due: World, client: Client) -> None:
    client.force_login(due.cora)
    assert post(client, due, outcome="left_message").status_code == 302
    assert Contact.objects.get().recorded_by == due.cora
