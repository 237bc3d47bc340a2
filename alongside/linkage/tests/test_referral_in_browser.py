"""End to end in a real Chromium at 360 px: Sofia refers Paul from his page (searching the directory without
losing what she typed), then Priya answers from her inbox: accept, book, complete."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from alongside.linkage.models import Referral
from alongside.linkage.tests.referral_helpers import diabetes_clinic, food_bank
from alongside.testing.browser import SCREENSHOTS
from alongside.testing.world import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def fits(page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth") <= 360)


def test_a_supporter_refers_and_the_professional_closes_the_loop_on_a_phone(world: World, live_server, page) -> None:
    food_bank(world)
    diabetes_clinic(world)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    log_in(page, live_server, world.sofia.user.username)
    page.goto(f"{live_server.url}/people/participants/{world.paul.pk}/")
    section = page.get_by_role("region", name="Referrals")
    section.get_by_role("link", name="Refer").tap()
    page.get_by_role("heading", name="Refer Paul Okafor").wait_for()
    page.get_by_label("Reason", exact=True).fill("Numb feet for two weeks.")
    page.get_by_label("A service in the directory").fill("clinic")
    page.get_by_role("button", name="Search").tap()
    page.get_by_text("Eastside Food Bank").wait_for(state="detached")  # the list was swapped for the matches
    assert page.get_by_text("Riverside Diabetes Clinic").is_visible()
    assert (
        page.get_by_label("Reason", exact=True).input_value() == "Numb feet for two weeks."
    )  # htmx swapped the list only
    page.locator("label.chip").filter(has_text="Clinical care").tap()
    page.get_by_role("radio", name="Riverside Diabetes Clinic").check()
    page.locator("label.chip").filter(has_text="Soon").tap()
    assert fits(page)
    page.screenshot(path=str(SCREENSHOTS / "referral-new-360.png"), full_page=True)
    page.get_by_role("button", name="Send referral").tap()
    page.get_by_text("The participant must agree to share").first.wait_for()  # consent first
    assert Referral.objects.count() == 0
    page.get_by_label("Paul agrees to share what is ticked below with the receiver").check()
    page.get_by_role("combobox", name="A professional of your organization").select_option(label="Priya professional")
    page.get_by_role("radio", name="None of these").check()
    page.get_by_role("button", name="Send referral").tap()
    page.get_by_text("Referral to Priya professional sent.").wait_for()
    assert fits(page)
    page.screenshot(path=str(SCREENSHOTS / "referral-sent-360.png"), full_page=True)

    log_in(page, live_server, world.priya.username)
    page.get_by_role("link", name="Referrals").first.tap()
    page.get_by_role("heading", name="Referrals to you").wait_for()
    inbox = page.get_by_role("list", name="Referrals waiting for you")
    assert "Paul Okafor" in inbox.inner_text() and "Numb feet" in inbox.inner_text()
    assert fits(page)
    page.screenshot(path=str(SCREENSHOTS / "referral-inbox-360.png"), full_page=True)
    inbox.get_by_role("button", name="Accept").tap()
    page.get_by_text("Referral to Priya professional: accepted.").wait_for()
    day = timezone.localdate() + timedelta(days=3)
    inbox.get_by_label("Appointment day").fill(day.isoformat())
    inbox.get_by_label("Time").fill("10:30")
    inbox.get_by_role("button", name="Book appointment").tap()
    page.get_by_text("appointment scheduled.").wait_for()
    inbox.get_by_role("button", name="Completed").tap()
    page.get_by_text("Referral to Priya professional: completed.").wait_for()
    assert page.get_by_text("Nothing waiting.").is_visible()

    referral = Referral.objects.get()
    assert referral.status == "completed" and referral.appointment_at is not None
    assert list(referral.events.values_list("to_status", flat=True)) == [
        "draft",
        "sent",
        "accepted",
        "scheduled",
        "completed",
    ]
