"""The attendance screen: one line per person with Present / Absent / Excused (aria-pressed shows the
current mark), Late with minutes for people present, Made up with a date for past sessions. Each tap is a
POST: htmx swaps only that line (and the count); without JavaScript the page comes back at the line.
Refused marks say why and save nothing."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alongside.accounts.models import User
from alongside.audit.models import AccessLogEntry
from alongside.groups.models import Attendance, AttendanceStatus, GroupSession, Registration, RegistrationStatus
from alongside.groups.services import cancel_session
from alongside.testing.groups import GroupWorld, register_directly
from alongside.testing.world import PASSWORD, make_enrollment, make_participant

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def url(session: GroupSession) -> str:
    return reverse("groups:attendance", args=[session.pk])


def line_of(page: str, registration: Registration) -> str:
    """One person's line on the screen (or the whole htmx fragment)."""
    start = page.index(f'id="line-{registration.pk}"')
    return page[start : page.index("</li>", start)]


def pressed(line: str) -> list[str]:
    return re.findall(r'value="(\w+)" class="att-btn \w+" aria-pressed="true"', line)


def test_the_screen_lists_everyone_registered_with_their_attendance_so_far(group_world: GroupWorld) -> None:
    gw = group_world
    page = client_for(gw.lena.user).get(url(gw.current_session)).content.decode()
    for key in ("paul", "ana", "ben", "carmen", "dev", "elena"):
        line = line_of(page, gw.registrations[key])
        assert gw.participants[key].full_name in line
        assert "0 sessions attended" in line and pressed(line) == []
        assert 'aria-pressed="false">Present</button>' in line
    assert "<strong>0 of 6</strong> marked" in page


def test_a_tap_without_javascript_saves_and_comes_back_at_the_line(group_world: GroupWorld) -> None:
    gw = group_world
    lena = client_for(gw.lena.user)
    ana = gw.registrations["ana"]
    response = lena.post(url(gw.current_session), {"registration": ana.pk, "status": "present"})
    assert response.status_code == 302 and response["Location"] == f"{url(gw.current_session)}#line-{ana.pk}"

    row = Attendance.objects.get()
    assert (row.registration, row.status, row.recorded_by) == (ana, AttendanceStatus.PRESENT, gw.lena.user)
    page = lena.get(response["Location"]).content.decode()
    assert "Ana Tester: present." in page
    assert pressed(line_of(page, ana)) == ["present"] and "1 session attended" in line_of(page, ana)
    assert "<strong>1 of 6</strong> marked" in page


def test_an_htmx_tap_returns_just_that_line_and_the_new_count(group_world: GroupWorld) -> None:
    gw = group_world
    lena = client_for(gw.lena.user)
    ben = gw.registrations["ben"]
    lena.post(url(gw.current_session), {"registration": gw.registrations["ana"].pk, "status": "present"})

    response = lena.post(url(gw.current_session), {"registration": ben.pk, "status": "absent"}, HTTP_HX_REQUEST="true")

    fragment = response.content.decode()
    assert response.status_code == 200 and "<html" not in fragment
    assert fragment.count('class="att-line') == 1 and "Ben Tester" in fragment
    assert pressed(line_of(fragment, ben)) == ["absent"]
    assert 'id="marked-count"' in fragment and 'hx-swap-oob="true"' in fragment
    assert "<strong>2 of 6</strong> marked" in fragment
    assert Attendance.objects.get(registration=ben).status == AttendanceStatus.ABSENT


def test_correcting_a_tap_changes_the_same_row(group_world: GroupWorld) -> None:
    gw = group_world
    lena = client_for(gw.lena.user)
    carmen = gw.registrations["carmen"]
    lena.post(url(gw.current_session), {"registration": carmen.pk, "status": "absent"})
    lena.post(url(gw.current_session), {"registration": carmen.pk, "status": "excused"})
    assert list(Attendance.objects.values_list("status", flat=True)) == [AttendanceStatus.EXCUSED]


