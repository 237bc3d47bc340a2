"""End to end in a real Chromium at 360 px: a coordinator opens the program's message templates, writes a
Spanish call reminder with a typo in a variable (told, nothing saved), previews the fixed text and saves it."""

from __future__ import annotations

import pytest

from alongside.messaging.models import MessageTemplate
from alongside.testing.browser import SCREENSHOTS
from alongside.testing.world import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_edits_previews_and_saves_a_spanish_reminder(world: World, live_server, page) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(world.cora.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto(f"{live_server.url}/followup/programs/{world.telephone.pk}/settings/")
    page.get_by_role("link", name="Reminders and message templates").tap()
    page.get_by_role("heading", name="Message templates: Telephone Peer Support").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(SCREENSHOTS / "message-templates-360.png"), full_page=True)

    section = page.get_by_role("region", name="Scheduled call reminder")
    section.get_by_role("link", name="Spanish · Text message (SMS)").tap()
    page.get_by_role("heading", name="Scheduled call reminder").wait_for()

    message = page.get_by_label("Message")
    message.fill("Hola {{ first_name }}, le llamamos a las {{ hora }}.")
    page.get_by_role("button", name="Save template").click()
    page.get_by_text("Unknown variable: hora").wait_for()
    assert not MessageTemplate.objects.exists()

    page.get_by_label("Message").fill("Hola {{ first_name }}, le llamamos a las {{ call_time }}.")
    page.get_by_role("button", name="Preview").click()
    page.get_by_text("Hola Maria, le llamamos a las 10:30.").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(SCREENSHOTS / "message-template-preview-360.png"), full_page=True)

    page.get_by_role("button", name="Save template").click()
    page.get_by_text("Template saved; the next messages use it.").wait_for()
    saved = MessageTemplate.objects.get()
    assert (saved.program_id, saved.language, saved.purpose) == (world.telephone.pk, "es", "call_reminder")
