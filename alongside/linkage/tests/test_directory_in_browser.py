"""End to end in a real Chromium at 360 px: a supporter finds a food pantry near Paul, calls it with one
tap, and shares it with him; a coordinator adds an entry on the same phone and fixes an impossible
coordinate without retyping anything."""

from __future__ import annotations

from decimal import Decimal

import pytest

from alongside.linkage.models import DirectoryLookup, Service
from alongside.linkage.tests.directory_world import make_service, make_term
from alongside.testing.browser import SCREENSHOTS
from alongside.testing.world import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_supporter_finds_a_service_near_paul_and_shares_it(world: World, live_server, page) -> None:
    world.paul.latitude, world.paul.longitude = Decimal("40.7128"), Decimal("-74.0060")
    world.paul.save()
    food = make_term(world.org, "Food")
    make_service(
        world.org,
        "Riverside Community Food Pantry and Fresh Vegetable Market",
        at=(40.7308, -74.006),
        languages=["en", "es"],
        categories=[food],
        provider="Riverside Community Church",
        phone="+12025550143",
    )
    make_service(world.org, "Hillside Diabetes Education", at=(40.8, -74.006), languages=["en"])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    log_in(page, live_server, world.sofia.user.username)
    page.goto(f"{live_server.url}/linkage/directory/?participant={world.paul.pk}")
    page.get_by_role("heading", name="Resources for Paul Okafor").wait_for()
    page.get_by_label("Category").select_option(label="Food")
    page.get_by_label("Within (km)").fill("5")
    page.get_by_role("button", name="Search", exact=True).tap()
    page.wait_for_url("**within_km=5**")

    results = page.get_by_role("list", name="Services")
    first = results.get_by_role("listitem").first
    assert "2.0 km" in first.inner_text() and "Riverside Community Church" in first.inner_text()
    assert results.get_by_role("listitem").count() == 1
    assert first.locator('a[href^="tel:"]').get_attribute("href") == "tel:+12025550143"
    page.screenshot(path=str(SCREENSHOTS / "directory-360.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    first.get_by_role("button", name="Share with Paul").tap()
    page.get_by_text("Shared Riverside Community Food Pantry and Fresh Vegetable Market with Paul Okafor").wait_for()
    assert "Shared with Paul on" in page.get_by_role("list", name="Services").inner_text()
    assert DirectoryLookup.objects.get().participant == world.paul


def test_a_coordinator_adds_an_entry_and_fixes_a_coordinate(world: World, live_server, page) -> None:
    log_in(page, live_server, world.cora.username)
    page.goto(f"{live_server.url}/linkage/directory/services/new/")
    page.get_by_label("Name of the service").fill("Walking group")
    page.get_by_label("Street address").fill("1 Park Road")
    page.get_by_label("Latitude").fill("140.7")
    page.get_by_label("Longitude").fill("-74.0")
    page.get_by_label("Phone 1", exact=True).fill("(202) 555-0143")
    page.get_by_label("Monday opens").fill("09:00")
    page.get_by_label("Monday closes").fill("11:00")
    page.get_by_role("button", name="Save").tap()

    page.get_by_text("Nothing was saved.").wait_for()
    assert page.get_by_text("not a place on Earth").is_visible()
    assert page.get_by_label("Name of the service").input_value() == "Walking group"
    assert page.get_by_label("Monday closes").input_value() == "11:00"
    page.screenshot(path=str(SCREENSHOTS / "service-edit-360.png"), full_page=True)
    page.locator("fieldset", has_text="Opening hours").screenshot(path=str(SCREENSHOTS / "service-hours-360.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert not Service.objects.exists()

    page.get_by_label("Latitude").fill("40.7")
    page.get_by_role("button", name="Save").tap()
    page.get_by_role("heading", name="Walking group").wait_for()
    assert page.get_by_text("Monday, 09:00–11:00").is_visible()
    assert Service.objects.get().phones.get().number == "+12025550143"
