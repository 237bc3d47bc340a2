"""Function coverage equals what a test computes independently from the contacts."""

from __future__ import annotations

import pytest

from alongside.contacts.queries import function_coverage
from alongside.programs.models import Program
from alongside.taxonomy import Outcome
from alongside.testing.coverage import independent_coverage
from alongside.testing.world import World, make_contact, make_enrollment, make_participant

pytestmark = pytest.mark.django_db


def test_it_matches_an_independent_count(world: World) -> None:
    program = world.telephone
    people = [make_participant(world.org, f"P{i}") for i in range(6)]
    enrollments = [make_enrollment(world.cora, p, program, [world.sofia]) for p in people]
    paused = make_enrollment(world.cora, make_participant(world.org, "Paused"), program, [world.sofia], "paused")
    by = world.sofia.user
    make_contact(enrollments[0], by, days_ago=3, functions=("daily_management", "social_emotional"))
    make_contact(enrollments[0], by, days_ago=5, functions=("daily_management",))
    make_contact(enrollments[1], by, days_ago=40, functions=("linkage",))
    make_contact(enrollments[2], by, days_ago=10, functions=("ongoing", "linkage"))
    make_contact(enrollments[3], by, days_ago=2, outcome=Outcome.NO_ANSWER)
    make_contact(enrollments[4], by, days_ago=100, functions=("social_emotional",))
    make_contact(paused, by, days_ago=1, functions=("daily_management",))
    make_contact(world.paul_enrollment, by, days_ago=29, functions=("social_emotional",))

    for days in (30, 90):
        coverage = function_coverage(Program.objects.filter(pk=program.pk), days)[program.pk]
        expected = independent_coverage(program, days)
        for function, (covered, active) in expected.items():
            assert coverage.by_function[function] == covered, (days, function)
            assert coverage.active == active
    thirty = function_coverage(Program.objects.filter(pk=program.pk), 30)[program.pk]
    assert thirty.active == 7  # six new people and Paul; the paused enrolment does not count
    assert thirty.by_function == {"daily_management": 1, "social_emotional": 2, "linkage": 1, "ongoing": 1}


def test_it_is_two_queries_for_any_number_of_programs(world: World, django_assert_num_queries) -> None:
    with django_assert_num_queries(2):
        function_coverage(Program.objects.all(), 30)
