"""Adding and listing supporters: the login and profile made together, and each caseload against its maximum."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from alongside.accounts.models import Role, User
from alongside.people.models import Supporter
from alongside.testing.pages import flash_messages, text
from alongside.testing.world import World, make_enrollment, make_participant

pytestmark = pytest.mark.django_db

PASSWORD = "listen-first-then-plan"


def supporter_form(world: World, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "username": "maria_promotora",
        "first_name": "María",
        "last_name": "Delgado",
        "email": "maria@example.org",
        "password": PASSWORD,
        "kind": "community_health_worker",
        "languages": ["es", "en"],
        "lived_experience": ["type2_diabetes"],
        "culture_community": "Salvadoran community, Eastside",
        "training_status": "trained",
        "training_hours": "40",
        "max_caseload": "25",
        "supervisor": world.sam.pk,
        "is_active": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def supporter_row(page: str, name: str) -> str:
    rows = [row for row in re.findall(r"<tr>.*?</tr>", page, re.S) if name in row]
    assert len(rows) == 1, rows
    return rows[0]


def test_a_coordinator_adds_a_supporter_with_a_login(world: World, client: Client) -> None:
    client.force_login(world.cora)
    response = client.post(reverse("people:supporter_new"), supporter_form(world), follow=True)

    assert response.redirect_chain == [(reverse("people:supporters"), 302)]
    assert flash_messages(response) == ["María Delgado was added as a supporter."]
    user = User.objects.get(username="maria_promotora")
    assert user.role == Role.SUPPORTER
    assert user.organization == world.org
    assert (user.first_name, user.last_name, user.email) == ("María", "Delgado", "maria@example.org")
    assert user.check_password(PASSWORD)
    supporter = Supporter.objects.get(user=user)
    assert supporter.organization == world.org
    assert supporter.kind == "community_health_worker"
    assert supporter.languages == ["es", "en"]
    assert supporter.lived_experience == ["type2_diabetes"]
    assert supporter.training_status == "trained" and supporter.training_hours == 40
    assert supporter.max_caseload == 25
    assert supporter.supervisor == world.sam
    assert supporter.is_active
    row = supporter_row(text(response), "María Delgado")
    assert "Community health worker / promotora" in row
    assert "0 / 25" in row


def test_the_new_supporter_can_log_in_and_sees_an_empty_caseload(world: World, client: Client) -> None:
    client.force_login(world.cora)
    client.post(reverse("people:supporter_new"), supporter_form(world))
    client.logout()
    assert client.login(username="maria_promotora", password=PASSWORD)
    response = client.get(reverse("people:caseload"))
    assert response.status_code == 200


def test_a_supporter_added_without_a_password_cannot_log_in_yet(world: World, client: Client) -> None:
    client.force_login(world.cora)
    response = client.post(reverse("people:supporter_new"), supporter_form(world, password=""))
    assert response.status_code == 302
    user = User.objects.get(username="maria_promotora")
    assert not user.has_usable_password()
    assert Supporter.objects.filter(user=user).exists()


@pytest.mark.parametrize("username", ["sofia_supporter", "SOFIA_SUPPORTER", "cora_coordinator"])
def test_a_username_already_taken_is_refused(world: World, client: Client, username: str) -> None:
    client.force_login(world.cora)
    users, supporters = User.objects.count(), Supporter.objects.count()

    response = client.post(reverse("people:supporter_new"), supporter_form(world, username=username))

    assert response.status_code == 200
    page = text(response)
    assert "That username is taken." in page
    assert "Nothing was saved." in page
    assert f'value="{username}"' in page and 'value="Delgado"' in page
    assert User.objects.count() == users
    assert Supporter.objects.count() == supporters


BAD_INPUT: dict[str, tuple[dict[str, Any], str]] = {
    "no first name": ({"first_name": ""}, "This field is required."),
    "a common password": ({"password": "password"}, "This password is too common."),
    "a password like the username": ({"password": "maria_promotora"}, "The password is too similar to the username."),
    "no language": ({"languages": None}, "This field is required."),
    "caseload of zero": ({"max_caseload": "0"}, "Ensure this value is greater than or equal to 1."),
    "unknown kind": ({"kind": "guru"}, "Select a valid choice. guru is not one of the available choices."),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_supporter_input_creates_neither_login_nor_profile(world: World, client: Client, case: str) -> None:
    overrides, message = BAD_INPUT[case]
    client.force_login(world.cora)
    users, supporters = User.objects.count(), Supporter.objects.count()
    response = client.post(reverse("people:supporter_new"), supporter_form(world, **overrides))
    assert response.status_code == 200
    assert message in text(response)
    assert User.objects.count() == users
    assert Supporter.objects.count() == supporters


def test_a_supervisor_of_another_organization_cannot_be_chosen(world: World, client: Client) -> None:
    client.force_login(world.cora)
    response = client.post(reverse("people:supporter_new"), supporter_form(world, supervisor=world.otto.pk))
    assert response.status_code == 200
    assert "Select a valid choice." in text(response)
    assert not User.objects.filter(username="maria_promotora").exists()


def test_the_supporter_list_shows_each_caseload_against_its_maximum(world: World, client: Client) -> None:
    client.force_login(world.cora)
    page = text(client.get(reverse("people:supporters")))
    assert "1 / 10" in supporter_row(page, str(world.sofia))
    assert "1 / 10" in supporter_row(page, str(world.sid))


def test_the_caseload_counts_only_current_assignments_in_caseload_statuses(world: World, client: Client) -> None:
    for name, status in [("Ana", "active"), ("Ben", "paused"), ("Cy", "referred"), ("Di", "completed")]:
        person = make_participant(world.org, name)
        make_enrollment(world.cora, person, world.telephone, [world.sofia], status=status)
    ended = make_enrollment(world.cora, make_participant(world.org, "Ed"), world.telephone, [world.sofia])
    ended.assignments.update(ended_at=ended.status_changed_at)
    world.sofia.max_caseload = 2
    world.sofia.save()
    client.force_login(world.sam)

    row = supporter_row(text(client.get(reverse("people:supporters"))), str(world.sofia))

    # Paul (active), Ana (active), Ben (paused); not Cy (referred), Di (completed) or Ed (assignment ended).
    assert "3 / 2" in row
    assert '<span class="badge danger">over</span>' in row


def test_an_outsider_sees_only_their_own_organizations_supporters(world: World, client: Client) -> None:
    client.force_login(world.otto)
    page = text(client.get(reverse("people:supporters")))
    assert str(world.sofia) not in page
    assert "No supporters yet." in page


@pytest.mark.parametrize("who", ["supervisor", "supporter", "professional"])
def test_only_managers_add_supporters(world: World, client: Client, who: str) -> None:
    client.force_login(world.users_by_role()[who])
    users = User.objects.count()
    response = client.post(reverse("people:supporter_new"), supporter_form(world))
    assert response.status_code == 404
    assert User.objects.count() == users


def test_a_coordinator_edits_a_supporters_maximum_caseload(world: World, client: Client) -> None:
    client.force_login(world.cora)
    data = supporter_form(world, max_caseload="4")
    for account_field in ("username", "first_name", "last_name", "email", "password"):
        data.pop(account_field)
    response = client.post(reverse("people:supporter_edit", args=[world.sofia.pk]), data, follow=True)
    assert flash_messages(response) == ["Saved."]
    world.sofia.refresh_from_db()
    assert world.sofia.max_caseload == 4
    assert "1 / 4" in supporter_row(text(response), str(world.sofia))
