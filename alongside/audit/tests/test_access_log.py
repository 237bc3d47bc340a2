"""The access log page: admins read who looked at which participant, within their own organization only."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from alongside.accounts.models import User
from alongside.audit.models import AccessLogEntry
from alongside.testing.pages import section, text
from alongside.testing.world import World

pytestmark = pytest.mark.django_db


def rows(page: str) -> list[str]:
    return re.findall(r"<tr><td>.*?</tr>", section(page, "<tbody>", "</tbody>"), re.S)


def visit(client: Client, who: User, participant_id: int) -> None:
    client.force_login(who)
    assert client.get(reverse("people:participant", args=[participant_id])).status_code == 200


@pytest.fixture
def visits(world: World, client: Client) -> None:
    """Sofia looks at Paul twice, Cora at Rita, Sid at Rita; at Hillcrest, Otto looks at Hana."""
    visit(client, world.sofia.user, world.paul.pk)
    visit(client, world.sofia.user, world.paul.pk)
    visit(client, world.cora, world.rita.pk)
    visit(client, world.sid.user, world.rita.pk)
    visit(client, world.otto, world.hana.pk)


def test_an_admin_sees_the_entries_written_by_page_views(world: World, client: Client, visits: None) -> None:
    client.force_login(world.ada)
    page = text(client.get(reverse("audit:access_log")))

    shown = rows(page)
    assert len(shown) == 4
    assert "4 entries" in page
    assert sum("sofia_supporter (supporter)" in r and f"Paul Okafor (#{world.paul.pk})" in r for r in shown) == 2
    assert any("cora_coordinator (coordinator)" in r and f"Rita Gomez (#{world.rita.pk})" in r for r in shown)
    assert any("sid_supporter (supporter)" in r for r in shown)
    assert all("Web page" in r for r in shown)
    assert reverse("people:participant", args=[world.paul.pk]) in page
    # Newest first: Sid's look at Rita was the last one.
    assert "sid_supporter" in shown[0]


def test_filtering_by_username_shows_only_that_users_entries(world: World, client: Client, visits: None) -> None:
    client.force_login(world.ada)
    page = text(client.get(reverse("audit:access_log"), {"user": "sofia_supporter"}))
    shown = rows(page)
    assert len(shown) == 2
    assert all("sofia_supporter" in r and "Paul Okafor" in r for r in shown)
    assert 'value="sofia_supporter"' in page  # the filter stays filled in


def test_filtering_by_participant_id_shows_only_that_participants_entries(
    world: World, client: Client, visits: None
) -> None:
    client.force_login(world.ada)
    page = text(client.get(reverse("audit:access_log"), {"participant": str(world.rita.pk)}))
    shown = rows(page)
    assert len(shown) == 2
    assert all(f"Rita Gomez (#{world.rita.pk})" in r for r in shown)
    assert {"cora_coordinator" in r for r in shown} == {True, False}


def test_both_filters_together_narrow_to_one_person_looking_at_another(
    world: World, client: Client, visits: None
) -> None:
    client.force_login(world.ada)
    page = text(client.get(reverse("audit:access_log"), {"participant": str(world.rita.pk), "user": "sid_supporter"}))
    [row] = rows(page)
    assert "sid_supporter" in row and "Rita Gomez" in row


def test_a_filter_matching_nothing_says_so(world: World, client: Client, visits: None) -> None:
    client.force_login(world.ada)
    page = text(client.get(reverse("audit:access_log"), {"user": "nobody"}))
    assert rows(page) == []
    assert "No entries." in page and "0 entries" in page


def test_entries_about_another_organizations_participants_are_not_shown(
    world: World, client: Client, visits: None
) -> None:
    assert AccessLogEntry.objects.filter(participant=world.hana).count() == 1
    client.force_login(world.ada)

    page = text(client.get(reverse("audit:access_log")))
    assert "Hana" not in page and "otto_outsider" not in page

    by_id = text(client.get(reverse("audit:access_log"), {"participant": str(world.hana.pk)}))
    assert rows(by_id) == [] and "Hana" not in by_id
    by_user = text(client.get(reverse("audit:access_log"), {"user": "otto_outsider"}))
    assert rows(by_user) == [] and "Hana" not in by_user


def test_reading_the_access_log_is_for_admins_only(world: World, client: Client, visits: None) -> None:
    for who in (world.cora, world.sam, world.eve, world.sofia.user, world.otto):
        client.force_login(who)
        assert client.get(reverse("audit:access_log")).status_code == 404


def test_a_participant_reading_their_own_record_is_logged_too(world: World, client: Client) -> None:
    client.force_login(world.paul_user)
    assert client.get(reverse("people:me")).status_code == 200
    client.force_login(world.ada)
    [row] = rows(text(client.get(reverse("audit:access_log"))))
    assert "paul_participant (participant)" in row and "Paul Okafor" in row
