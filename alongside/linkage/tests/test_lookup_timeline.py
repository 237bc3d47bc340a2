from __future__ import annotations

from django.test import Client
from django.urls import reverse

from alongside.linkage.directory import share_with_participant
from alongside.linkage.models import Service
from alongside.people.timeline import timeline_for
from alongside.testing.world import World


def _service(world: World) -> Service:
    return Service.objects.create(organization=world.org, name="Northside Food Pantry", languages=["en"])


def test_a_shared_resource_shows_on_the_participants_timeline_with_the_linkage_badge(
    world: World, client: Client
) -> None:
    service = _service(world)
    share_with_participant(world.sofia.user, world.paul, service)
    (event,) = [e for e in timeline_for(world.paul, world.cora) if e.kind == "lookup"]
    assert event.obj.service == service and event.functions == ["linkage"]
    client.force_login(world.sofia.user)
    page = client.get(reverse("people:participant", args=[world.paul.pk])).content.decode()
    assert "Resource shared" in page and "Northside Food Pantry" in page


def test_a_supporter_of_another_enrolment_does_not_see_the_look_up(world: World) -> None:
    share_with_participant(world.sofia.user, world.paul, _service(world))
    assert [e for e in timeline_for(world.paul, world.sid.user) if e.kind == "lookup"] == []
