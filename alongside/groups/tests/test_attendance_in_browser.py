"""End to end in a real Chromium at 360 px: Lena, a peer leader, finds today's workshop session from her
Today page, takes attendance on her phone (present, absent, one late), and the coordinator then sees the
attendance on a participant's timeline."""

from __future__ import annotations

import re
from typing import Any

import pytest

from alongside.groups.models import Attendance, AttendanceStatus
from alongside.testing.browser import SCREENSHOTS
from alongside.testing.groups import GroupWorld
from alongside.testing.world import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Any, live_server: Any, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_peer_leader_takes_attendance_on_her_phone_and_the_coordinator_sees_it_on_the_timeline(
    group_world: GroupWorld, live_server: Any, page: Any
) -> None:
    gw = group_world
    session = gw.current_session
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    log_in(page, live_server, "lena_leader")
    page.get_by_role("heading", name="Today", exact=True).wait_for()
    block = page.get_by_role("region", name="Your group sessions today")
    assert "Living Well with Diabetes, spring" in block.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "groups-today-360.png"), full_page=True)
    block.get_by_role("link", name=re.compile("^Take attendance")).tap()

    page.get_by_role("heading", name="Attendance").wait_for()
    assert page.get_by_text("0 of 6").is_visible()
    roster = page.get_by_role("list", name="People at this session")

    def line(name: str) -> Any:
        return roster.get_by_role("listitem").filter(has_text=name)

    def tap(name: str, status: str) -> None:
        line(name).get_by_role("button", name=status, exact=True).tap()
        # htmx swaps the line: wait until the tapped button shows as pressed.
        line(name).locator(f'button[value="{status.lower()}"][aria-pressed="true"]').wait_for()

    for name in ("Ana Tester", "Ben Tester", "Carmen Tester", "Paul Okafor"):
        tap(name, "Present")
    tap("Dev Tester", "Absent")
    page.get_by_text("5 of 6").wait_for()

    ben = line("Ben Tester")
    ben.locator("summary").filter(has_text="Late").tap()
    ben.get_by_label("Minutes late").fill("10")
    ben.get_by_role("button", name="Save late").tap()
    line("Ben Tester").get_by_text("10 min late").wait_for()

    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(SCREENSHOTS / "groups-attendance-360.png"), full_page=True)

    marks = {
        a.registration.participant.preferred_name: (a.status, a.minutes_late)
        for a in Attendance.objects.filter(session=session).select_related("registration__participant")
    }
    assert marks == {
        "Ana": (AttendanceStatus.PRESENT, 0),
        "Ben": (AttendanceStatus.PRESENT, 10),
        "Carmen": (AttendanceStatus.PRESENT, 0),
        "Paul": (AttendanceStatus.PRESENT, 0),
        "Dev": (AttendanceStatus.ABSENT, 0),
    }
    assert set(Attendance.objects.values_list("recorded_by", flat=True)) == {gw.lena.user.pk}

    # The coordinator, in the same browser, sees it on Ben's timeline.
    page.get_by_role("button", name="Log out").click()
    log_in(page, live_server, "cora_coordinator")
    page.goto(f"{live_server.url}/people/participants/{gw.participants['ben'].pk}/")
    timeline = page.get_by_role("list", name="Timeline, newest first")
    entry = timeline.get_by_role("listitem").filter(has_text="Self-management workshop · Present (10 min late)")
    entry.wait_for()
    assert "Living Well with Diabetes, spring, session 4: Healthy eating" in entry.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(SCREENSHOTS / "groups-timeline-360.png"), full_page=True)
