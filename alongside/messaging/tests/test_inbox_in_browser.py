"""End to end in a real Chromium at 360 px: Paul texts in, Sofia sees it under Messages, marks it read and
texts him back from the Text Paul page."""

from __future__ import annotations

import pytest
from django.test import Client

from alongside.messaging.models import OutboundMessage, Purpose
from alongside.messaging.tests.inbound_helpers import TOKEN, post_text
from alongside.testing.browser import SCREENSHOTS
from alongside.testing.world import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_supporter_reads_a_text_and_replies_on_a_phone(world: World, live_server, page, settings) -> None:
    settings.TWILIO_AUTH_TOKEN = TOKEN
    post_text(Client(), world.paul.phone, "Walked 20 minutes today!")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(world.sofia.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Messages (1)").tap()

    page.get_by_role("heading", name="Messages").wait_for()
    texts = page.get_by_role("list", name="Texts")
    assert "Walked 20 minutes today!" in texts.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "messages-360.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("button", name="Mark the text from Paul read").tap()
    page.get_by_text("No unread texts.").wait_for()

    page.goto(f"{live_server.url}/messaging/inbox/?show=all")
    page.get_by_role("link", name="Reply").tap()
    page.get_by_role("heading", name="Text Paul").wait_for()
    page.get_by_label("Message").fill("Great work! Same time tomorrow?")
    page.screenshot(path=str(SCREENSHOTS / "compose-360.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("button", name="Send text").click()
    page.get_by_text("Text to Paul queued.").wait_for()
    assert page.get_by_text("Great work! Same time tomorrow?").is_visible()  # on his timeline
    message = OutboundMessage.objects.get(purpose=Purpose.DIRECT)
    assert message.body == "Great work! Same time tomorrow?" and message.created_by == world.sofia.user
