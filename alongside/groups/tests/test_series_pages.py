"""Series pages: a coordinator creates a series (pattern, custom dates or a raw rule), sees its warnings,
edits it, and manages registrations with the waiting list. Bad input re-shows the form with the errors
and everything typed, and saves nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alongside.accounts.models import User
from alongside.groups.models import (
    Facilitator,
    FacilitatorRole,
    GroupKind,
    GroupSeries,
    GroupSession,
    Registration,
    RegistrationStatus,
)
from alongside.groups.services import CurriculumSession, save_curriculum
from alongside.testing.groups import GroupWorld, make_series, mark, register_directly, weekly
from alongside.testing.world import PASSWORD, make_enrollment, make_participant

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def new_series_data(gw: GroupWorld, **changes: Any) -> dict[str, Any]:
    next_week = timezone.localdate() + timedelta(days=7)
    data = {
        "program": gw.program.pk,
        "kind": GroupKind.WORKSHOP,
        "title": "Living Well, autumn",
        "description": "Six weekly sessions.",
        "language": "en",
        "venue": "Eastside Library",
        "online_url": "",
        "capacity": "",
        "duration_minutes": "",
        "timezone": "America/Chicago",
        "curriculum": "",
        "pattern": "weekly",
        "first_day": next_week.isoformat(),
        "first_time": "18:00",
        "count": "6",
        "custom_dates": "",
        "rrule": "",
        "facilitator_1": gw.lena.user.pk,
        "role_1": FacilitatorRole.PEER_LEADER,
    }
    data.update(changes)
    return data


def test_a_coordinator_creates_a_weekly_workshop_and_sees_its_warning(group_world: GroupWorld) -> None:
    gw = group_world
    cora = client_for(gw.world.cora)
    form = cora.get(reverse("groups:series_new"))
    assert form.status_code == 200 and 'value="16"' in form.content.decode()  # the workshop's usual size

    response = cora.post(reverse("groups:series_new"), new_series_data(gw), follow=True)

    series = GroupSeries.objects.get(title="Living Well, autumn")
    assert response.redirect_chain[-1][0] == reverse("groups:series", args=[series.pk])
    page = response.content.decode()
    assert "created with 6 sessions" in page
    # One leader only: the page warns that a workshop needs two, one of them a peer.
    assert "needs two leaders" in page
    assert series.capacity == 16 and series.duration_minutes == 150 and series.timezone == "America/Chicago"
    sessions = list(series.sessions.order_by("number"))
    assert len(sessions) == 6
    assert {s.local_start().strftime("%H:%M") for s in sessions} == {"18:00"}
    assert [s.local_start().date() for s in sessions] == [
        timezone.localdate() + timedelta(days=7 * (i + 1)) for i in range(6)
    ]
    assert list(series.facilitators.values_list("user", "role")) == [(gw.lena.user.pk, FacilitatorRole.PEER_LEADER)]
    first = sessions[0].local_start()
    assert f"{first:%a} {first.day} {first:%b %Y, %H:%M}" in page  # the schedule, in the series' own zone


def test_a_series_in_the_past_is_refused_with_every_field_kept(group_world: GroupWorld) -> None:
    gw = group_world
    last_week = timezone.localdate() - timedelta(days=7)
    data = new_series_data(gw, first_day=last_week.isoformat(), venue="Kept Hall", description="Kept words")
    response = client_for(gw.world.cora).post(reverse("groups:series_new"), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was saved." in page
    assert "cannot start in the past" in page
    assert 'value="Living Well, autumn"' in page and 'value="Kept Hall"' in page and "Kept words" in page
    assert f'value="{last_week.isoformat()}"' in page and 'value="18:00"' in page
    assert not GroupSeries.objects.filter(title="Living Well, autumn").exists()


def test_missing_title_and_a_bad_facilitator_row_show_beside_their_fields(group_world: GroupWorld) -> None:
    gw = group_world
    data = new_series_data(gw, title="", role_1="", facilitator_2=gw.world.sofia.user.pk, role_2="co_leader")
    response = client_for(gw.world.cora).post(reverse("groups:series_new"), data)
    page = response.content.decode()
    assert "This field is required." in page
    assert "Choose Lena leader&#x27;s role." in page
    assert GroupSeries.objects.count() == 1


def test_custom_dates_make_one_session_each_and_a_bad_line_is_named(group_world: GroupWorld) -> None:
    gw = group_world
    cora = client_for(gw.world.cora)
    day = timezone.localdate() + timedelta(days=10)
    later = day + timedelta(days=30)
    bad = cora.post(
        reverse("groups:series_new"),
        new_series_data(gw, pattern="custom", custom_dates=f"{day} 10:00\nnext tuesday"),
    )
    page = bad.content.decode()
    assert "Not a date and time (YYYY-MM-DD HH:MM): next tuesday." in page
    assert f"{day} 10:00\nnext tuesday" in page  # the textarea keeps what was typed
    assert GroupSeries.objects.count() == 1

    cora.post(
        reverse("groups:series_new"),
        new_series_data(gw, pattern="custom", custom_dates=f"{later} 09:30\n{day} 10:00\n", kind="support_group"),
    )
    series = GroupSeries.objects.get(title="Living Well, autumn")
    assert series.recurrence == "" and series.capacity == 20  # a support group's usual size
    assert [s.local_start().strftime("%Y-%m-%d %H:%M") for s in series.sessions.order_by("starts_at")] == [
        f"{day} 10:00",
        f"{later} 09:30",
    ]


def test_a_raw_rule_is_used_and_a_rule_that_never_ends_is_refused_beside_it(group_world: GroupWorld) -> None:
    gw = group_world
    cora = client_for(gw.world.cora)
    endless = cora.post(reverse("groups:series_new"), new_series_data(gw, rrule="FREQ=WEEKLY;BYDAY=TU,TH"))
    assert "This rule never ends" in endless.content.decode()
    assert 'value="FREQ=WEEKLY;BYDAY=TU,TH"' in endless.content.decode()
    assert GroupSeries.objects.count() == 1

    cora.post(reverse("groups:series_new"), new_series_data(gw, rrule="FREQ=WEEKLY;BYDAY=TU,TH;COUNT=4"))
    series = GroupSeries.objects.get(title="Living Well, autumn")
    assert series.sessions.count() == 4
    assert {s.local_start().strftime("%a") for s in series.sessions.all()} == {"Tue", "Thu"}


def test_a_program_without_a_group_model_cannot_take_a_series(group_world: GroupWorld) -> None:
    gw = group_world
    response = client_for(gw.world.cora).post(
        reverse("groups:series_new"), new_series_data(gw, program=gw.world.telephone.pk)
    )
    # The telephone program delivers no group model, so it is not even offered.
    assert "Select a valid choice" in response.content.decode()
    assert GroupSeries.objects.count() == 1


def test_editing_capacity_below_the_registrations_is_refused_and_nothing_changes(group_world: GroupWorld) -> None:
    gw = group_world
    series = gw.workshop
    url = reverse("groups:series_edit", args=[series.pk])
    cora = client_for(gw.world.cora)
    form = cora.get(url).content.decode()
    assert 'value="Living Well with Diabetes, spring"' in form

    data = {
        "title": "Renamed",
        "description": "",
        "language": "en",
        "venue": "New Hall",
        "online_url": "",
        "capacity": "4",
        "completion_min": "4",
        "completion_of": "6",
        "facilitator_1": gw.lena.user.pk,
        "role_1": "peer_leader",
        "facilitator_2": gw.world.sid.user.pk,
        "role_2": "co_leader",
    }
    response = cora.post(url, data)
    page = response.content.decode()
    assert "6 people are registered; capacity cannot go below that" in page
    assert 'value="Renamed"' in page and 'value="New Hall"' in page
    series.refresh_from_db()
    assert series.title == "Living Well with Diabetes, spring" and series.capacity == 16
    # The facilitators are unchanged too: one transaction for both.
    assert set(series.facilitators.values_list("user", flat=True)) == {gw.lena.user.pk, gw.world.sofia.user.pk}

    data["capacity"] = "12"
    response = cora.post(url, data, follow=True)
    assert "Series saved." in response.content.decode()
    series.refresh_from_db()
    assert series.title == "Renamed" and series.capacity == 12 and series.venue == "New Hall"
    assert set(series.facilitators.values_list("user", flat=True)) == {gw.lena.user.pk, gw.world.sid.user.pk}


def test_a_bad_completion_rule_is_refused(group_world: GroupWorld) -> None:
    gw = group_world
    url = reverse("groups:series_edit", args=[gw.workshop.pk])
    data = {
        "title": "x",
        "language": "en",
        "capacity": "16",
        "completion_min": "7",
        "completion_of": "6",
    }
    page = client_for(gw.world.cora).post(url, data).content.decode()
    assert "Completion means attending at least 1 and at most all of the sessions." in page
    gw.workshop.refresh_from_db()
    assert gw.workshop.completion_min_attended == 4
    assert Facilitator.objects.filter(series=gw.workshop).count() == 2


def test_the_series_list_filters_by_kind_and_shows_each_series_figures(group_world: GroupWorld) -> None:
    gw = group_world
    visits = make_series(
        gw.world.cora,
        gw.program,
        GroupKind.GROUP_VISIT,
        weekly(timezone.now() + timedelta(days=3), 3),
        title="Monthly group visit",
        capacity=10,
    )
    cora = client_for(gw.world.cora)
    everything = cora.get(reverse("groups:series_list")).content.decode()
    assert "Living Well with Diabetes, spring" in everything and "Monthly group visit" in everything
    assert "6 of 16" in everything  # registered of capacity
    visits_only = cora.get(reverse("groups:series_list"), {"kind": GroupKind.GROUP_VISIT}).content.decode()
    assert "Monthly group visit" in visits_only and "Living Well with Diabetes, spring" not in visits_only
    assert "0 of 10" in visits_only
    next_start = visits.sessions.order_by("starts_at").first()
    assert next_start is not None
    assert next_start.local_start().strftime("%H:%M") in visits_only


def test_a_full_series_puts_the_next_person_on_the_waiting_list_and_a_drop_promotes_them(
    group_world: GroupWorld,
) -> None:
    gw = group_world
    series = gw.workshop
    series.capacity = 6
    series.save()
    cora = client_for(gw.world.cora)
    url = reverse("groups:registrations", args=[series.pk])
    fay = make_participant(gw.world.org, "Fay", family_name="Waiting")
    make_enrollment(gw.world.cora, fay, gw.program)
    gus = make_participant(gw.world.org, "Gus", family_name="Waiting")
    register_directly(
        gw.world.cora, series, make_enrollment(gw.world.cora, gus, gw.program), RegistrationStatus.WAITLISTED
    )

    page = cora.get(url).content.decode()
    assert "Fay Waiting" in page  # offered: open enrolment in the program
    assert "Rita Gomez" not in page  # not in this program

    response = cora.post(reverse("groups:register", args=[series.pk]), {"participant": fay.pk}, follow=True)
    page = response.content.decode()
    assert "The series is full: Fay Waiting is number 2 on the waiting list." in page
    waiting = page.split('aria-label="Waiting list, first come first served"')[1]
    assert waiting.index("Gus Waiting") < waiting.index("Fay Waiting")

    ana = gw.registrations["ana"]
    response = cora.post(reverse("groups:drop", args=[ana.pk]), {"reason": "Moved away"}, follow=True)
    page = response.content.decode()
    assert "Ana Tester dropped out." in page
    assert "Gus Waiting moved up from the waiting list and now has a place." in page
    assert Registration.objects.get(series=series, participant=gus).status == RegistrationStatus.REGISTERED
    assert Registration.objects.get(series=series, participant=fay).status == RegistrationStatus.WAITLISTED
    ana.refresh_from_db()
    assert ana.status == RegistrationStatus.DROPPED and ana.drop_reason == "Moved away"
    assert "Moved away" in page


def test_registering_someone_twice_is_refused_with_a_clear_message(group_world: GroupWorld) -> None:
    gw = group_world
    cora = client_for(gw.world.cora)
    response = cora.post(reverse("groups:register", args=[gw.workshop.pk]), {"participant": gw.participants["ana"].pk})
    # Ana is already in: she is not offered, so the choice is refused and nothing changes.
    assert "Nothing was saved." in response.content.decode()
    assert Registration.objects.filter(series=gw.workshop).count() == 6


def test_the_series_page_shows_schedule_figures_and_facilitators(group_world: GroupWorld) -> None:
    gw = group_world
    for session in gw.sessions[:3]:
        for key in ("ana", "ben"):
            mark(gw.world.cora, session, gw.registrations[key], "present")
    page = client_for(gw.world.cora).get(reverse("groups:series", args=[gw.workshop.pk])).content.decode()
    assert "Weekly, 6 sessions" in page
    assert "Lena leader" in page and "Peer leader" in page
    assert "Sessions held</dt><dd>4 of 6" in page
    assert "Started</dt><dd>2 " in page
    assert "Mean attendance</dt><dd>3.0 of 6" in page
    for session in GroupSession.objects.filter(series=gw.workshop):
        local = session.local_start()
        assert f"{local:%a} {local.day} {local:%b %Y, %H:%M}" in page


def test_a_curriculum_of_the_program_gives_the_sessions_their_topics_and_one_of_another_kind_is_refused(
    group_world: GroupWorld,
) -> None:
    gw = group_world
    sessions = [
        CurriculumSession("Welcome and goals", ["social_emotional"]),
        CurriculumSession("Blood sugar basics", ["daily_management"]),
    ]
    visits = save_curriculum(gw.world.cora, gw.program, GroupKind.GROUP_VISIT, "Group visit plan", sessions)
    workshop = save_curriculum(gw.world.cora, gw.program, GroupKind.WORKSHOP, "Short workshop", sessions)
    cora = client_for(gw.world.cora)

    wrong = cora.post(reverse("groups:series_new"), new_series_data(gw, curriculum=visits.pk))
    assert "Choose a curriculum of this program made for this kind of series." in wrong.content.decode()
    assert GroupSeries.objects.count() == 1

    cora.post(reverse("groups:series_new"), new_series_data(gw, curriculum=workshop.pk, count="3"))
    series = GroupSeries.objects.get(title="Living Well, autumn")
    assert [(s.number, s.topic, s.functions) for s in series.sessions.order_by("number")] == [
        (1, "Welcome and goals", ["social_emotional"]),
        (2, "Blood sugar basics", ["daily_management"]),
        (3, "", []),
    ]
    page = cora.get(reverse("groups:series", args=[series.pk])).content.decode()
    assert "Short workshop" in page and "Welcome and goals" in page
