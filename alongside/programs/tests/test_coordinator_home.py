"""The coordinator home: enrolment counts by status and function coverage, computed from the data."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from alongside.taxonomy import Outcome
from alongside.testing.coverage import independent_coverage
from alongside.testing.world import World, make_contact, make_enrollment, make_participant

pytestmark = pytest.mark.django_db


def shown_counts(page: str, program_id: int) -> dict[tuple[str, int], int]:
    section = page.split(f'data-program="{program_id}"', 1)[1].split("</section>", 1)[0]
    cells = re.findall(r'data-function="(\w+)" data-days="(\d+)" data-count="(\d+)"', section)
    return {(function, int(days)): int(count) for function, days, count in cells}


def test_function_coverage_on_the_page_equals_an_independent_count(world: World, client: Client) -> None:
    sofia = world.sofia.user
    people = [make_participant(world.org, f"P{i}") for i in range(5)]
    enrollments = [make_enrollment(world.cora, p, world.telephone, [world.sofia]) for p in people]
    make_contact(enrollments[0], sofia, days_ago=1, functions=("daily_management", "social_emotional"))
    make_contact(enrollments[1], sofia, days_ago=45, functions=("linkage", "ongoing"))
    make_contact(enrollments[2], sofia, days_ago=12, functions=("social_emotional",))
    make_contact(enrollments[3], sofia, days_ago=3, outcome=Outcome.LEFT_MESSAGE)
    make_contact(world.paul_enrollment, sofia, days_ago=89, functions=("daily_management",))
    make_contact(world.rita_enrollment, world.sid.user, days_ago=5, functions=("linkage",))

    client.force_login(world.cora)
    page = client.get(reverse("programs:overview")).content.decode()
    for program in (world.telephone, world.coaching):
        shown = shown_counts(page, program.pk)
        for days in (30, 90):
            for function, (covered, active) in independent_coverage(program, days).items():
                assert shown[(function, days)] == covered, (program.name, function, days)
                assert f"Function coverage of {active} active participant" in page
    # 6 active in the telephone program: 2 of them got social and emotional support in 30 days = 33%.
    assert "33% <span" in page.split(f'data-program="{world.telephone.pk}"', 1)[1]


def test_enrolment_counts_by_status(world: World, client: Client) -> None:
    make_enrollment(world.cora, make_participant(world.org, "A"), world.telephone, status="paused")
    make_enrollment(world.cora, make_participant(world.org, "B"), world.telephone, status="withdrawn")
    make_enrollment(world.cora, make_participant(world.org, "C"), world.telephone, status="withdrawn")
    client.force_login(world.cora)
    page = client.get(reverse("programs:overview")).content.decode()
    section = page.split(f'data-program="{world.telephone.pk}"', 1)[1].split("</section>", 1)[0]
    assert re.search(r'data-status="active">Active: <b>1</b>', section)
    assert re.search(r'data-status="paused">Paused: <b>1</b>', section)
    assert re.search(r'data-status="withdrawn">Withdrawn: <b>2</b>', section)
    assert "Enrolments (4)" in section
