"""End to end in a real Chromium at 360 px: a coordinator starts the ready-made weekly tips, adds Paul, the
first tip is queued with its link, and the link's confirm button unsubscribes him without a login."""

from __future__ import annotations

import pytest

from alongside.messaging import sequences
from alongside.messaging.models import OutboundMessage, SequenceMembership, SequenceMembershipStatus
from alongside.testing.browser import SCREENSHOTS
from alongside.testing.world import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_starts_weekly_tips_and_paul_unsubscribes_from_the_link(
    world: World, live_server, page, settings
) -> None:
    settings.ALONGSIDE_BASE_URL = live_server.url
    world.paul.email = "paul@example.org"
    world.paul.save()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(world.cora.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    page.goto(f"{live_server.url}/messaging/sequences/new/")
    ready_made = page.get_by_role("region", name="Start from the ready-made tips")
    ready_made.get_by_label("Program").select_option(label="Telephone Peer Support")
    ready_made.get_by_role("button", name="Create from the ready-made tips").click()
    page.get_by_role("heading", name="Weekly tips for 12 weeks").wait_for()
    page.get_by_label("Paul Okafor").check()
    page.get_by_role("button", name="Add", exact=True).click()
    page.get_by_role("heading", name="Members (1)").wait_for()
    page.screenshot(path=str(SCREENSHOTS / "sequence-360.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    assert sequences.generate_due() == 1
    link = next(w for w in OutboundMessage.objects.get().body.split() if "/messaging/unsubscribe/" in w)
    page.context.clear_cookies()
    page.goto(link)
    page.get_by_role("heading", name="Stop these emails?").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("button", name="Unsubscribe").click()
    page.get_by_role("heading", name="You are unsubscribed").wait_for()
    assert SequenceMembership.objects.get().status == SequenceMembershipStatus.UNSUBSCRIBED
