"""End to end in a real Chromium at 360 px: a supporter works through Today on the call screen, first an
unanswered call, then a reached one that takes the line off the list."""

from __future__ import annotations

import pytest

from alongside.contacts.models import Contact
from alongside.followup import engine
from alongside.followup.cadence import Cadence, CadenceKind
from alongside.followup.services import save_cadence, save_call_guide
from alongside.testing.browser import SCREENSHOTS
from alongside.testing.world import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_supporter_calls_from_today_no_answer_then_reached_and_the_line_leaves(world: World, live_server, page) -> None:
    # Paul is overdue on a weekly cadence and has never had linkage; the program has a call guide.
    save_cadence(world.cora, Cadence(CadenceKind.INTERVAL, interval_days=7, grace_days=3), program=world.telephone)
    save_call_guide(
        world.cora, world.telephone, "en", "Hi Paul, it's Sofia from the peer program.", "How are your feet?"
    )
    engine.recompute_all()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(world.sofia.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("heading", name="Today", exact=True).wait_for()
    worklist = page.get_by_role("list", name="Who to contact, most pressing first")
    first = worklist.get_by_role("listitem").first
    assert "Paul Okafor" in first.inner_text() and "Overdue" in first.inner_text()
    assert "Not answered" not in first.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "today-360.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    first.get_by_role("link").first.tap()
    page.get_by_role("heading", name="Call Paul Okafor").wait_for()
    tel = page.locator('a[href^="tel:"]')
    assert tel.get_attribute("href") == "tel:+12025550143"
    assert page.get_by_text("Hi Paul, it's Sofia from the peer program.").is_visible()
    assert page.get_by_text("How are your feet?").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "call-360.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.locator("label.chip").filter(has_text="No answer").tap()
    assert page.get_by_role("radio", name="No answer").is_checked()
    page.get_by_role("button", name="Save call").click()

    page.get_by_text("Call with Paul Okafor saved: No answer.").wait_for()
    line = worklist.get_by_role("listitem").filter(has_text="Paul Okafor")
    assert "Not answered: 1 call since last reached" in line.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "today-after-no-answer-360.png"), full_page=True)

    line.get_by_role("link").first.tap()
    page.get_by_role("heading", name="Call Paul Okafor").wait_for()
    assert page.get_by_role("radio", name="Reached").is_checked()  # the commonest case is the default
    toggles = page.locator("label.function-toggle")
    toggles.filter(has_text="Social and emotional support").tap()
    toggles.filter(has_text="Linkage to clinical care").tap()
    page.get_by_label("Note").fill("Booked his foot check; feeling better.")
    page.get_by_role("button", name="Save call").click()

    page.get_by_text("Call with Paul Okafor saved: Reached.").wait_for()
    assert page.get_by_role("list", name="Who to contact, most pressing first").count() == 0
    assert page.get_by_text("Nothing is due today.").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "today-done-360.png"), full_page=True)

    no_answer, reached = Contact.objects.order_by("occurred_at", "pk")
    assert no_answer.outcome == "no_answer" and no_answer.functions == []
    assert reached.outcome == "reached" and reached.functions == ["social_emotional", "linkage"]
    assert reached.supporter == world.sofia
