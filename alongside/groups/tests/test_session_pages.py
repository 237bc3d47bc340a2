"""Session pages and one-session schedule changes from the series page: moving one session shows its new
time and leaves the others; cancelling shows it struck with the reason; bad input keeps what was typed and
changes nothing. Facilitators edit what a session covers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alongside.accounts.models import User
from alongside.groups.models import GroupSession, SessionStatus
from alongside.testing.groups import GroupWorld, mark
from alongside.testing.world import PASSWORD

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def shown(session: GroupSession) -> str:
    """How the series page writes a session's start (in the series' zone)."""
    local = session.local_start()
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M}"


def session_item(page: str, session: GroupSession) -> str:
    """The HTML of one session's line on the series page."""
    after = page.split(f'id="session-{session.pk}"', 1)[1]
    return after.split('<li id="session-', 1)[0].split("</ol>", 1)[0]


def test_moving_one_session_shows_its_new_time_and_the_others_stay(group_world: GroupWorld) -> None:
    gw = group_world
    five, six = gw.workshop.sessions.get(number=5), gw.workshop.sessions.get(number=6)
    before_five, before_six = shown(five), shown(six)
    new_day = six.local_start().date() + timedelta(days=2)

    response = client_for(gw.world.cora).post(
        reverse("groups:session_move", args=[six.pk]),
        {f"s{six.pk}-day": new_day.isoformat(), f"s{six.pk}-at": "10:30"},
        follow=True,
    )

    page = response.content.decode()
    six.refresh_from_db()
    assert six.local_start().strftime("%Y-%m-%d %H:%M") == f"{new_day} 10:30"
    assert f"Session 6 moved to {six.local_start():%a} {new_day.day} {six.local_start():%b at} 10:30." in page
    line = session_item(page, six)
    assert shown(six) in line and f"Moved from {before_six}" in line
    five.refresh_from_db()
    assert shown(five) == before_five and before_five in session_item(page, five)
    assert "Moved from" not in session_item(page, five)


def test_moving_into_the_past_is_refused_with_the_form_open_and_what_was_typed(group_world: GroupWorld) -> None:
    gw = group_world
    six = gw.workshop.sessions.get(number=6)
    before = six.starts_at
    yesterday = timezone.localdate() - timedelta(days=1)
    response = client_for(gw.world.cora).post(
        reverse("groups:session_move", args=[six.pk]),
        {f"s{six.pk}-day": yesterday.isoformat(), f"s{six.pk}-at": "09:15"},
    )
    assert response.status_code == 200
    line = session_item(response.content.decode(), six)
    assert "A session cannot be moved into the past." in line
    assert '<details class="more session-change" open>' in line
    assert f'value="{yesterday.isoformat()}"' in line and 'value="09:15"' in line
    six.refresh_from_db()
    assert six.starts_at == before and six.original_starts_at is None


def test_cancelling_a_session_shows_it_struck_with_the_reason_and_it_can_be_reinstated(group_world: GroupWorld) -> None:
    gw = group_world
    five = gw.workshop.sessions.get(number=5)
    cora = client_for(gw.world.cora)

    nothing = cora.post(reverse("groups:session_cancel", args=[five.pk]), {f"s{five.pk}-reason": ""})
    assert "This field is required." in session_item(nothing.content.decode(), five)
    five.refresh_from_db()
    assert five.status == SessionStatus.SCHEDULED

    response = cora.post(
        reverse("groups:session_cancel", args=[five.pk]),
        {f"s{five.pk}-reason": "Library closed for repairs"},
        follow=True,
    )
    line = session_item(response.content.decode(), five)
    assert "<s>" in line and "Cancelled: Library closed for repairs" in line
    five.refresh_from_db()
    assert five.status == SessionStatus.CANCELLED

    response = cora.post(reverse("groups:session_reinstate", args=[five.pk]), follow=True)
    assert "is back on the schedule" in response.content.decode()
    five.refresh_from_db()
    assert five.status == SessionStatus.SCHEDULED and five.cancel_reason == ""


def test_a_held_session_offers_no_schedule_change_and_refuses_one(group_world: GroupWorld) -> None:
    gw = group_world
    session = gw.current_session
    mark(gw.lena.user, session, gw.registrations["ana"], "present")
    cora = client_for(gw.world.cora)
    page = cora.get(reverse("groups:series", args=[gw.workshop.pk])).content.decode()
    assert "Change session 4" not in page and "1 attended" in session_item(page, session)
    response = cora.post(reverse("groups:session_cancel", args=[session.pk]), {f"s{session.pk}-reason": "Snow"})
    assert "it cannot be cancelled" in response.content.decode()
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED


