"""The full recompute runs in chunks of enrolment ids, each in its own transaction; the chunking must
not change the result."""

from __future__ import annotations

import random

import pytest

from alongside.followup import engine
from alongside.followup.models import FollowUpState
from alongside.followup.tests.test_engine import build_random_data
from alongside.testing.followup import actual_states, differences, expected_states
from alongside.testing.world import World

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("chunk_size", [1, 3, 7, 1000])
def test_any_chunk_size_gives_the_independent_result(world: World, chunk_size: int) -> None:
    build_random_data(world, random.Random(chunk_size), enrollments=25)
    FollowUpState.objects.all().delete()

    engine.recompute_all(chunk_size=chunk_size)

    assert differences(expected_states(), actual_states()) == []


def test_a_small_chunk_recompute_equals_a_single_chunk_one(world: World) -> None:
    build_random_data(world, random.Random(11), enrollments=25)
    engine.recompute_all(chunk_size=1_000_000)
    whole = actual_states()
    FollowUpState.objects.all().delete()

    result = engine.recompute_all(chunk_size=2)

    assert actual_states() == whole
    assert result.written == len(whole)
