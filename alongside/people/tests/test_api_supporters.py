"""/api/v1/supporters/: scoped reads, managers add supporters (login and profile) and change profiles."""

from __future__ import annotations

import pytest

from alongside.accounts.models import Role, User
from alongside.people.models import Supporter
from alongside.testing.api import ApiFor
from alongside.testing.world import World, make_supporter, make_user

pytestmark = pytest.mark.django_db

URL = "/api/v1/supporters/"


def listed(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["username"] for row in response.json()["results"]}


BOTH = {"sofia_supporter", "sid_supporter"}
VISIBLE = {
    "admin": BOTH,
    "coordinator": BOTH,
    "supervisor": BOTH,
    "professional": BOTH,
    "evaluator": set(),
    "supporter": {"sofia_supporter"},  # themself
    "participant": {"sofia_supporter"},  # the supporter assigned to them
    "outsider": {"hugo_supporter"},
}


@pytest.mark.parametrize("role", list(VISIBLE))
def test_each_role_lists_only_the_supporters_in_its_scope(world: World, api: ApiFor, role: str) -> None:
    make_supporter("hugo_supporter", world.other_org)
    assert listed(api(world.users_by_role()[role]).get(URL)) == VISIBLE[role]


@pytest.mark.parametrize("role", list(VISIBLE))
def test_reading_a_supporter_out_of_scope_is_a_404(world: World, api: ApiFor, role: str) -> None:
    response = api(world.users_by_role()[role]).get(f"{URL}{world.sid.pk}/")
    assert response.status_code == (200 if "sid_supporter" in VISIBLE[role] else 404)


def test_the_record_shows_the_profile(world: World, api: ApiFor) -> None:
    body = api(world.cora).get(f"{URL}{world.sofia.pk}/").json()
    assert body["display_name"] == world.sofia.user.display_name
    assert body["languages"] == ["en", "es"]
    assert body["supervisor"] == world.sam.pk
    assert body["training_tier"] == "medium"
    assert "password" not in body


def test_a_coordinator_adds_a_supporter_with_a_login(world: World, api: ApiFor) -> None:
    body = {
        "username": "lena_promotora",
        "first_name": "Lena",
        "last_name": "Diaz",
        "kind": "community_health_worker",
        "languages": ["es", "en"],
        "lived_experience": ["type2_diabetes"],
        "max_caseload": 20,
        "supervisor": world.sam.pk,
    }
    response = api(world.cora).post(URL, body, format="json")
    assert response.status_code == 201, response.content
    lena = Supporter.objects.select_related("user").get(user__username="lena_promotora")
    assert lena.organization == world.org and lena.user.role == Role.SUPPORTER
    assert lena.supervisor == world.sam and lena.max_caseload == 20
    assert not lena.user.has_usable_password()  # an administrator sets it later
    assert response.json()["id"] == lena.pk


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"username": "sofia_supporter"}, "username"),
        ({"languages": []}, "languages"),
        ({"languages": ["klingon"]}, "languages"),
        ({"kind": "wizard"}, "kind"),
        ({"max_caseload": 500}, "max_caseload"),
        ({"password": "123"}, "password"),
        ({"supervisor": "eve"}, "supervisor"),
    ],
)
def test_bad_supporter_input_is_a_400_and_saves_nothing(world: World, api: ApiFor, overrides: dict, field: str) -> None:
    before = (Supporter.objects.count(), User.objects.count())
    body = {"username": "lena", "first_name": "Lena", "kind": "peer_coach", "languages": ["en"], **overrides}
    response = api(world.cora).post(URL, body, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert (Supporter.objects.count(), User.objects.count()) == before


def test_a_supervisor_must_be_a_colleague_who_supervises(world: World, api: ApiFor) -> None:
    other_supervisor = make_user("olga_supervisor", Role.SUPERVISOR, world.other_org)
    client = api(world.cora)
    for user in (other_supervisor, world.eve):
        response = client.patch(f"{URL}{world.sid.pk}/", {"supervisor": user.pk}, format="json")
        assert response.status_code == 400 and "supervisor" in response.json()
    world.sid.refresh_from_db()
    assert world.sid.supervisor == world.sam


def test_patch_changes_the_profile(world: World, api: ApiFor) -> None:
    response = api(world.ada).patch(
        f"{URL}{world.sid.pk}/", {"training_status": "certified", "is_active": False}, format="json"
    )
    assert response.status_code == 200, response.content
    world.sid.refresh_from_db()
    assert world.sid.training_status == "certified" and world.sid.is_active is False
    assert world.sid.languages == ["en"]  # untouched


@pytest.mark.parametrize("role", ["supervisor", "professional", "evaluator", "supporter", "participant"])
def test_only_managers_may_add_or_change_supporters(world: World, api: ApiFor, role: str) -> None:
    client = api(world.users_by_role()[role])
    body = {"username": "lena", "first_name": "Lena", "kind": "peer_coach", "languages": ["en"]}
    assert client.post(URL, body, format="json").status_code == 403
    assert client.patch(f"{URL}{world.sofia.pk}/", {"max_caseload": 30}, format="json").status_code == 403
    world.sofia.refresh_from_db()
    assert world.sofia.max_caseload == 10
    assert not User.objects.filter(username="lena").exists()


def test_a_manager_of_another_organization_gets_a_404_on_update(world: World, api: ApiFor) -> None:
    assert api(world.otto).patch(f"{URL}{world.sofia.pk}/", {"max_caseload": 30}, format="json").status_code == 404


def test_it_filters_by_kind_and_activity(world: World, api: ApiFor) -> None:
    make_supporter("gus_facilitator", world.org, kind="group_facilitator", is_active=False)
    client = api(world.cora)
    assert listed(client.get(URL, {"kind": "group_facilitator"})) == {"gus_facilitator"}
    assert listed(client.get(URL, {"is_active": "true"})) == BOTH
