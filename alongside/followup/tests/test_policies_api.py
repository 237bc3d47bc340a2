"""/api/v1/cadence-policies/, /api/v1/follow-up-rules/ and /api/v1/call-guides/: scoped reads, writes for
the program's coordinators through the services, and bad input as a 400 that saves nothing."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from alongside.audit.models import AccessLogEntry
from alongside.followup import engine
from alongside.followup.cadence import PRESET_BY_CODE, Cadence, CadenceKind, next_due_window
from alongside.followup.models import CadencePolicy, CadenceWindow, CallGuide, FollowUpRules, FollowUpState
from alongside.followup.services import RULE_LIMITS, save_cadence, save_call_guide, save_rules
from alongside.testing.api import ApiFor
from alongside.testing.world import World

pytestmark = pytest.mark.django_db

CADENCES = "/api/v1/cadence-policies/"
RULES = "/api/v1/follow-up-rules/"
GUIDES = "/api/v1/call-guides/"


def cadence_snapshot() -> tuple[list[Any], list[Any], list[Any]]:
    return (
        list(CadencePolicy.objects.order_by("pk").values()),
        list(CadenceWindow.objects.order_by("pk").values()),
        list(FollowUpState.objects.order_by("pk").values("enrollment_id", "window_start", "window_end")),
    )


def rules_snapshot() -> list[Any]:
    return list(FollowUpRules.objects.order_by("pk").values())


def guides_snapshot() -> list[Any]:
    return list(CallGuide.objects.order_by("pk").values())


def window_of(world: World) -> tuple[Any, Any]:
    state = FollowUpState.objects.get(enrollment=world.paul_enrollment)
    return state.window_start, state.window_end


@pytest.fixture
def policies(world: World) -> tuple[CadencePolicy, CadencePolicy]:
    """The telephone program's cadence and Paul's own."""
    program_policy = save_cadence(world.cora, PRESET_BY_CODE["telephone_windows"].cadence, program=world.telephone)
    own = save_cadence(
        world.cora, Cadence(CadenceKind.INTERVAL, interval_days=10, grace_days=2), enrollment=world.paul_enrollment
    )
    return program_policy, own


# ---------------------------------------------------------------------------------------------- cadences


def test_a_coordinator_lists_the_cadences_of_the_organization(
    world: World, api: ApiFor, policies: tuple[CadencePolicy, CadencePolicy]
) -> None:
    program_policy, own = policies
    body = api(world.cora).get(CADENCES).json()
    rows = {row["id"]: row for row in body["results"]}
    assert set(rows) == {program_policy.pk, own.pk}
    assert rows[program_policy.pk]["description"] == PRESET_BY_CODE["telephone_windows"].cadence.describe()
    assert rows[program_policy.pk]["windows"][0] == {"start_day": 7, "end_day": 10}
    assert rows[own.pk]["enrollment"] == world.paul_enrollment.pk
    assert (rows[own.pk]["kind"], rows[own.pk]["interval_days"], rows[own.pk]["grace_days"]) == ("interval", 10, 2)
    # Paul's own cadence is part of his record: reading it is logged.
    assert AccessLogEntry.objects.filter(user=world.cora, participant=world.paul).count() == 1


def test_filtering_by_program_includes_its_enrolments_own_cadences(
    world: World, api: ApiFor, policies: tuple[CadencePolicy, CadencePolicy]
) -> None:
    body = api(world.cora).get(CADENCES, {"program": world.coaching.pk}).json()
    assert body["results"] == []
    body = api(world.cora).get(CADENCES, {"program": world.telephone.pk}).json()
    assert {row["id"] for row in body["results"]} == {p.pk for p in policies}


def test_an_outsider_cannot_read_the_cadences(
    world: World, api: ApiFor, policies: tuple[CadencePolicy, CadencePolicy]
) -> None:
    client = api(world.otto)
    assert client.get(CADENCES).json()["results"] == []
    for policy in policies:
        assert client.get(f"{CADENCES}{policy.pk}/").status_code == 404


def test_an_evaluator_sees_program_cadences_but_no_enrolments_own(
    world: World, api: ApiFor, policies: tuple[CadencePolicy, CadencePolicy]
) -> None:
    program_policy, own = policies
    client = api(world.eve)
    assert [row["id"] for row in client.get(CADENCES).json()["results"]] == [program_policy.pk]
    assert client.get(f"{CADENCES}{own.pk}/").status_code == 404


def test_setting_a_programs_cadence_from_a_preset_recalculates_due_windows(world: World, api: ApiFor) -> None:
    engine.recompute_all()
    preset = PRESET_BY_CODE["coaching_phases"]

    response = api(world.cora).post(CADENCES, {"program": world.telephone.pk, "preset": preset.code})

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["program"], body["preset"], body["kind"]) == (world.telephone.pk, preset.code, "phases")
    assert body["phases"] == [{"every_days": p.every_days, "until_day": p.until_day} for p in preset.cadence.phases]
    assert len(body["windows"]) == len(preset.cadence.expanded_windows())
    expected = next_due_window(preset.cadence, world.paul_enrollment.enrolled_on, None)
    assert expected is not None
    assert window_of(world) == (expected.start, expected.end)


def test_posting_again_replaces_the_programs_cadence(world: World, api: ApiFor) -> None:
    client = api(world.cora)
    first = client.post(CADENCES, {"program": world.telephone.pk, "preset": "telephone_windows"})
    again = client.post(
        CADENCES, {"program": world.telephone.pk, "kind": "windows", "windows": "5-6, 20-25"}, format="json"
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["windows"] == [{"start_day": 5, "end_day": 6}, {"start_day": 20, "end_day": 25}]
    assert CadencePolicy.objects.count() == 1


def test_an_enrolment_gets_its_own_cadence_and_loses_it_again(
    world: World, api: ApiFor, policies: tuple[CadencePolicy, CadencePolicy]
) -> None:
    program_policy, own = policies
    client = api(world.cora)
    enrolled = world.paul_enrollment.enrolled_on

    response = client.put(f"{CADENCES}{own.pk}/", {"kind": "interval", "interval_days": 4, "grace_days": 1})
    assert response.status_code == 200, response.content
    assert response.json()["description"] == Cadence(CadenceKind.INTERVAL, 4, 1).describe()
    state = FollowUpState.objects.get(enrollment=world.paul_enrollment)
    assert state.window_start is not None and (state.window_start - enrolled).days == 4

    assert client.delete(f"{CADENCES}{own.pk}/").status_code == 204
    assert not CadencePolicy.objects.filter(enrollment=world.paul_enrollment).exists()
    expected = next_due_window(program_policy.as_cadence(), enrolled, None)
    assert expected is not None
    assert window_of(world) == (expected.start, expected.end)


def test_a_programs_cadence_cannot_be_deleted(
    world: World, api: ApiFor, policies: tuple[CadencePolicy, CadencePolicy]
) -> None:
    response = api(world.cora).delete(f"{CADENCES}{policies[0].pk}/")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["A program's cadence can be changed but not removed."]}
    assert CadencePolicy.objects.filter(pk=policies[0].pk).exists()


BAD_CADENCES: dict[str, tuple[dict[str, Any], dict[str, list[str]]]] = {
    "overlapping windows": (
        {"kind": "windows", "windows": "7-10, 9-12"},
        {"windows": ["Windows 7-10 and 9-12 overlap."]},
    ),
    "no windows": ({"kind": "windows", "windows": ""}, {"windows": ["Give at least one window, e.g. 7-10, 14-18."]}),
    "an empty window": (
        {"kind": "windows", "windows": "12-8"},
        {"windows": ["Window 12-8 is empty: it must end on or after the day it starts."]},
    ),
    "a negative interval": ({"kind": "interval", "interval_days": -7}, {"interval_days": ["Days cannot be negative."]}),
    "grace as long as the interval": (
        {"kind": "interval", "interval_days": 5, "grace_days": 5},
        {"grace_days": ["Grace days must be shorter than the interval, or the windows would overlap."]},
    ),
    "unparsable phases": (
        {"kind": "phases", "phases": "weekly, then monthly"},
        {"phases": ["“weekly” is not a phase; write e.g. every 7 days until day 56."]},
    ),
    "no kind": ({"interval_days": 7}, {"kind": ["Choose how the cadence is set: interval, phases or windows."]}),
    "an unknown preset": ({"preset": "daily"}, {"preset": ['"daily" is not a valid choice.']}),
}


@pytest.mark.parametrize("case", list(BAD_CADENCES))
def test_a_bad_cadence_is_a_400_with_the_field_and_saves_nothing(
    world: World, api: ApiFor, policies: tuple[CadencePolicy, CadencePolicy], case: str
) -> None:
    fields, errors = BAD_CADENCES[case]
    engine.recompute_all()
    before = cadence_snapshot()
    client = api(world.cora)

    created = client.post(CADENCES, {"program": world.telephone.pk, **fields}, format="json")
    replaced = client.put(f"{CADENCES}{policies[1].pk}/", fields, format="json")

    assert (created.status_code, replaced.status_code) == (400, 400)
    assert created.json() == errors
    assert replaced.json() == errors
    assert cadence_snapshot() == before


def test_a_cadence_needs_exactly_one_owner(world: World, api: ApiFor) -> None:
    client = api(world.cora)
    for owner in ({}, {"program": world.telephone.pk, "enrollment": world.paul_enrollment.pk}):
        response = client.post(CADENCES, {"preset": "reciprocal_weekly", **owner}, format="json")
        assert response.status_code == 400
        assert response.json() == {"non_field_errors": ["Give either program or enrollment (one of them)."]}
    assert not CadencePolicy.objects.exists()


@pytest.mark.parametrize("who", ["supervisor", "supporter", "evaluator"])
def test_roles_that_do_not_manage_cannot_set_a_cadence(
    world: World, api: ApiFor, policies: tuple[CadencePolicy, CadencePolicy], who: str
) -> None:
    before = cadence_snapshot()
    client = api(world.users_by_role()[who])
    assert client.post(CADENCES, {"program": world.coaching.pk, "preset": "reciprocal_weekly"}).status_code == 403
    assert client.put(f"{CADENCES}{policies[0].pk}/", {"preset": "reciprocal_weekly"}).status_code == 403
    assert client.delete(f"{CADENCES}{policies[1].pk}/").status_code == 403
    assert cadence_snapshot() == before


def test_an_outsider_coordinator_cannot_set_another_organizations_cadence(
    world: World, api: ApiFor, policies: tuple[CadencePolicy, CadencePolicy]
) -> None:
    before = cadence_snapshot()
    client = api(world.otto)
    response = client.post(CADENCES, {"program": world.coaching.pk, "preset": "reciprocal_weekly"})
    assert response.status_code == 400
    assert response.json() == {"program": [f"No program with id {world.coaching.pk} that you can see."]}
    response = client.post(CADENCES, {"enrollment": world.paul_enrollment.pk, "preset": "reciprocal_weekly"})
    assert response.json() == {"enrollment": [f"No enrolment with id {world.paul_enrollment.pk} that you can see."]}
    assert client.put(f"{CADENCES}{policies[0].pk}/", {"preset": "reciprocal_weekly"}).status_code == 404
    assert client.delete(f"{CADENCES}{policies[1].pk}/").status_code == 404
    assert cadence_snapshot() == before


# ------------------------------------------------------------------------------------------------- rules


def rules_body(**overrides: Any) -> dict[str, Any]:
    return {
        "retry_after_days": 2,
        "max_failed_attempts": 4,
        "failed_attempts_window_days": 21,
        "no_contact_days": 45,
        "never_contacted_days": 10,
        "gap_daily_management_days": 60,
        "gap_social_emotional_days": None,
        "gap_linkage_days": 120,
        "gap_ongoing_days": None,
        "quiet_start": "20:30",
        "quiet_end": "09:00",
        **overrides,
    }


def test_a_program_without_rules_shows_the_defaults(world: World, api: ApiFor) -> None:
    body = api(world.cora).get(f"{RULES}{world.telephone.pk}/").json()
    defaults = FollowUpRules()
    assert body["is_default"] is True
    assert body["program"] == world.telephone.pk
    for name in RULE_LIMITS:
        assert body[name] == getattr(defaults, name)
    assert body["gap_linkage_days"] == defaults.gap_linkage_days
    assert body["quiet_start"] == defaults.quiet_start.isoformat()


def test_the_rules_list_has_one_row_per_visible_program(world: World, api: ApiFor) -> None:
    save_rules(world.cora, world.coaching, rules_body())
    rows = api(world.cora).get(RULES).json()["results"]
    assert {r["program"]: r["is_default"] for r in rows} == {world.telephone.pk: True, world.coaching.pk: False}
    assert api(world.otto).get(RULES).json()["results"] == []


def test_a_coordinator_replaces_and_then_changes_some_rules(world: World, api: ApiFor) -> None:
    client = api(world.cora)
    response = client.put(f"{RULES}{world.telephone.pk}/", rules_body(), format="json")
    assert response.status_code == 200, response.content
    assert response.json()["is_default"] is False
    rules = FollowUpRules.objects.get(program=world.telephone)
    assert (rules.max_failed_attempts, rules.gap_social_emotional_days, rules.gap_linkage_days) == (4, None, 120)

    response = client.patch(f"{RULES}{world.telephone.pk}/", {"no_contact_days": 20}, format="json")
    assert response.status_code == 200
    rules.refresh_from_db()
    assert (rules.no_contact_days, rules.max_failed_attempts, f"{rules.quiet_start:%H:%M}") == (20, 4, "20:30")


def test_a_put_without_every_field_is_refused(world: World, api: ApiFor) -> None:
    response = api(world.cora).put(f"{RULES}{world.telephone.pk}/", {"no_contact_days": 20}, format="json")
    assert response.status_code == 400
    assert response.json()["quiet_start"] == ["This field is required."]
    assert not FollowUpRules.objects.exists()


BAD_RULES: dict[str, tuple[dict[str, Any], dict[str, list[str]]]] = {
    "a retry rule without a limit": (
        {"max_failed_attempts": None},
        {"max_failed_attempts": ["Retry rules need a limit."]},
    ),
    "quiet hours covering the whole day": (
        {"quiet_start": "21:00", "quiet_end": "21:00"},
        {"quiet_end": ["Quiet hours that start and end at the same time would cover the whole day."]},
    ),
    "a retry on the same day": ({"retry_after_days": 0}, {"retry_after_days": ["Must be between 1 and 30."]}),
    "too many attempts": ({"max_failed_attempts": 50}, {"max_failed_attempts": ["Must be between 1 and 20."]}),
    "a negative gap": ({"gap_linkage_days": -1}, {"gap_linkage_days": ["Must be between 1 and 730 days."]}),
}


@pytest.mark.parametrize("case", list(BAD_RULES))
def test_bad_rules_are_a_400_and_change_nothing(world: World, api: ApiFor, case: str) -> None:
    fields, errors = BAD_RULES[case]
    save_rules(world.cora, world.telephone, rules_body())
    before = rules_snapshot()
    client = api(world.cora)
    for method in (client.put, client.patch):
        body = rules_body(**fields) if method == client.put else fields
        response = method(f"{RULES}{world.telephone.pk}/", body, format="json")
        assert response.status_code == 400
        assert response.json() == errors
    assert rules_snapshot() == before


def test_only_the_programs_coordinators_change_its_rules(world: World, api: ApiFor) -> None:
    for who in ("supervisor", "supporter", "evaluator"):
        response = api(world.users_by_role()[who]).patch(f"{RULES}{world.telephone.pk}/", {"no_contact_days": 9})
        assert response.status_code == 403
    otto = api(world.otto)
    assert otto.get(f"{RULES}{world.telephone.pk}/").status_code == 404
    assert otto.patch(f"{RULES}{world.telephone.pk}/", {"no_contact_days": 9}).status_code == 404
    assert not FollowUpRules.objects.exists()


# ------------------------------------------------------------------------------------------- call guides


def test_a_coordinator_writes_and_rewrites_a_call_guide(world: World, api: ApiFor) -> None:
    client = api(world.cora)
    body = {"program": world.telephone.pk, "language": "es", "script": "Hola.", "prompts": "¿Cómo está?\n¿Y su plan?"}
    response = client.post(GUIDES, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["prompt_lines"] == ["¿Cómo está?", "¿Y su plan?"]
    guide_id = response.json()["id"]

    response = client.put(f"{GUIDES}{guide_id}/", {"script": "Buenos días.", "prompts": ""}, format="json")
    assert response.status_code == 200
    assert (response.json()["script"], response.json()["language"]) == ("Buenos días.", "es")
    assert client.post(GUIDES, {**body, "script": "Otra vez."}, format="json").status_code == 200
    assert CallGuide.objects.get().script == "Otra vez."


def test_call_guides_are_listed_by_program_and_language(world: World, api: ApiFor) -> None:
    save_call_guide(world.cora, world.telephone, "en", "Hello.", "")
    save_call_guide(world.cora, world.telephone, "es", "Hola.", "")
    save_call_guide(world.cora, world.coaching, "en", "Hi, coach here.", "")
    rows = api(world.sofia.user).get(GUIDES, {"program": world.telephone.pk}).json()["results"]
    assert sorted(r["language"] for r in rows) == ["en", "es"]
    rows = api(world.cora).get(GUIDES, {"language": "en"}).json()["results"]
    assert {r["script"] for r in rows} == {"Hello.", "Hi, coach here."}
    assert api(world.otto).get(GUIDES).json()["results"] == []


BAD_GUIDES: dict[str, tuple[dict[str, Any], dict[str, list[str]]]] = {
    "an empty script": ({"script": "  "}, {"script": ["Write the opening of the call."]}),
    "an unknown language": ({"language": "xx"}, {"language": ['"xx" is not a valid choice.']}),
    "a guide too long": ({"script": "Hello. " * 2000}, {"script": ["A call guide is at most 10,000 characters."]}),
}


@pytest.mark.parametrize("case", list(BAD_GUIDES))
def test_a_bad_call_guide_is_a_400_and_saves_nothing(world: World, api: ApiFor, case: str) -> None:
    fields, errors = BAD_GUIDES[case]
    save_call_guide(world.cora, world.telephone, "en", "Hello.", "")
    before = guides_snapshot()
    body = {"program": world.telephone.pk, "language": "en", "script": "Hi.", "prompts": "", **fields}
    response = api(world.cora).post(GUIDES, body, format="json")
    assert response.status_code == 400
    assert response.json() == errors
    assert guides_snapshot() == before


def test_only_the_programs_coordinators_write_call_guides(world: World, api: ApiFor) -> None:
    guide = save_call_guide(world.cora, world.telephone, "en", "Hello.", "")
    before = guides_snapshot()
    body = {"program": world.telephone.pk, "language": "es", "script": "Hola."}
    for who in ("supervisor", "supporter", "evaluator"):
        client = api(world.users_by_role()[who])
        assert client.post(GUIDES, body).status_code == 403
        assert client.put(f"{GUIDES}{guide.pk}/", {"script": "Changed."}).status_code == 403
    otto = api(world.otto)
    assert otto.post(GUIDES, body).status_code == 400
    assert otto.put(f"{GUIDES}{guide.pk}/", {"script": "Changed."}).status_code == 404
    assert guides_snapshot() == before


def test_the_schema_and_the_api_root_list_the_three_resources(world: World, api: ApiFor) -> None:
    root = api(world.cora).get("/api/v1/").json()
    assert {"cadence-policies", "follow-up-rules", "call-guides"} <= set(root)
    paths = APIClient().get("/api/schema/", {"format": "json"}).json()["paths"]
    for resource in ("cadence-policies", "follow-up-rules", "call-guides"):
        assert f"/api/v1/{resource}/" in paths
        assert f"/api/v1/{resource}/{{id}}/" in paths
    assert "delete" not in paths["/api/v1/follow-up-rules/{id}/"]
    assert "patch" not in paths["/api/v1/cadence-policies/{id}/"]
