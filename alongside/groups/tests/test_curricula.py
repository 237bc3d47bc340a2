"""Curricula: the default templates, the program's curricula pages (managers of the program's organization
only), the editor (add and remove rows without JavaScript, bad input keeps everything typed and saves
nothing) and /api/v1/curricula/."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from alongside.accounts.models import User
from alongside.groups.curricula import DEFAULT_BY_KEY, DEFAULT_CURRICULA, GROUP_VISITS, SUPPORT_GROUP, WORKSHOP
from alongside.groups.models import CurriculumItem, CurriculumTemplate, GroupKind
from alongside.groups.services import CurriculumSession, save_curriculum
from alongside.taxonomy import ACTIVITY_BY_CODE, FUNCTION_FIELDS
from alongside.testing.api import ApiFor
from alongside.testing.groups import GroupWorld

pytestmark = pytest.mark.django_db

CURRICULA = "/api/v1/curricula/"


def snapshot() -> tuple[list[Any], list[Any]]:
    return (
        list(CurriculumTemplate.objects.order_by("pk").values()),
        list(CurriculumItem.objects.order_by("pk").values()),
    )


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def editor_url(gw: GroupWorld, template: Any = "new") -> str:
    return reverse("groups:curriculum_edit", args=[gw.program.pk, template])


def posted_rows(rows: list[dict[str, Any]], **header: str) -> dict[str, Any]:
    data: dict[str, Any] = {"name": "Our workshop", "kind": "workshop", "description": "", **header}
    data["session_count"] = str(len(rows))
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"session-{i}-{key}"] = value
    return data


def an_existing_curriculum(gw: GroupWorld) -> CurriculumTemplate:
    return save_curriculum(
        gw.world.cora,
        gw.program,
        "support_group",
        "Monthly circle",
        [CurriculumSession("Welcome", ["social_emotional"]), CurriculumSession("Coping", ["social_emotional"])],
    )


# ------------------------------------------------------------------------------------------ the defaults


def test_the_default_workshop_has_six_sessions_covering_the_core_topics() -> None:
    assert (WORKSHOP.kind, len(WORKSHOP.sessions)) == (GroupKind.WORKSHOP, 6)
    text = " ".join(f"{s.topic} {s.description}" for s in WORKSHOP.sessions).lower()
    for topic in (
        "action plan",
        "problem",
        "emotions",
        "physical activity",
        "healthy eating",
        "medicine",
        "health care team",
        "communicating",
        "future",
    ):
        assert topic in text, topic
    # The weekly action plan runs through every session.
    assert all("action_plan" in s.activities for s in WORKSHOP.sessions)


def test_group_visits_and_support_groups_follow_their_published_shapes() -> None:
    assert (GROUP_VISITS.kind, len(GROUP_VISITS.sessions)) == (GroupKind.GROUP_VISIT, 6)
    assert all(
        "questions_for_clinician" in s.activities and "self_monitoring" in s.activities for s in GROUP_VISITS.sessions
    )
    assert all("Peer exchange" in s.description for s in GROUP_VISITS.sessions)
    assert (SUPPORT_GROUP.kind, len(SUPPORT_GROUP.sessions)) == (GroupKind.SUPPORT_GROUP, 12)
    assert all("ongoing" in s.functions for s in SUPPORT_GROUP.sessions)


def test_every_default_session_names_known_functions_and_activities() -> None:
    for curriculum in DEFAULT_CURRICULA:
        for session in curriculum.sessions:
            assert session.topic and session.functions
            assert set(session.functions) <= set(FUNCTION_FIELDS)
            assert set(session.activities) <= set(ACTIVITY_BY_CODE)
    assert set(DEFAULT_BY_KEY) == {"workshop", "group_visit", "support_group"}


def test_every_default_can_be_saved_as_a_programs_curriculum(group_world: GroupWorld) -> None:
    for curriculum in DEFAULT_CURRICULA:
        saved = save_curriculum(
            group_world.world.cora, group_world.program, curriculum.kind, curriculum.name, curriculum.as_sessions()
        )
        assert saved.items.count() == len(curriculum.sessions)


# ------------------------------------------------------------------------------------------------ pages


def test_a_coordinator_sees_the_programs_curricula_and_the_defaults(group_world: GroupWorld) -> None:
    gw = group_world
    an_existing_curriculum(gw)
    response = logged_in(gw.world.cora).get(reverse("groups:curricula", args=[gw.program.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Monthly circle" in text and "2 sessions" in text
    for default in DEFAULT_CURRICULA:
        assert default.name in text
        assert f"?default={default.key}" in text


@pytest.mark.parametrize("who", ["sam", "eve", "priya", "lena", "paul", "otto"])
def test_only_the_organizations_managers_open_the_curricula_pages(group_world: GroupWorld, who: str) -> None:
    gw = group_world
    template = an_existing_curriculum(gw)
    w = gw.world
    user = {"sam": w.sam, "eve": w.eve, "priya": w.priya, "lena": gw.lena.user, "paul": w.paul_user, "otto": w.otto}
    client = logged_in(user[who])
    before = snapshot()
    assert client.get(reverse("groups:curricula", args=[gw.program.pk])).status_code == 404
    assert client.get(editor_url(gw, template.pk)).status_code == 404
    assert client.post(editor_url(gw), posted_rows([{"topic": "x", "functions": "ongoing"}])).status_code == 404
    assert snapshot() == before


def test_starting_from_a_default_shows_its_sessions_and_saves_nothing_yet(group_world: GroupWorld) -> None:
    gw = group_world
    response = logged_in(gw.world.cora).get(editor_url(gw) + "?default=workshop")
    assert response.status_code == 200
    text = response.content.decode()
    assert all(s.topic.replace("'", "&#x27;") in text for s in WORKSHOP.sessions)
    assert 'name="session_count" value="6"' in text
    assert CurriculumTemplate.objects.count() == 0


def test_saving_a_new_curriculum_from_the_editor(group_world: GroupWorld) -> None:
    gw = group_world
    rows = [
        {
            "topic": "Getting started",
            "functions": ["daily_management", "social_emotional"],
            "activities": "action_plan",
        },
        {"topic": "Moving more", "functions": "daily_management", "activities": ["physical_activity"]},
        {},  # a blank row is ignored
    ]
    response = logged_in(gw.world.cora).post(editor_url(gw), posted_rows(rows))
    assert response.status_code == 302
    template = CurriculumTemplate.objects.get(program=gw.program, name="Our workshop")
    items = list(template.items.order_by("number"))
    assert [(i.number, i.topic) for i in items] == [(1, "Getting started"), (2, "Moving more")]
    assert items[0].functions == ["daily_management", "social_emotional"]
    assert items[1].activities == ["physical_activity"]


def test_bad_input_shows_the_errors_keeps_what_was_typed_and_saves_nothing(group_world: GroupWorld) -> None:
    gw = group_world
    an_existing_curriculum(gw)
    before = snapshot()
    rows = [
        {"topic": "Getting started", "description": "Introductions and a first plan", "functions": "daily_management"},
        {"topic": "", "description": "Walking together", "functions": "daily_management"},
        {"topic": "Feelings", "activities": "coping"},
    ]

    response = logged_in(gw.world.cora).post(editor_url(gw), posted_rows(rows, name="Monthly circle"))

    assert response.status_code == 200
    text = response.content.decode()
    assert "Nothing was saved" in text
    assert "Give the session a topic." in text
    assert "Which key functions does this session serve?" in text
    assert "Introductions and a first plan" in text and "Walking together" in text
    assert 'value="coping" id="id_session-2-activities_1_2" checked' in text
    assert snapshot() == before


def test_a_duplicate_name_is_refused_by_the_service_with_nothing_saved(group_world: GroupWorld) -> None:
    gw = group_world
    an_existing_curriculum(gw)
    before = snapshot()
    rows = [{"topic": "Welcome", "functions": "social_emotional"}]
    response = logged_in(gw.world.cora).post(editor_url(gw), posted_rows(rows, name="monthly circle"))
    assert response.status_code == 200
    assert "already has a curriculum with that name" in response.content.decode()
    assert 'value="Welcome"' in response.content.decode()
    assert snapshot() == before


def test_adding_and_removing_rows_keeps_what_was_typed_without_saving(group_world: GroupWorld) -> None:
    gw = group_world
    client = logged_in(gw.world.cora)
    rows = [
        {"topic": "First", "functions": "daily_management"},
        {"topic": "Second", "functions": "linkage"},
        {"topic": "Third", "functions": "ongoing"},
    ]

    added = client.post(editor_url(gw), {**posted_rows(rows, name="Draft"), "add_row": "1"})
    text = added.content.decode()
    assert added.status_code == 200 and 'name="session_count" value="4"' in text
    assert 'value="Draft"' in text and all(f'value="{r["topic"]}"' in text for r in rows)
    assert "Nothing was saved" not in text

    removed = client.post(editor_url(gw), {**posted_rows(rows, name="Draft"), "remove_row": "1"})
    text = removed.content.decode()
    assert 'name="session_count" value="2"' in text
    assert 'value="First"' in text and 'value="Third"' in text and 'value="Second"' not in text
    assert CurriculumTemplate.objects.count() == 0


def test_editing_a_curriculum_replaces_its_sessions(group_world: GroupWorld) -> None:
    gw = group_world
    template = an_existing_curriculum(gw)
    client = logged_in(gw.world.cora)
    page = client.get(editor_url(gw, template.pk)).content.decode()
    assert 'value="Welcome"' in page and 'value="Coping"' in page

    rows = [{"topic": "Welcome back", "functions": ["social_emotional", "ongoing"]}]
    response = client.post(editor_url(gw, template.pk), posted_rows(rows, name="Monthly circle", kind="support_group"))

    assert response.status_code == 302
    assert [(i.topic, i.functions) for i in template.items.all()] == [("Welcome back", ["social_emotional", "ongoing"])]


def test_another_programs_curriculum_and_nonsense_ids_are_404(group_world: GroupWorld) -> None:
    gw = group_world
    template = an_existing_curriculum(gw)
    client = logged_in(gw.world.cora)
    other = reverse("groups:curriculum_edit", args=[gw.world.telephone.pk, template.pk])
    assert client.get(other).status_code == 404
    assert client.get(editor_url(gw, "abc")).status_code == 404
    assert client.get(editor_url(gw, 999999)).status_code == 404


# -------------------------------------------------------------------------------------------------- API


def api_data(gw: GroupWorld, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "program": gw.program.pk,
        "kind": "workshop",
        "name": "API workshop",
        "sessions": [
            {"topic": "One", "functions": ["daily_management"], "activities": ["action_plan"]},
            {"topic": "Two", "description": "More", "functions": ["social_emotional"]},
        ],
    }
    data.update(overrides)
    return data


def test_the_api_creates_reads_and_replaces_a_curriculum(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    client = api(gw.world.cora)
    created = client.post(CURRICULA, api_data(gw), format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert [(s["number"], s["topic"], s["functions"]) for s in body["sessions"]] == [
        (1, "One", ["daily_management"]),
        (2, "Two", ["social_emotional"]),
    ]

    replaced = client.put(
        f"{CURRICULA}{body['id']}/",
        {"kind": "workshop", "name": "API workshop v2", "sessions": [{"topic": "Only", "functions": ["ongoing"]}]},
        format="json",
    )
    assert replaced.status_code == 200, replaced.content
    assert [s["topic"] for s in replaced.json()["sessions"]] == ["Only"]
    assert [r["name"] for r in client.get(CURRICULA, {"program": gw.program.pk}).json()["results"]] == [
        "API workshop v2"
    ]


def test_the_api_lists_the_defaults(group_world: GroupWorld, api: ApiFor) -> None:
    body = api(group_world.world.cora).get(f"{CURRICULA}defaults/").json()
    assert [d["key"] for d in body] == ["workshop", "group_visit", "support_group"]
    assert len(body[0]["sessions"]) == 6


def test_the_api_refuses_bad_curricula_and_saves_nothing(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    before = snapshot()
    client = api(gw.world.cora)
    no_functions = client.post(
        CURRICULA,
        api_data(gw, sessions=[{"topic": "", "functions": []}, {"topic": "B", "functions": ["x"]}]),
        format="json",
    )
    no_sessions = client.post(CURRICULA, api_data(gw, sessions=[]), format="json")
    assert no_functions.status_code == no_sessions.status_code == 400
    assert "sessions" in no_functions.json()
    assert "at least one session" in no_sessions.json()["sessions"][0]
    assert snapshot() == before


def test_only_managers_write_curricula_and_otto_sees_none(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    template = an_existing_curriculum(gw)
    before = snapshot()
    for user in (gw.lena.user, gw.world.sam, gw.world.eve, gw.world.paul_user):
        assert api(user).post(CURRICULA, api_data(gw), format="json").status_code == 403
    assert api(gw.world.otto).post(CURRICULA, api_data(gw), format="json").status_code == 400
    assert api(gw.world.otto).get(f"{CURRICULA}{template.pk}/").status_code == 404
    assert api(gw.world.otto).put(f"{CURRICULA}{template.pk}/", {}, format="json").status_code == 404
    assert api(gw.world.paul_user).get(CURRICULA).json()["results"] == []
    assert [r["id"] for r in api(gw.lena.user).get(CURRICULA).json()["results"]] == [template.pk]
    assert snapshot() == before
