"""Every role against every page family: who gets the page, who gets 404 (never a hint it exists)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from alongside.testing.world import World

pytestmark = pytest.mark.django_db

ROLES = ["admin", "coordinator", "supervisor", "professional", "evaluator", "supporter", "participant", "outsider"]

# page name -> (url builder, roles that get 200; participant may get a redirect to their own page)
PAGES: dict[str, tuple[Callable[[World], str], set[str]]] = {
    "caseload": (lambda w: reverse("people:caseload"), {"supporter"}),
    "my record": (lambda w: reverse("people:me"), {"participant"}),
    "participant list": (
        lambda w: reverse("people:participants"),
        {"admin", "coordinator", "supervisor", "professional", "outsider"},
    ),
    "participant page": (
        lambda w: reverse("people:participant", args=[w.paul.pk]),
        {"admin", "coordinator", "supervisor", "professional", "supporter"},
    ),
    "new participant": (lambda w: reverse("people:participant_new"), {"admin", "coordinator", "outsider"}),
    "edit participant": (
        lambda w: reverse("people:participant_edit", args=[w.paul.pk]),
        {"admin", "coordinator"},
    ),
    "enrol participant": (lambda w: reverse("programs:enroll", args=[w.paul.pk]), {"admin", "coordinator"}),
    "program overview": (
        lambda w: reverse("programs:overview"),
        {"admin", "coordinator", "supervisor", "evaluator", "outsider"},
    ),
    "program page": (
        lambda w: reverse("programs:detail", args=[w.telephone.pk]),
        {"admin", "coordinator", "supervisor", "evaluator"},
    ),
    "new program": (lambda w: reverse("programs:new"), {"admin", "coordinator", "outsider"}),
    "edit program": (lambda w: reverse("programs:edit", args=[w.telephone.pk]), {"admin", "coordinator"}),
    "supporters": (lambda w: reverse("people:supporters"), {"admin", "coordinator", "supervisor", "outsider"}),
    "edit supporter": (lambda w: reverse("people:supporter_edit", args=[w.sofia.pk]), {"admin", "coordinator"}),
    "concerns": (
        lambda w: reverse("safety:concerns"),
        {"admin", "coordinator", "supervisor", "professional", "supporter", "outsider"},
    ),
    "raise concern": (
        lambda w: reverse("safety:raise", args=[w.paul.pk]),
        {"admin", "coordinator", "supervisor", "professional", "supporter"},
    ),
    "log contact": (
        lambda w: reverse("contacts:log", args=[w.paul.pk]),
        {"admin", "coordinator", "supervisor", "supporter"},
    ),
    "access log": (lambda w: reverse("audit:access_log"), {"admin"}),
}


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("role", ROLES)
def test_role_sees_only_the_pages_meant_for_it(world: World, client: Client, page: str, role: str) -> None:
    url_for, allowed = PAGES[page]
    client.force_login(world.users_by_role()[role])
    response = client.get(url_for(world))
    if role == "participant" and page == "participant page":
        assert response.status_code == 302 and response["Location"] == reverse("people:me")
    elif role in allowed:
        assert response.status_code == 200, response.content[:500]
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("page", list(PAGES))
def test_anonymous_visitors_are_sent_to_log_in(world: World, client: Client, page: str) -> None:
    url_for, _ = PAGES[page]
    response = client.get(url_for(world))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_supporter_cannot_see_another_supporters_participant(world: World, client: Client) -> None:
    client.force_login(world.sofia.user)
    assert client.get(reverse("people:participant", args=[world.rita.pk])).status_code == 404
    assert client.get(reverse("contacts:log", args=[world.rita.pk])).status_code == 404
    client.force_login(world.sid.user)
    assert client.get(reverse("people:participant", args=[world.rita.pk])).status_code == 200


def test_outsider_cannot_see_another_organizations_participant_or_program(world: World, client: Client) -> None:
    client.force_login(world.otto)
    assert client.get(reverse("people:participant", args=[world.paul.pk])).status_code == 404
    overview = client.get(reverse("programs:overview")).content.decode()
    assert world.telephone.name not in overview
    listing = client.get(reverse("people:participants")).content.decode()
    assert "Paul" not in listing


def test_professional_sees_only_participants_of_programs_they_lead(world: World, client: Client) -> None:
    client.force_login(world.priya)
    assert client.get(reverse("people:participant", args=[world.paul.pk])).status_code == 200
    assert client.get(reverse("people:participant", args=[world.rita.pk])).status_code == 404


def test_evaluator_sees_aggregates_but_no_names(world: World, client: Client) -> None:
    client.force_login(world.eve)
    page = client.get(reverse("programs:overview")).content.decode()
    assert world.telephone.name in page
    assert "Paul" not in page and "Rita" not in page
