"""Function gaps on the coordinator's page: participants who have not received a key function within their
program's window (e.g. no linkage in 90 days), counted per program and function, and listed under
"Gap: linkage" and the like."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from alongside.followup import disengagement, engine
from alongside.followup.services import save_rules
from alongside.programs.models import Enrollment, Program
from alongside.testing.api import ApiFor
from alongside.testing.world import PASSWORD, World, make_contact, make_enrollment, make_participant

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _states(world: World) -> None:
    engine.recompute_all()


def enrol(world: World, name: str, program: Program | None = None, enrolled_days_ago: int = 120) -> Enrollment:
    enrollment = make_enrollment(
        world.cora,
        make_participant(world.org, name),
        program or world.telephone,
        [world.sofia],
        enrolled_on=timezone.localdate() - timedelta(days=enrolled_days_ago),
    )
    engine.refresh([enrollment.pk])
    return enrollment


def reached(world: World, enrollment: Enrollment, days_ago: int, *functions: str) -> None:
    make_contact(
        enrollment,
        world.cora,
        days_ago=days_ago,
        functions=functions,
        occurred_on=timezone.localdate() - timedelta(days=days_ago),
    )
    engine.refresh([enrollment.pk])


def gap_ids(world: World, function: str, program: Program | None = None) -> set[int]:
    lines = disengagement.flagged(world.cora, f"gap_{function}", program_id=program.pk if program else None)
    return {line.enrollment_id for line in lines}


def gap_count(world: World, program: Program, function: str) -> int | None:
    row = next(r for r in disengagement.program_counts(world.cora) if r.program == program)
    cell = row.cell(disengagement.FLAGS[f"gap_{function}"])
    return cell.count if cell.applies else None


def test_no_linkage_in_90_days_is_a_gap_by_default(world: World) -> None:
    never = enrol(world, "Never linked")
    reached(world, never, 3, "social_emotional")
    recent = enrol(world, "Linked lately")
    reached(world, recent, 30, "linkage")
    long_ago = enrol(world, "Linked long ago")
    reached(world, long_ago, 100, "linkage")
    newcomer = enrol(world, "Newcomer", enrolled_days_ago=60)  # counts from the start of support

    found = gap_ids(world, "linkage", world.telephone)

    assert never.pk in found and long_ago.pk in found
    assert recent.pk not in found and newcomer.pk not in found
    assert gap_count(world, world.telephone, "linkage") == len(found)


def test_a_function_without_a_window_is_never_a_gap_and_shows_no_count(world: World) -> None:
    enrol(world, "Anyone")

    assert gap_ids(world, "daily_management") == set()
    assert gap_count(world, world.telephone, "daily_management") is None


def test_each_program_uses_its_own_window(world: World) -> None:
    save_rules(world.cora, world.telephone, {"gap_daily_management_days": 30, "gap_linkage_days": ""})
    phone = enrol(world, "On the phone")
    reached(world, phone, 40, "daily_management", "linkage")
    coached = enrol(world, "Coached", world.coaching)
    reached(world, coached, 40, "daily_management", "linkage")

    assert gap_ids(world, "daily_management") == {phone.pk, world.paul_enrollment.pk}
    assert gap_count(world, world.coaching, "daily_management") is None
    assert gap_count(world, world.telephone, "linkage") is None
    assert coached.pk not in gap_ids(world, "linkage")  # 40 days is within the coaching program's 90
    line = next(
        line for line in disengagement.flagged(world.cora, "gap_daily_management") if line.enrollment_id == phone.pk
    )
    assert [r.detail for r in line.reasons if r.code == "gap_daily_management"] == ["No daily management in 30 days"]


def test_a_contact_with_the_function_closes_the_gap(world: World) -> None:
    enrollment = enrol(world, "Catching up")
    assert enrollment.pk in gap_ids(world, "linkage")

    reached(world, enrollment, 0, "linkage")

    assert enrollment.pk not in gap_ids(world, "linkage")


def test_gap_counts_per_function_equal_the_lists(world: World) -> None:
    for i in range(5):
        e = enrol(world, f"Person {i}", world.coaching if i % 2 else world.telephone)
        if i % 3 == 0:
            reached(world, e, 10, "linkage", "ongoing")
    save_rules(world.cora, world.coaching, {"gap_ongoing_days": 60})

    for row in disengagement.program_counts(world.cora):
        for flag in disengagement.GAP_FLAGS:
            ids = gap_ids(world, flag.function, row.program)
            assert row.counts[flag.code] == len(ids), (row.program, flag.code)


def test_the_page_shows_the_gap_counts_and_the_gap_list(world: World) -> None:
    enrol(world, "Unlinked")
    client = Client()
    assert client.login(username=world.cora.username, password=PASSWORD)

    page = client.get("/followup/disengagement/").content.decode()
    assert "Gap: linkage" in page
    assert f'data-program="{world.telephone.pk}" data-flag="gap_linkage" data-count="2"' in page
    assert f'data-program="{world.telephone.pk}" data-flag="gap_daily_management" data-count=""' in page

    listed = client.get("/followup/disengagement/", {"flag": "gap_linkage"}).content.decode()
    assert "Unlinked" in listed and "No linkage in 90 days" in listed


def test_the_api_lists_the_gap(world: World, api: ApiFor) -> None:
    unlinked = enrol(world, "Unlinked")

    body = api(world.sam).get("/api/v1/disengagement/flagged/", {"flag": "gap_linkage"}).json()

    row = next(r for r in body if r["enrollment"] == unlinked.pk)
    assert {"code": "gap_linkage", "detail": "No linkage in 90 days"} in row["reasons"]
