"""Completion rules per program and kind of series: the settings page (managers of the program's
organization only, defaults shown, all kinds saved all or nothing, bad input kept and nothing saved), new
series copying the rule, and /api/v1/completion-rules/."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alongside.accounts.models import User
from alongside.groups.models import CompletionRule, GroupSeries
from alongside.testing.api import ApiFor
from alongside.testing.groups import GroupWorld

pytestmark = pytest.mark.django_db

RULES = "/api/v1/completion-rules/"


def rules() -> list[Any]:
    return list(CompletionRule.objects.order_by("pk").values("program_id", "kind", "min_attended", "of_sessions"))


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(gw: GroupWorld) -> str:
    return reverse("groups:completion_rules", args=[gw.program.pk])


def form(**changes: str) -> dict[str, str]:
    data = {
        "min_workshop": "4",
        "of_workshop": "6",
        "min_group_visit": "1",
        "of_group_visit": "2",
        "min_support_group": "1",
        "of_support_group": "2",
    }
    data.update(changes)
    return data


def test_the_page_shows_each_kinds_rule_with_the_default(group_world: GroupWorld) -> None:
    response = logged_in(group_world.world.cora).get(page(group_world))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Self-management workshop" in text and "Support group" in text and "Group visit" in text
    assert 'name="min_workshop" value="4"' in text and 'name="of_workshop" value="6"' in text
    assert "The default: at least 4 of every 6." in text


def test_a_coordinator_changes_the_workshop_rule_and_only_that_one_is_saved(group_world: GroupWorld) -> None:
    gw = group_world
    client = logged_in(gw.world.cora)

    response = client.post(page(gw), form(min_workshop="3", of_workshop="5"))

    assert response.status_code == 302
    assert rules() == [{"program_id": gw.program.pk, "kind": "workshop", "min_attended": 3, "of_sessions": 5}]
    text = client.get(page(gw)).content.decode()
    assert 'name="min_workshop" value="3"' in text
    assert "Default: at least 4 of every 6. This program has its own rule." in text


def test_a_bad_rule_shows_the_error_keeps_the_input_and_saves_no_rule(group_world: GroupWorld) -> None:
    gw = group_world
    before = rules()

    response = logged_in(gw.world.cora).post(
        page(gw), form(min_workshop="7", of_workshop="6", min_support_group="2", of_support_group="3")
    )

    assert response.status_code == 200
    text = response.content.decode()
    assert "Nothing was saved" in text
    assert "at least 1 and at most all of the sessions" in text
    assert 'name="min_workshop" value="7"' in text and 'name="min_support_group" value="2"' in text
    assert rules() == before == []  # the good support group change was not saved either


def test_words_instead_of_numbers_are_refused(group_world: GroupWorld) -> None:
    response = logged_in(group_world.world.cora).post(page(group_world), form(min_workshop="four"))
    assert response.status_code == 200
    assert 'name="min_workshop" value="four"' in response.content.decode()
    assert rules() == []


@pytest.mark.parametrize("who", ["sam", "eve", "priya", "lena", "paul", "otto"])
def test_only_the_organizations_managers_open_the_page(group_world: GroupWorld, who: str) -> None:
    gw = group_world
    w = gw.world
    user = {"sam": w.sam, "eve": w.eve, "priya": w.priya, "lena": gw.lena.user, "paul": w.paul_user, "otto": w.otto}
    client = logged_in(user[who])
    assert client.get(page(gw)).status_code == 404
    assert client.post(page(gw), form(min_workshop="3")).status_code == 404
    assert rules() == []


def test_a_new_series_copies_the_programs_rule(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    logged_in(gw.world.cora).post(page(gw), form(min_workshop="5", of_workshop="6"))
    day = timezone.localdate(timezone=ZoneInfo("America/New_York")) + timedelta(days=7)
    response = api(gw.world.cora).post(
        "/api/v1/group-series/",
        {
            "program": gw.program.pk,
            "kind": "workshop",
            "title": "Summer",
            "first_session": f"{day:%Y-%m-%d}T18:00",
            "recurrence": "FREQ=WEEKLY;COUNT=6",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    series = GroupSeries.objects.get(pk=response.json()["id"])
    assert (series.completion_min_attended, series.completion_of_sessions) == (5, 6)
    gw.workshop.refresh_from_db()
    assert (gw.workshop.completion_min_attended, gw.workshop.completion_of_sessions) == (4, 6)  # kept its own


# -------------------------------------------------------------------------------------------------- API


def test_the_api_shows_defaults_and_sets_rules_all_or_nothing(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    client = api(gw.world.cora)
    body = client.get(f"{RULES}{gw.program.pk}/").json()
    workshop = next(r for r in body["rules"] if r["kind"] == "workshop")
    assert workshop == {
        "kind": "workshop",
        "min_attended": 4,
        "of_sessions": 6,
        "is_default": True,
        "delivered": True,
        "default": [4, 6],
    }

    bad = client.put(
        f"{RULES}{gw.program.pk}/",
        {
            "rules": [
                {"kind": "support_group", "min_attended": 6, "of_sessions": 12},
                {"kind": "workshop", "min_attended": 0, "of_sessions": 6},
            ]
        },
        format="json",
    )
    assert bad.status_code == 400 and "workshop" in bad.json() and "support_group" not in bad.json()
    assert rules() == []

    good = client.put(
        f"{RULES}{gw.program.pk}/", {"rules": [{"kind": "support_group", "min_attended": 6, "of_sessions": 12}]}
    )
    assert good.status_code == 200, good.content
    support = next(r for r in good.json()["rules"] if r["kind"] == "support_group")
    assert (support["min_attended"], support["of_sessions"], support["is_default"]) == (6, 12, False)


def test_the_api_lets_only_managers_write_and_hides_other_organizations(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    data = {"rules": [{"kind": "workshop", "min_attended": 3, "of_sessions": 6}]}
    for user in (gw.lena.user, gw.world.sam, gw.world.eve):
        assert api(user).get(f"{RULES}{gw.program.pk}/").status_code == 200
        assert api(user).put(f"{RULES}{gw.program.pk}/", data, format="json").status_code == 403
    otto = api(gw.world.otto)
    assert otto.get(f"{RULES}{gw.program.pk}/").status_code == 404
    assert otto.put(f"{RULES}{gw.program.pk}/", data, format="json").status_code == 404
    assert gw.program.pk not in [r["program"] for r in otto.get(RULES).json()["results"]]
    assert rules() == []
