"""Who may open which group page: each page renders for the roles it is for and is a 404 for everyone
else (a supporter who leads no series, a participant, an evaluator, otto from another organization),
so nothing about a series is disclosed out of scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alongside.accounts.models import User
from alongside.audit.models import AccessLogEntry
from alongside.groups import services
from alongside.groups.models import Attendance, GroupKind, RegistrationStatus, SessionStatus
from alongside.testing.groups import GroupWorld, make_series, register_directly, weekly
from alongside.testing.world import PASSWORD

pytestmark = pytest.mark.django_db

TITLE = "Living Well with Diabetes, spring"


def client_for(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def people(gw: GroupWorld) -> dict[str, User]:
    w = gw.world
    return {
        "ada": w.ada,
        "cora": w.cora,
        "sam": w.sam,
        "priya": w.priya,
        "eve": w.eve,
        "otto": w.otto,
        "lena": gw.lena.user,
        "sofia": w.sofia.user,
        "sid": w.sid.user,
        "paul": w.paul_user,
    }


def pages(gw: GroupWorld) -> dict[str, str]:
    series, session = gw.workshop.pk, gw.current_session.pk
    return {
        "series_list": reverse("groups:series_list"),
        "series_new": reverse("groups:series_new"),
        "series": reverse("groups:series", args=[series]),
        "series_edit": reverse("groups:series_edit", args=[series]),
        "registrations": reverse("groups:registrations", args=[series]),
        "session": reverse("groups:session", args=[session]),
        "session_edit": reverse("groups:session_edit", args=[session]),
        "attendance": reverse("groups:attendance", args=[session]),
        "report": reverse("groups:report"),
        "my_sessions": reverse("groups:my_sessions"),
    }


# Who gets each page (everyone else: 404).
ALLOWED = {
    "series_list": {"ada", "cora", "sam", "otto"},
    "series_new": {"ada", "cora", "otto"},
    "series": {"ada", "cora", "sam", "priya", "lena", "sofia"},
    "series_edit": {"ada", "cora"},
    "registrations": {"ada", "cora"},
    "session": {"ada", "cora", "sam", "priya", "lena", "sofia"},
    "session_edit": {"ada", "cora", "sam", "lena", "sofia"},
    "attendance": {"ada", "cora", "sam", "priya", "lena", "sofia"},
    "report": {"ada", "cora", "sam", "eve", "otto"},
    "my_sessions": {"ada", "cora", "sam", "priya", "lena", "sofia", "sid", "otto"},
}


@pytest.mark.parametrize("page", sorted(ALLOWED))
def test_each_group_page_renders_for_its_roles_and_is_a_404_for_the_others(group_world: GroupWorld, page: str) -> None:
    url = pages(group_world)[page]
    for name, user in people(group_world).items():
        status = client_for(user).get(url).status_code
        expected = 200 if name in ALLOWED[page] else 404
        assert status == expected, f"{name} on {page}: {status}, expected {expected}"


def test_otto_from_another_organization_sees_none_of_riversides_series(group_world: GroupWorld) -> None:
    otto = client_for(group_world.world.otto)
    for page in ("series_list", "report", "my_sessions"):
        assert TITLE not in otto.get(pages(group_world)[page]).content.decode()


def test_a_manager_sees_the_series_in_the_list_and_the_report(group_world: GroupWorld) -> None:
    cora = client_for(group_world.world.cora)
    assert TITLE in cora.get(pages(group_world)["series_list"]).content.decode()
    assert TITLE in cora.get(pages(group_world)["report"]).content.decode()


def test_a_supporter_who_leads_no_series_cannot_write_either(group_world: GroupWorld) -> None:
    gw = group_world
    sid = client_for(gw.world.sid.user)
    session = gw.current_session
    mark = sid.post(
        reverse("groups:attendance", args=[session.pk]),
        {"registration": gw.registrations["ana"].pk, "status": "present"},
    )
    assert mark.status_code == 404
    assert not Attendance.objects.exists()


def test_a_facilitator_cannot_change_the_schedule(group_world: GroupWorld) -> None:
    gw = group_world
    session = gw.workshop.sessions.get(number=6)
    lena = client_for(gw.lena.user)
    response = lena.post(reverse("groups:session_cancel", args=[session.pk]), {f"s{session.pk}-reason": "Snow"})
    assert response.status_code == 404
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED


def test_a_facilitator_sees_no_registrations_page_link_and_no_schedule_changes(group_world: GroupWorld) -> None:
    page = client_for(group_world.lena.user).get(pages(group_world)["series"]).content.decode()
    assert TITLE in page
    assert reverse("groups:registrations", args=[group_world.workshop.pk]) not in page
    assert "Change session" not in page


def test_a_participant_never_sees_a_roster_or_other_participants_names(group_world: GroupWorld) -> None:
    paul = client_for(group_world.world.paul_user)
    for page in ("attendance", "registrations", "series", "session"):
        assert paul.get(pages(group_world)[page]).status_code == 404
    record = paul.get(reverse("people:me")).content.decode()
    assert TITLE in record
    for other in ("Ana", "Ben", "Carmen", "Dev", "Elena"):
        assert f"{other} Tester" not in record


def test_an_evaluator_sees_figures_but_no_names_or_links(group_world: GroupWorld) -> None:
    page = client_for(group_world.world.eve).get(pages(group_world)["report"]).content.decode()
    assert TITLE in page  # the series' title is not a person's
    assert reverse("groups:series", args=[group_world.workshop.pk]) not in page
    for name in ("Ana", "Paul", "Lena", "Sofia"):
        assert name not in page


def test_the_groups_menu_entry_goes_to_those_who_run_or_manage_groups(group_world: GroupWorld) -> None:
    gw = group_world
    my_sessions = f'href="{reverse("groups:my_sessions")}"'
    assert my_sessions in client_for(gw.lena.user).get(reverse("followup:today")).content.decode()
    assert my_sessions in client_for(gw.world.cora).get(reverse("followup:today")).content.decode()
    assert my_sessions not in client_for(gw.world.sid.user).get(reverse("followup:today")).content.decode()
    report = f'href="{reverse("groups:report")}"'
    assert report in client_for(gw.world.eve).get(reverse("programs:overview")).content.decode()


def test_the_roster_page_writes_the_access_log_for_everyone_shown(group_world: GroupWorld) -> None:
    gw = group_world
    client_for(gw.lena.user).get(pages(gw)["attendance"])
    logged = set(AccessLogEntry.objects.filter(user=gw.lena.user).values_list("participant_id", flat=True))
    assert logged == {p.pk for p in gw.participants.values()}


def test_a_participant_sees_their_groups_next_sessions_and_waiting_list_place_on_my_record(
    group_world: GroupWorld,
) -> None:
    gw = group_world
    w = gw.world
    five = gw.workshop.sessions.get(number=5)
    services.cancel_session(w.cora, five, "Library closed")
    # A support group in Lisbon's time, full, with Ana waiting before Paul.
    lisbon = make_series(
        w.cora,
        gw.program,
        GroupKind.SUPPORT_GROUP,
        weekly(timezone.now() + timedelta(days=5), 2),
        title="Lisbon support group",
        capacity=1,
        zone="Europe/Lisbon",
    )
    register_directly(w.cora, lisbon, gw.enrollments["ben"])
    register_directly(w.cora, lisbon, gw.enrollments["ana"], RegistrationStatus.WAITLISTED)
    register_directly(w.cora, lisbon, gw.enrollments["paul"], RegistrationStatus.WAITLISTED)

    page = client_for(w.paul_user).get(reverse("people:me")).content.decode()
    mine = page.split('id="my-groups-heading"', 1)[1]
    workshop, _, support = mine.partition("Lisbon support group")
    assert "Registered" in workshop and "Riverside Library, Room 2" in workshop
    local = five.local_start()
    assert f"{local:%a} {local.day} {local:%b, %H:%M}" in workshop and "Library closed" in workshop
    assert "Cancelled" in workshop and "America/New_York time" in workshop
    assert "Waiting list: number 2" in support and "Europe/Lisbon time" in support
    first = lisbon.sessions.order_by("starts_at").first()
    assert first is not None
    lisbon_time = first.local_start()
    assert f"{lisbon_time:%a} {lisbon_time.day} {lisbon_time:%b, %H:%M}" in support
    for other in ("Ana Tester", "Ben Tester"):
        assert other not in page


def test_a_participant_who_dropped_out_sees_it_without_sessions(group_world: GroupWorld) -> None:
    gw = group_world
    services.drop(gw.world.cora, gw.registrations["paul"], "Moved")
    page = client_for(gw.world.paul_user).get(reverse("people:me")).content.decode()
    mine = page.split('id="my-groups-heading"', 1)[1]
    assert "Dropped out" in mine and "Next sessions" not in mine
