"""Setting up a program through the web form: models, conditions, languages and activities per key function."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from alongside.programs.models import Program, ProgramModel
from alongside.taxonomy import KeyFunction, default_activities
from alongside.testing.pages import checked_values, flash_messages, text
from alongside.testing.world import World

pytestmark = pytest.mark.django_db


def program_form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Diabetes Group Visits",
        "description": "Monthly group visits with a nurse, then weekly calls from a peer.",
        "models": ["1", "6"],
        "conditions": ["type2_diabetes", "prediabetes"],
        "languages": ["en", "es"],
        "use_default_activities": "on",
        "is_active": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_a_coordinator_creates_a_program_with_the_usual_activities_of_its_models(world: World, client: Client) -> None:
    client.force_login(world.cora)
    response = client.post(reverse("programs:new"), program_form(), follow=True)

    program = Program.objects.get(name="Diabetes Group Visits")
    assert response.redirect_chain == [(reverse("programs:detail", args=[program.pk]), 302)]
    assert flash_messages(response) == ["Program “Diabetes Group Visits” was created."]
    assert program.organization == world.org
    assert program.activities == default_activities([1, 6])
    assert sorted(ProgramModel.objects.filter(program=program).values_list("model", flat=True)) == [1, 6]
    assert program.conditions == ["type2_diabetes", "prediabetes"]
    assert program.languages == ["en", "es"]
    assert program.is_active
    page = text(response)
    assert "Professional-led group visits with peer exchange; Telephone-based peer support" in page
    assert "Type 2 diabetes, Prediabetes" in page
    assert "English, Spanish" in page
    assert "Preparing questions for the clinician" in page  # a usual activity of model 1


@pytest.mark.parametrize("model", range(1, 8))
def test_a_program_can_be_created_for_each_of_the_seven_models(world: World, client: Client, model: int) -> None:
    client.force_login(world.cora)
    response = client.post(reverse("programs:new"), program_form(name=f"Model {model} program", models=[str(model)]))

    program = Program.objects.get(name=f"Model {model} program")
    assert response.status_code == 302 and response["Location"] == reverse("programs:detail", args=[program.pk])
    assert program.model_numbers == [model]
    assert program.activities == default_activities([model])
    assert any(program.activities.values())
    overview = text(client.get(reverse("programs:overview")))
    assert f"Model {model} program" in overview


def test_editing_a_program_saves_the_activities_chosen_under_each_function(world: World, client: Client) -> None:
    client.force_login(world.cora)
    chosen = {
        "daily_management": ["diet", "foot_care"],
        "social_emotional": ["listening"],
        "linkage": ["navigation", "community_resource"],
        "ongoing": [],
    }
    data = program_form(
        name="Telephone Peer Support",
        models=["6", "7"],
        use_default_activities=None,
        is_active=None,
        **{f"activities_{function}": codes for function, codes in chosen.items()},
    )
    response = client.post(reverse("programs:edit", args=[world.telephone.pk]), data, follow=True)

    assert response.redirect_chain == [(reverse("programs:detail", args=[world.telephone.pk]), 302)]
    assert flash_messages(response) == ["Saved."]
    world.telephone.refresh_from_db()
    assert world.telephone.activities == {
        "daily_management": ["diet", "foot_care"],
        "social_emotional": ["listening"],
        "linkage": ["navigation", "community_resource"],
        "ongoing": [],
    }
    assert world.telephone.model_numbers == [6, 7]
    assert not world.telephone.is_active
    assert Program.objects.count() == 2
    page = text(response)
    assert "Foot care" in page and "Navigating the health system" in page
    assert "Proactive check-in" not in page  # a usual activity of model 6, no longer chosen
    assert "none chosen" in page  # the ongoing function has no activity now


def test_the_edit_form_shows_the_programs_current_choices(world: World, client: Client) -> None:
    client.force_login(world.cora)
    page = text(client.get(reverse("programs:edit", args=[world.telephone.pk])))
    assert 'value="Telephone Peer Support"' in page
    assert checked_values(page, "models") == ["6"]
    for function in KeyFunction:
        assert checked_values(page, f"activities_{function.value}") == world.telephone.activities_for(function.value)
    assert checked_values(page, "use_default_activities") == []


BAD_INPUT: dict[str, tuple[dict[str, Any], str]] = {
    "no model ticked": ({"models": None}, "This field is required."),
    "unknown model 9": ({"models": ["9"]}, "Select a valid choice. 9 is not one of the available choices."),
    "unknown condition": (
        {"conditions": ["astrology"]},
        "Select a valid choice. astrology is not one of the available choices.",
    ),
    "an activity under the wrong function": (
        {"use_default_activities": None, "activities_linkage": ["diet"]},
        "Select a valid choice. diet is not one of the available choices.",
    ),
    "no activity at all": ({"use_default_activities": None}, "Choose at least one activity."),
    "duplicate name": (
        {"name": "telephone peer support"},
        "This organization already has a program with that name.",
    ),
    "unknown language": (
        {"languages": ["xx"]},
        "Select a valid choice. xx is not one of the available choices.",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_program_input_shows_an_error_and_creates_nothing(world: World, client: Client, case: str) -> None:
    overrides, message = BAD_INPUT[case]
    client.force_login(world.cora)
    before = Program.objects.count()
    before_models = ProgramModel.objects.count()

    response = client.post(reverse("programs:new"), program_form(**overrides))

    assert response.status_code == 200
    page = text(response)
    assert message in page
    assert "Nothing was saved." in page
    assert Program.objects.count() == before
    assert ProgramModel.objects.count() == before_models


def test_a_rejected_program_form_keeps_what_was_typed(world: World, client: Client) -> None:
    client.force_login(world.cora)
    response = client.post(reverse("programs:new"), program_form(models=None))
    page = text(response)
    assert 'value="Diabetes Group Visits"' in page
    assert "Monthly group visits with a nurse, then weekly calls from a peer." in page


def test_a_duplicate_name_on_edit_is_refused_and_the_program_is_unchanged(world: World, client: Client) -> None:
    client.force_login(world.cora)
    response = client.post(
        reverse("programs:edit", args=[world.coaching.pk]), program_form(name="Telephone Peer Support", models=["3"])
    )
    assert response.status_code == 200
    assert "This organization already has a program with that name." in text(response)
    world.coaching.refresh_from_db()
    assert world.coaching.name == "Peer Coaches"


def test_the_same_name_may_be_used_by_another_organization(world: World, client: Client) -> None:
    client.force_login(world.otto)
    response = client.post(reverse("programs:new"), program_form(name="Telephone Peer Support"))
    assert response.status_code == 302
    assert Program.objects.get(organization=world.other_org).name == "Telephone Peer Support"


@pytest.mark.parametrize("who", ["supervisor", "supporter", "evaluator", "participant"])
def test_roles_that_do_not_manage_cannot_create_a_program(world: World, client: Client, who: str) -> None:
    client.force_login(world.users_by_role()[who])
    before = Program.objects.count()
    response = client.post(reverse("programs:new"), program_form())
    assert response.status_code == 404
    assert Program.objects.count() == before
    assert not Program.objects.filter(name="Diabetes Group Visits").exists()


def test_a_supervisor_cannot_edit_a_program(world: World, client: Client) -> None:
    client.force_login(world.sam)
    response = client.post(reverse("programs:edit", args=[world.telephone.pk]), program_form(name="Renamed"))
    assert response.status_code == 404
    world.telephone.refresh_from_db()
    assert world.telephone.name == "Telephone Peer Support"


def test_an_outsider_cannot_edit_another_organizations_program(world: World, client: Client) -> None:
    client.force_login(world.otto)
    response = client.post(reverse("programs:edit", args=[world.telephone.pk]), program_form(name="Renamed"))
    assert response.status_code == 404
    world.telephone.refresh_from_db()
    assert world.telephone.name == "Telephone Peer Support"
