"""/api/v1/message-templates/: scoped reads, writes by coordinators through the service, an unknown variable or
malformed placeholder as a 400 that saves nothing, and a preview with sample values."""

from __future__ import annotations

import pytest

from alongside.messaging.models import Channel, MessageTemplate, Purpose
from alongside.testing.api import ApiFor
from alongside.testing.world import World

pytestmark = pytest.mark.django_db

URL = "/api/v1/message-templates/"


def body(world: World, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "program": world.telephone.pk,
        "purpose": Purpose.CALL_REMINDER,
        "language": "es",
        "channel": Channel.SMS,
        "body": "Hola {{ first_name }}, {{ supporter_first_name }} le llama a las {{ call_time }}.",
        "functions": ["ongoing"],
    }
    data.update(changes)
    return data


def test_a_coordinator_writes_a_programs_template(api: ApiFor, world: World) -> None:
    response = api(world.cora).post(URL, body(world), format="json")

    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["program"], data["language"], data["functions"]) == (world.telephone.pk, "es", ["ongoing"])
    assert "call_time" in data["variables"]


def test_an_unknown_variable_is_a_400_and_nothing_is_saved(api: ApiFor, world: World) -> None:
    response = api(world.cora).post(URL, body(world, body="Hola {{ nombre }}"), format="json")
    assert response.status_code == 400
    assert "Unknown variable: nombre" in response.json()["body"][0]
    response = api(world.cora).post(URL, body(world, body="Hola {{ first_name }"), format="json")
    assert response.status_code == 400 and "Malformed" in response.json()["body"][0]
    assert not MessageTemplate.objects.exists()


def test_rewriting_and_removing_a_template(api: ApiFor, world: World) -> None:
    created = api(world.cora).post(URL, body(world, program=None), format="json").json()
    assert created["program"] is None  # organization-wide

    changed = api(world.cora).put(f"{URL}{created['id']}/", {"body": "Hola {{ first_name }}"}, format="json")
    assert changed.status_code == 200 and changed.json()["body"] == "Hola {{ first_name }}"
    bad = api(world.cora).put(f"{URL}{created['id']}/", {"body": "{{ venue }}"}, format="json")
    assert bad.status_code == 400
    assert MessageTemplate.objects.get().body == "Hola {{ first_name }}"

    assert api(world.cora).delete(f"{URL}{created['id']}/").status_code == 204
    assert not MessageTemplate.objects.exists()


def test_reads_are_scoped_and_writes_are_for_managers(api: ApiFor, world: World) -> None:
    created = api(world.cora).post(URL, body(world), format="json").json()

    assert api(world.sam).get(URL).json()["count"] == 1
    assert api(world.otto).get(f"{URL}{created['id']}/").status_code == 404
    assert api(world.sofia.user).get(URL).json()["count"] == 0
    assert api(world.sam).post(URL, body(world, language="en"), format="json").status_code == 403
    assert api(world.otto).post(URL, body(world, language="en"), format="json").status_code == 400  # not its program
    assert MessageTemplate.objects.count() == 1


def test_preview_renders_sample_values_without_saving(api: ApiFor, world: World) -> None:
    response = api(world.cora).post(f"{URL}preview/", body(world), format="json")
    assert response.status_code == 200
    assert response.json()["body"] == "Hola Maria, Sofia le llama a las 10:30."
    assert api(world.cora).post(f"{URL}preview/", body(world, body="{{ x }}"), format="json").status_code == 400
    assert not MessageTemplate.objects.exists()
