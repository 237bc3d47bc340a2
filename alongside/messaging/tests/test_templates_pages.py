"""Message template pages: coordinators see which text each purpose, language and channel uses, edit it (a
wrong placeholder is shown beside the field and nothing is saved), preview it with sample values."""

from __future__ import annotations

import pytest
from django.test import Client

from alongside.messaging.models import Channel, MessageTemplate, MessagingSettings, Purpose
from alongside.testing.world import World

pytestmark = pytest.mark.django_db

EDIT = "/messaging/templates/edit/"


def edit_url(world: World, purpose: str = Purpose.CALL_REMINDER, language: str = "es", program: bool = True) -> str:
    url = f"{EDIT}?purpose={purpose}&language={language}&channel={Channel.SMS}"
    return url + (f"&program={world.telephone.pk}" if program else "")


def test_the_list_says_where_each_text_comes_from(client: Client, world: World) -> None:
    client.force_login(world.cora)
    MessageTemplate.objects.create(
        organization=world.org, purpose=Purpose.CALL_REMINDER, language="es", channel=Channel.SMS, body="Hola"
    )

    page = client.get(f"/messaging/templates/?program={world.telephone.pk}").content.decode()

    assert "Scheduled call reminder" in page and "Group session reminder" in page
    assert "the organization's text" in page and "built-in text" in page


def test_the_edit_page_starts_from_the_text_in_use_and_previews_it(client: Client, world: World) -> None:
    client.force_login(world.cora)
    page = client.get(edit_url(world)).content.decode()
    assert "Hola {{ first_name }}" in page  # the built-in Spanish text to start from
    # Its preview with sample values, dates and times written the Spanish way.
    assert "Hola Maria, Sofia de Diabetes Peer Support le llamará el miércoles 4 de marzo a las 10:30." in page


def test_saving_makes_the_programs_own_template(client: Client, world: World) -> None:
    client.force_login(world.cora)
    response = client.post(
        edit_url(world), {"body": "Hola {{ first_name }}, llamada a las {{ call_time }}", "functions": ["ongoing"]}
    )

    assert response.status_code == 302
    saved = MessageTemplate.objects.get()
    assert (saved.program_id, saved.language, saved.fn_ongoing) == (world.telephone.pk, "es", True)


def test_an_unknown_variable_is_shown_and_nothing_is_saved(client: Client, world: World) -> None:
    client.force_login(world.cora)
    response = client.post(edit_url(world), {"body": "Hola {{ nombre }}"})

    assert response.status_code == 200
    assert "Unknown variable: nombre" in response.content.decode()
    assert not MessageTemplate.objects.exists()


def test_preview_shows_sample_values_without_saving(client: Client, world: World) -> None:
    client.force_login(world.cora)
    response = client.post(edit_url(world), {"body": "Hola {{ first_name }} a las {{ call_time }}", "preview": "1"})

    assert "Hola Maria a las 10:30" in response.content.decode()
    assert not MessageTemplate.objects.exists()


def test_supervisors_read_but_do_not_save_and_others_get_a_404(client: Client, world: World) -> None:
    client.force_login(world.sam)
    assert client.get(edit_url(world)).status_code == 200
    assert client.post(edit_url(world), {"body": "Hola"}).status_code == 404
    for user in (world.sofia.user, world.paul_user):
        client.force_login(user)
        assert client.get("/messaging/templates/").status_code == 404
    client.force_login(world.otto)
    assert client.get(edit_url(world)).status_code == 404  # another organization's program
    assert not MessageTemplate.objects.exists()


def test_removing_a_programs_template_brings_back_the_organizations(client: Client, world: World) -> None:
    client.force_login(world.cora)
    client.post(edit_url(world), {"body": "Hola {{ first_name }}"})
    own = MessageTemplate.objects.get()

    client.force_login(world.otto)
    assert client.post(f"/messaging/templates/{own.pk}/delete/").status_code == 404
    client.force_login(world.cora)
    assert client.post(f"/messaging/templates/{own.pk}/delete/").status_code == 302
    assert not MessageTemplate.objects.exists()


def test_a_coordinator_sets_the_programs_reminders_on_the_templates_page(client: Client, world: World) -> None:
    client.force_login(world.cora)
    url = f"/messaging/programs/{world.telephone.pk}/reminders/"
    fields = {"session_reminder_hours": "24", "call_reminder_hours": "2", "daily_cap": "3", "check_in_weekday": "0"}

    page = client.get(f"/messaging/templates/?program={world.telephone.pk}").content.decode()
    assert "Save reminder settings" in page
    bad = client.post(url, {**fields, "daily_cap": "99"})
    assert bad.status_code == 200 and "Enter a whole number from 1 to 20." in bad.content.decode()
    assert not MessagingSettings.objects.exists()

    assert client.post(url, fields).status_code == 302
    assert MessagingSettings.objects.get(program=world.telephone).check_in_weekday == 0
    client.force_login(world.sam)
    assert client.post(url, fields).status_code == 404
