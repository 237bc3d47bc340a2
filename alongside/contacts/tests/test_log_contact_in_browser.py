"""End to end in a real Chromium at 360 px: a supporter logs a phone call with two functions."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from alongside.contacts.models import Contact
from alongside.testing.world import PASSWORD, World

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOTS = Path(os.environ.get("ALONGSIDE_SCREENSHOTS", "var/screenshots"))

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(live_server) -> Iterator[object]:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        if os.environ.get("CI"):
            pytest.fail(f"CI must have Chromium at {CHROMIUM}")
        pytest.skip(f"No Chromium at {CHROMIUM}: install Debian's chromium package to run browser tests")
    # Playwright's sync API runs an event loop in this thread; Django's ORM in the test body is fine.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=1, has_touch=True)
        yield context.new_page()
        context.close()
        browser.close()


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
