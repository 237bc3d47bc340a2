"""End to end in a real Chromium at 360 px: a peer leader at a workshop session reviews a plan with one tap,
sets the next one through the low-confidence prompt, then enters a glucose reading that raises an
emergency concern and sees the banner."""

from __future__ import annotations

import pytest

from alongside.safety.models import Concern
from alongside.selfcare.models import ActionPlan
from alongside.selfcare.services import ActionPlanInput, create_action_plan
from alongside.testing.browser import SCREENSHOTS
from alongside.testing.groups import GroupWorld
from alongside.testing.world import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_leader_reviews_and_sets_plans_then_records_readings_at_360_px(
    group_world: GroupWorld, live_server, page
) -> None:
    gw = group_world
    session = gw.current_session
    ana = gw.enrollments["ana"]
    walk = ActionPlanInput("walk", "20 minutes", "mornings", 5, 8)
    create_action_plan(gw.lena.user, ana, walk, session=gw.sessions[2])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(gw.lena.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()

    page.goto(f"{live_server.url}/selfcare/sessions/{session.pk}/plans/")
    page.get_by_role("heading", name="Action plans").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    person = page.locator(f"#person-{ana.pk}")
    person.get_by_role("group", name="How did Ana's plan go?").get_by_role("button", name="Done", exact=True).tap()
    page.get_by_text("Ana Tester's plan reviewed: done.").wait_for()

    person = page.locator(f"#person-{ana.pk}")
    person.get_by_text("New plan for Ana").tap()
    person.get_by_label("What will you do?").fill("walk to the park")
    person.get_by_label("How much?").fill("30 minutes")
    person.get_by_label("When?").fill("after breakfast")
    person.locator("label.chip").filter(has_text="every day").tap()
    person.locator("label.chip").filter(has_text="5").last.tap()
    person.get_by_role("button", name="Save Ana's plan").tap()
    page.get_by_text("Confidence 5 of 10: can the plan be made smaller or easier").wait_for()
    person = page.locator(f"#person-{ana.pk}")
    assert person.get_by_label("What will you do?").input_value() == "walk to the park"
    page.screenshot(path=str(SCREENSHOTS / "session-plans-prompt-360.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    person.get_by_label("Keep this plan as it is").check()
    person.get_by_role("button", name="Save Ana's plan").tap()
    page.get_by_text("Ana Tester's plan saved: walk to the park").wait_for()
    kept = ActionPlan.objects.get(status="active")
    assert kept.low_confidence_kept and kept.set_in_session_id == session.pk

    page.get_by_role("link", name="Readings").tap()
    page.get_by_role("heading", name="Readings").wait_for()
    ben = gw.enrollments["ben"]
    person = page.locator(f"#person-{ben.pk}")
    person.get_by_text("Readings for Ben").tap()
    person.get_by_label("Glucose", exact=True).fill("50")
    page.screenshot(path=str(SCREENSHOTS / "session-readings-form-360.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    person.get_by_role("button", name="Save Ben's readings").tap()
    page.get_by_role("alert").filter(has_text="tell the clinician in the room now").first.wait_for()
    assert Concern.objects.get().tier == "emergency"
    page.screenshot(path=str(SCREENSHOTS / "session-readings-concern-360.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
