"""End to end in a real Chromium at 360 px: a supporter logs a phone call with two functions."""

from __future__ import annotations

import pytest

from alongside.contacts.models import Contact
from alongside.testing.browser import SCREENSHOTS
from alongside.testing.world import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_supporter_logs_a_phone_call_with_two_functions_and_sees_it_on_the_timeline(
    world: World, live_server, page
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(world.sofia.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("heading", name="Today", exact=True).wait_for()  # a supporter's home
    page.get_by_role("link", name="My caseload").click()
    page.get_by_role("heading", name="My caseload").wait_for()
    page.screenshot(path=str(SCREENSHOTS / "caseload-360.png"), full_page=True)
    page.get_by_role("link", name="Paul Okafor").click()
    page.get_by_role("link", name="Log contact").click()

    # Defaults already say: phone call, reached, proactive, now, 10 minutes, next contact in a week.
    toggles = page.locator("label.function-toggle")
    toggles.filter(has_text="Assistance in daily management").tap()
    toggles.filter(has_text="Social and emotional support").tap()
    assert page.get_by_role("checkbox", name="Social and emotional support").is_checked()
    page.get_by_label("Note").fill("Talked through evening snacks; feeling less alone.")
    page.screenshot(path=str(SCREENSHOTS / "log-contact-360.png"), full_page=True)
    page.get_by_role("button", name="Save contact").click()

    page.get_by_text("Contact saved.").wait_for()
    timeline = page.get_by_role("list", name="Timeline, newest first")
    logged = timeline.get_by_role("listitem").filter(has_text="Phone call · Reached")
    assert logged.count() == 1
    text = logged.inner_text()
    assert "Assistance in daily management" in text and "Social and emotional support" in text
    assert "Talked through evening snacks" in text
    page.screenshot(path=str(SCREENSHOTS / "timeline-360.png"), full_page=True)

    # Nothing on the page is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    contact = Contact.objects.get()
    assert contact.functions == ["daily_management", "social_emotional"]
    assert contact.modality == "phone_call" and contact.outcome == "reached"
    assert contact.supporter == world.sofia