def test_a_manager_adds_a_session_which_takes_the_next_number(group_world: GroupWorld) -> None:
    gw = group_world
    day = timezone.localdate() + timedelta(days=60)
    response = client_for(gw.world.cora).post(
        reverse("groups:session_add", args=[gw.workshop.pk]),
        {"add-day": day.isoformat(), "add-at": "17:00", "add-topic": "Booster"},
        follow=True,
    )
    added = gw.workshop.sessions.get(number=7)
    assert added.topic == "Booster" and added.is_added
    page = response.content.decode()
    assert "Session 7 added" in page and shown(added) in page and "Added session" in session_item(page, added)


def test_adding_a_session_in_the_past_keeps_the_form_open_with_the_error(group_world: GroupWorld) -> None:
    gw = group_world
    day = timezone.localdate() - timedelta(days=3)
    response = client_for(gw.world.cora).post(
        reverse("groups:session_add", args=[gw.workshop.pk]), {"add-day": day.isoformat(), "add-at": "17:00"}
    )
    page = response.content.decode()
    assert "A new session cannot be in the past." in page and '<details class="more" id="add-session" open>' in page
    assert gw.workshop.sessions.count() == 6


def test_the_session_page_shows_what_a_leader_needs_and_a_take_attendance_button(group_world: GroupWorld) -> None:
    gw = group_world
    session = gw.current_session
    lena = client_for(gw.lena.user)
    page = lena.get(reverse("groups:session", args=[session.pk])).content.decode()
    assert "Healthy eating" in page
    assert "Riverside Library, Room 2" in page and "Lena leader" in page and "Co-leader" in page
    assert "Assistance in daily management" in page and "Linkage to clinical care" in page
    assert f'href="{reverse("groups:attendance", args=[session.pk])}"' in page and "Take attendance" in page
    assert f'href="{reverse("selfcare:session_plans", args=[session.pk])}"' in page
    assert f'href="{reverse("selfcare:session_measurements", args=[session.pk])}"' in page

    future = gw.workshop.sessions.get(number=6)
    later = lena.get(reverse("groups:session", args=[future.pk])).content.decode()
    assert "Attendance opens on the day of the session." in later
    assert reverse("groups:attendance", args=[future.pk]) not in later


def test_a_leader_edits_what_a_session_covered(group_world: GroupWorld) -> None:
    gw = group_world
    session = gw.current_session
    url = reverse("groups:session_edit", args=[session.pk])
    lena = client_for(gw.lena.user)
    form = lena.get(url).content.decode()
    assert 'value="Healthy eating"' in form
    activity = gw.program.activities_for("linkage")[0]

    response = lena.post(
        url,
        {
            "topic": "Healthy eating on a budget",
            "description": "Practised a list of questions.",
            "functions": ["daily_management", "linkage"],
            "activities_linkage": [activity],
        },
        follow=True,
    )
    assert "Session 4 saved." in response.content.decode()
    session.refresh_from_db()
    assert session.topic == "Healthy eating on a budget"
    assert session.functions == ["daily_management", "linkage"] and session.activities == [activity]


def test_an_unknown_function_is_refused_and_the_topic_typed_is_kept(group_world: GroupWorld) -> None:
    gw = group_world
    session = gw.current_session
    response = client_for(gw.lena.user).post(
        reverse("groups:session_edit", args=[session.pk]), {"topic": "Typed topic", "functions": ["telepathy"]}
    )
    page = response.content.decode()
    assert "Select a valid choice" in page and 'value="Typed topic"' in page
    session.refresh_from_db()
    assert session.topic == "Healthy eating"


def test_a_leader_finds_todays_session_on_her_group_page_and_on_today(group_world: GroupWorld) -> None:
    gw = group_world
    lena = client_for(gw.lena.user)
    attendance = f'href="{reverse("groups:attendance", args=[gw.current_session.pk])}"'

    page = lena.get(reverse("groups:my_sessions")).content.decode()
    today_part, _, coming = page.partition("Coming up")
    assert "Living Well with Diabetes, spring" in today_part and attendance in today_part
    assert gw.current_session.local_start().strftime("%H:%M") in today_part
    five = gw.workshop.sessions.get(number=5)
    assert f'href="{reverse("groups:session", args=[five.pk])}"' in coming
    assert reverse("groups:series_list") not in page  # managers only

    today = lena.get(reverse("followup:today")).content.decode()
    assert "Your group sessions today" in today and attendance in today

    assert (
        "Your group sessions today" not in client_for(gw.world.sid.user).get(reverse("followup:today")).content.decode()
    )


def test_a_manager_sees_every_session_today_and_the_way_to_all_series(group_world: GroupWorld) -> None:
    gw = group_world
    page = client_for(gw.world.cora).get(reverse("groups:my_sessions")).content.decode()
    assert "You lead no group session today." in page
    everyone = page.split("Today in your organization", 1)[1]
    assert "Living Well with Diabetes, spring" in everyone
    assert f'href="{reverse("groups:attendance", args=[gw.current_session.pk])}"' in everyone
    assert f'href="{reverse("groups:series_list")}"' in page and f'href="{reverse("groups:series_new")}"' in page
