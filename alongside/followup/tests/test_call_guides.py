"""Call guides per program and language: the coordinator writes the script and prompts supporters see on the
call screen; bad input is explained and nothing is saved."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from alongside.followup.models import CallGuide
from alongside.followup.services import save_call_guide
from alongside.taxonomy import LANGUAGE_NAMES
from alongside.testing.pages import flash_messages, section, text
from alongside.testing.world import World

pytestmark = pytest.mark.django_db

SCRIPT = "Hola, soy de Apoyo Telefónico. ¿Tiene unos minutos para hablar?"
PROMPTS = "¿Cómo le fue con su plan de caminar?\n¿Ha tomado sus medicinas?"


def guide_url(world: World, language: str) -> str:
    return reverse("followup:call_guide", args=[world.telephone.pk, language])


def settings_url(world: World) -> str:
    return reverse("followup:program_settings", args=[world.telephone.pk])


def snapshot() -> list[Any]:
    return list(CallGuide.objects.order_by("pk").values())


def test_the_settings_page_lists_a_guide_slot_for_each_program_language(world: World, client: Client) -> None:
    save_call_guide(world.cora, world.telephone, "en", "Hello, this is Telephone Peer Support.", "")
    client.force_login(world.cora)
    guides = section(text(client.get(settings_url(world))), 'aria-label="Call guides"', "</ul>")
    for code in world.telephone.languages:
        assert LANGUAGE_NAMES[code] in guides
        assert guide_url(world, code) in guides
    assert "Hello, this is Telephone Peer Support." in guides
    assert guides.count("Write one") == len(world.telephone.languages) - 1


def test_a_coordinator_writes_a_guide_in_spanish_and_edits_it(world: World, client: Client) -> None:
    client.force_login(world.cora)
    response = client.post(guide_url(world, "es"), {"script": SCRIPT, "prompts": PROMPTS}, follow=True)

    assert response.redirect_chain == [(settings_url(world), 302)]
    assert flash_messages(response) == ["Call guide in Spanish saved."]
    guide = CallGuide.objects.get(program=world.telephone, language="es")
    assert (guide.script, guide.prompt_lines) == (SCRIPT, PROMPTS.splitlines())
    assert guide.updated_by == world.cora

    page = text(client.get(guide_url(world, "es")))
    assert SCRIPT in page and PROMPTS.splitlines()[1] in page
    client.post(guide_url(world, "es"), {"script": "Buenos días.", "prompts": ""})
    guide.refresh_from_db()
    assert (guide.script, guide.prompts) == ("Buenos días.", "")
    assert CallGuide.objects.filter(program=world.telephone).count() == 1


def test_an_empty_script_is_refused_keeps_the_prompts_and_saves_nothing(world: World, client: Client) -> None:
    save_call_guide(world.cora, world.telephone, "es", SCRIPT, "")
    before = snapshot()
    client.force_login(world.cora)

    response = client.post(guide_url(world, "es"), {"script": "   ", "prompts": PROMPTS})

    assert response.status_code == 200
    page = text(response)
    assert "Nothing was saved." in page
    assert "Write the opening of the call." in section(page, 'name="script"', "</div>")
    assert PROMPTS in page
    assert snapshot() == before


def test_a_guide_longer_than_the_limit_is_refused(world: World, client: Client) -> None:
    client.force_login(world.cora)
    response = client.post(guide_url(world, "en"), {"script": "Hello. " * 2000, "prompts": ""})
    assert "A call guide is at most 10,000 characters." in text(response)
    assert not CallGuide.objects.exists()


def test_an_unknown_language_is_not_found(world: World, client: Client) -> None:
    client.force_login(world.cora)
    assert client.post(guide_url(world, "klingon"), {"script": SCRIPT}).status_code == 404
    assert not CallGuide.objects.exists()


def test_a_supervisor_reads_a_guide_without_a_form(world: World, client: Client) -> None:
    save_call_guide(world.cora, world.telephone, "es", SCRIPT, PROMPTS)
    client.force_login(world.sam)
    page = text(client.get(guide_url(world, "es")))
    assert SCRIPT in page
    assert "Save call guide" not in page


@pytest.mark.parametrize("who", ["supervisor", "supporter", "evaluator", "outsider"])
def test_only_the_programs_coordinators_write_guides(world: World, client: Client, who: str) -> None:
    save_call_guide(world.cora, world.telephone, "es", SCRIPT, PROMPTS)
    before = snapshot()
    client.force_login(world.users_by_role()[who])
    assert client.post(guide_url(world, "es"), {"script": "Changed.", "prompts": ""}).status_code == 404
    assert client.post(guide_url(world, "en"), {"script": "New.", "prompts": ""}).status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("who", ["supporter", "evaluator", "outsider"])
def test_roles_outside_the_settings_cannot_read_the_guide_page(world: World, client: Client, who: str) -> None:
    client.force_login(world.users_by_role()[who])
    assert client.get(guide_url(world, "es")).status_code == 404