def test_late_is_for_people_present_and_tapping_present_again_keeps_the_minutes(group_world: GroupWorld) -> None:
    gw = group_world
    lena = client_for(gw.lena.user)
    dev = gw.registrations["dev"]
    page = lena.get(url(gw.current_session)).content.decode()
    assert "Minutes late" not in line_of(page, dev)  # not present yet

    lena.post(url(gw.current_session), {"registration": dev.pk, "status": "present"})
    page = lena.get(url(gw.current_session)).content.decode()
    assert "Minutes late" in line_of(page, dev)
    fragment = lena.post(
        url(gw.current_session),
        {"registration": dev.pk, "status": "present", "minutes_late": "15"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "15 min late" in fragment
    assert Attendance.objects.get(registration=dev).minutes_late == 15

    lena.post(url(gw.current_session), {"registration": dev.pk, "status": "present"})
    assert Attendance.objects.get(registration=dev).minutes_late == 15


def test_late_for_someone_absent_is_refused_and_nothing_changes(group_world: GroupWorld) -> None:
    gw = group_world
    lena = client_for(gw.lena.user)
    elena = gw.registrations["elena"]
    lena.post(url(gw.current_session), {"registration": elena.pk, "status": "absent"})
    fragment = lena.post(
        url(gw.current_session),
        {"registration": elena.pk, "status": "absent", "minutes_late": "10"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "Only someone present can be late (Elena Tester)." in fragment
    assert pressed(line_of(fragment, elena)) == ["absent"]
    row = Attendance.objects.get(registration=elena)
    assert row.status == AttendanceStatus.ABSENT and row.minutes_late == 0


def test_a_future_session_refuses_marks_with_a_clear_message(group_world: GroupWorld) -> None:
    gw = group_world
    future = gw.workshop.sessions.get(number=6)
    lena = client_for(gw.lena.user)
    page = lena.get(url(future)).content.decode()
    assert "take attendance on the day" in page and "att-btn" not in page

    response = lena.post(url(future), {"registration": gw.registrations["ana"].pk, "status": "present"}, follow=True)
    assert f"This session is on {future.starts_on:%Y-%m-%d}; take attendance on the day." in response.content.decode()
    assert not Attendance.objects.exists()


def test_someone_not_registered_is_refused_and_nothing_is_saved(group_world: GroupWorld) -> None:
    gw = group_world
    waiting = make_participant(gw.world.org, "Wanda", family_name="Waiting")
    registration = register_directly(
        gw.world.cora, gw.workshop, make_enrollment(gw.world.cora, waiting, gw.program), RegistrationStatus.WAITLISTED
    )
    lena = client_for(gw.lena.user)
    assert "Wanda Waiting" not in lena.get(url(gw.current_session)).content.decode()

    response = lena.post(url(gw.current_session), {"registration": registration.pk, "status": "present"}, follow=True)
    assert "Wanda Waiting is on the waiting list, not registered" in response.content.decode()

    fragment = lena.post(
        url(gw.current_session), {"registration": 999_999, "status": "present"}, HTTP_HX_REQUEST="true"
    )
    assert fragment["HX-Reswap"] == "none"
    assert "This person is not registered for the series." in fragment.content.decode()
    assert not Attendance.objects.exists()


def test_a_past_session_takes_a_make_up_with_its_date(group_world: GroupWorld) -> None:
    gw = group_world
    second = gw.workshop.sessions.get(number=2)
    ben = gw.registrations["ben"]
    lena = client_for(gw.lena.user)
    page = lena.get(url(second)).content.decode()
    assert "Made up on" in line_of(page, ben)
    assert "Made up on" not in lena.get(url(gw.current_session)).content.decode()  # today's: not past

    refused = lena.post(url(second), {"registration": ben.pk, "status": "made_up", "made_up_on": ""}, follow=True)
    assert "When did Ben Tester make up the session?" in refused.content.decode()
    assert not Attendance.objects.exists()

    today = timezone.localdate()
    lena.post(url(second), {"registration": ben.pk, "status": "made_up", "made_up_on": today.isoformat()})
    row = Attendance.objects.get()
    assert row.status == AttendanceStatus.MADE_UP and row.made_up_on == today
    assert f"Made up on {today.day} {today:%b}" in line_of(lena.get(url(second)).content.decode(), ben)


def test_a_cancelled_session_has_no_buttons(group_world: GroupWorld) -> None:
    gw = group_world
    five = gw.workshop.sessions.get(number=5)
    cancel_session(gw.world.cora, five, "Snow")
    page = client_for(gw.lena.user).get(url(five)).content.decode()
    assert "This session was cancelled: Snow." in page and "att-btn" not in page


def test_a_clinical_lead_reads_the_roster_but_cannot_mark(group_world: GroupWorld) -> None:
    gw = group_world
    priya = client_for(gw.world.priya)
    page = priya.get(url(gw.current_session)).content.decode()
    assert "Ana Tester" in page and "att-btn" not in page
    response = priya.post(url(gw.current_session), {"registration": gw.registrations["ana"].pk, "status": "present"})
    assert response.status_code == 404 and not Attendance.objects.exists()


def test_each_tap_writes_the_access_log_for_that_person(group_world: GroupWorld) -> None:
    gw = group_world
    client_for(gw.lena.user).post(
        url(gw.current_session), {"registration": gw.registrations["ana"].pk, "status": "present"}
    )
    assert list(AccessLogEntry.objects.values_list("participant_id", flat=True)) == [gw.participants["ana"].pk]
