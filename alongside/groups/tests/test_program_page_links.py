from __future__ import annotations

from django.test import Client
from django.urls import reverse

from alongside.testing.groups import GroupWorld


def test_a_group_program_page_links_managers_to_series_curricula_rules_and_thresholds(
    group_world: GroupWorld, client: Client
) -> None:
    client.force_login(group_world.world.cora)
    body = client.get(reverse("programs:detail", args=[group_world.program.pk])).content.decode()
    for url in (
        f"{reverse('groups:series_list')}?program={group_world.program.pk}",
        reverse("groups:curricula", args=[group_world.program.pk]),
        reverse("groups:completion_rules", args=[group_world.program.pk]),
        reverse("selfcare:thresholds", args=[group_world.program.pk]),
    ):
        assert f'href="{url}"' in body


def test_a_telephone_program_page_has_no_group_section(group_world: GroupWorld, client: Client) -> None:
    client.force_login(group_world.world.cora)
    body = client.get(reverse("programs:detail", args=[group_world.world.telephone.pk])).content.decode()
    assert "Group series" not in body


def test_supervisors_see_no_group_settings_links(group_world: GroupWorld, client: Client) -> None:
    client.force_login(group_world.world.sam)
    body = client.get(reverse("programs:detail", args=[group_world.program.pk])).content.decode()
    assert reverse("selfcare:thresholds", args=[group_world.program.pk]) not in body
