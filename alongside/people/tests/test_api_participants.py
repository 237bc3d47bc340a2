"""/api/v1/participants/: scoped reads (out of scope is a 404), every read in the access log, writes
through people.services with consent history, bad input saves nothing, bounded queries."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from alongside.audit.models import AccessLogEntry
from alongside.people.models import ConsentRecord, Participant
from alongside.people.services import ConsentChange, record_consent
from alongside.testing.api import ApiFor
from alongside.testing.world import PASSWORD, World, make_enrollment, make_participant

pytestmark = pytest.mark.django_db

URL = "/api/v1/participants/"


def listed(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["preferred_name"] for row in response.json()["results"]}


VISIBLE = {
    "admin": {"Paul", "Rita"},
    "coordinator": {"Paul", "Rita"},
    "supervisor": {"Paul", "Rita"},
    "professional": {"Paul"},  # clinical lead of the telephone program only
    "evaluator": set(),  # aggregates only
    "supporter": {"Paul"},  # sofia is assigned to Paul, not to Rita
    "participant": {"Paul"},  # themself
    "outsider": {"Hana"},  # their own organization's
}


@pytest.mark.parametrize("role", list(VISIBLE))
def test_each_role_lists_only_the_participants_in_its_scope(world: World, api: ApiFor, role: str) -> None:
    assert listed(api(world.users_by_role()[role]).get(URL)) == VISIBLE[role]


@pytest.mark.parametrize("role", list(VISIBLE))
def test_reading_someone_out_of_scope_is_a_404(world: World, api: ApiFor, role: str) -> None:
    client = api(world.users_by_role()[role])
    for person in (world.paul, world.rita, world.hana):
        expected = 200 if person.preferred_name in VISIBLE[role] else 404
        assert client.get(f"{URL}{person.pk}/").status_code == expected, person


def test_a_supporter_cannot_read_another_supporters_participant(world: World, api: ApiFor) -> None:
    response = api(world.sofia.user).get(f"{URL}{world.rita.pk}/")
    assert response.status_code == 404
    assert "Rita" not in response.content.decode()
    assert api(world.sid.user).get(f"{URL}{world.rita.pk}/").status_code == 200


def test_every_read_writes_the_access_log(world: World, api: ApiFor) -> None:
    path = f"{URL}{world.rita.pk}/"
    api(world.sam).get(path)
    api(world.sam).get(path)
    rows = list(AccessLogEntry.objects.filter(participant=world.rita))
    assert len(rows) == 2
    assert {(r.user, r.channel, r.path) for r in rows} == {(world.sam, "api", path)}


def test_a_404_writes_nothing_to_the_access_log(world: World, api: ApiFor) -> None:
    api(world.sofia.user).get(f"{URL}{world.rita.pk}/")
    assert not AccessLogEntry.objects.exists()


def test_a_list_logs_one_row_per_participant_on_the_page(world: World, api: ApiFor) -> None:
    for i in range(3):
        make_participant(world.org, f"Extra {i}")
    api(world.cora).get(URL)
    logged = list(AccessLogEntry.objects.filter(user=world.cora).values_list("participant_id", flat=True))
    assert sorted(logged) == sorted(Participant.objects.filter(organization=world.org).values_list("pk", flat=True))
    assert len(logged) == 5


def test_the_record_shows_consent_and_who_recorded_it(world: World, api: ApiFor) -> None:
    record_consent(world.cora, world.rita, ConsentChange("data_sharing", True, "written"))
    body = api(world.cora).get(f"{URL}{world.rita.pk}/").json()
    assert body["consent_data_sharing"] is True
    assert body["consent_texts"] is False
    [entry] = body["consent_history"]
    assert entry["kind"] == "data_sharing" and entry["granted"] is True and entry["method"] == "written"
    assert entry["recorded_by"] == world.cora.pk
    assert entry["recorded_by_name"] == world.cora.display_name
    assert entry["recorded_at"]


def test_a_coordinator_adds_a_participant_with_consent(world: World, api: ApiFor) -> None:
    body = {
        "preferred_name": "Marta",
        "family_name": "Lind",
        "phone": "(202) 555-0199",
        "preferred_language": "es",
        "conditions": ["hypertension"],
        "consents": [{"kind": "contact", "granted": True, "method": "verbal"}],
    }
    response = api(world.cora).post(URL, body, format="json")
    assert response.status_code == 201, response.content
    marta = Participant.objects.get(preferred_name="Marta")
    assert marta.organization == world.org
    assert marta.phone == "+12025550199"  # normalised to E.164
    assert marta.consent_contact is True
    assert response.json()["consent_history"][0]["recorded_by"] == world.cora.pk
    assert ConsentRecord.objects.filter(participant=marta, kind="contact", recorded_by=world.cora).count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"preferred_name": "Marta", "phone": "12"}, "phone"),
        ({"preferred_name": "Marta", "phone": "not a number"}, "phone"),
        ({"preferred_name": "   "}, "preferred_name"),
        ({"family_name": "Lind"}, "preferred_name"),
        ({"preferred_name": "Marta", "conditions": ["gout"]}, "conditions"),
        ({"preferred_name": "Marta", "preferred_language": "xx"}, "preferred_language"),
        ({"preferred_name": "Marta", "date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"preferred_name": "Marta", "timezone": "Mars/Olympus"}, "timezone"),
        ({"preferred_name": "Marta", "consents": [{"kind": "telepathy", "granted": True}]}, "consents"),
    ],
)
def test_bad_participant_input_is_a_400_and_saves_nothing(world: World, api: ApiFor, body: dict, field: str) -> None:
    before = (Participant.objects.count(), ConsentRecord.objects.count())
    response = api(world.cora).post(URL, body, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert (Participant.objects.count(), ConsentRecord.objects.count()) == before


def test_an_invalid_phone_on_update_changes_nothing(world: World, api: ApiFor) -> None:
    response = api(world.cora).patch(f"{URL}{world.paul.pk}/", {"phone": "555", "locality": "Elsewhere"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["phone"]
    world.paul.refresh_from_db()
    assert world.paul.phone == "+12025550143" and world.paul.locality == ""


def test_patch_records_a_consent_change_in_the_history(world: World, api: ApiFor) -> None:
    response = api(world.ada).patch(
        f"{URL}{world.paul.pk}/",
        {"consents": [{"kind": "texts", "granted": False, "method": "electronic"}]},
        format="json",
    )
    assert response.status_code == 200, response.content
    world.paul.refresh_from_db()
    assert world.paul.consent_texts is False
    assert world.paul.preferred_name == "Paul"  # untouched by the patch
    assert [(e["kind"], e["granted"]) for e in response.json()["consent_history"]] == [("texts", False)]


@pytest.mark.parametrize("role", ["supervisor", "professional", "evaluator", "supporter", "participant"])
def test_only_managers_may_add_or_change_participants(world: World, api: ApiFor, role: str) -> None:
    client = api(world.users_by_role()[role])
    assert client.post(URL, {"preferred_name": "Marta"}, format="json").status_code == 403
    assert client.patch(f"{URL}{world.paul.pk}/", {"locality": "X"}, format="json").status_code == 403
    assert not Participant.objects.filter(preferred_name="Marta").exists()
    world.paul.refresh_from_db()
    assert world.paul.locality == ""


def test_a_manager_of_another_organization_gets_a_404_on_update(world: World, api: ApiFor) -> None:
    response = api(world.otto).patch(f"{URL}{world.paul.pk}/", {"locality": "X"}, format="json")
    assert response.status_code == 404


def test_participants_cannot_be_deleted(world: World, api: ApiFor) -> None:
    assert api(world.ada).delete(f"{URL}{world.rita.pk}/").status_code == 405


def test_it_filters_by_program_name_and_language(world: World, api: ApiFor) -> None:
    client = api(world.cora)
    assert listed(client.get(URL, {"program": world.coaching.pk})) == {"Rita"}
    assert listed(client.get(URL, {"program": world.telephone.pk})) == {"Paul"}
    assert listed(client.get(URL, {"search": "okaf"})) == {"Paul"}
    assert listed(client.get(URL, {"language": "es"})) == {"Rita"}
    assert listed(client.get(URL, {"program": str(world.coaching.pk), "language": "en"})) == set()


def test_the_list_is_paginated(world: World, api: ApiFor) -> None:
    for i in range(55):
        make_participant(world.org, f"Person {i:02}")
    body = api(world.cora).get(URL).json()
    assert body["count"] == 57 and len(body["results"]) == 50 and body["next"]
    assert AccessLogEntry.objects.count() == 50  # only the page shown is logged


@pytest.mark.parametrize("extra", [2, 40])
def test_listing_takes_the_same_number_of_queries_for_any_number_of_rows(
    world: World, api: ApiFor, django_assert_max_num_queries, extra: int
) -> None:
    for i in range(extra):
        person = make_participant(world.org, f"Person {i:02}")
        record_consent(world.cora, person, ConsentChange("contact", True))
        make_enrollment(world.cora, person, world.coaching, [world.sid])
    client = api(world.cora)
    # count, page, consent history, access log insert
    with django_assert_max_num_queries(4):
        response = client.get(URL)
    assert len(response.json()["results"]) == min(extra + 2, 50)


def test_it_accepts_token_authentication(world: World) -> None:
    cache.clear()
    token = Token.objects.create(user=world.sofia.user)
    client = APIClient()
    assert client.get(URL).status_code in (401, 403)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert listed(client.get(URL)) == {"Paul"}
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    # 403 rather than 401: session authentication comes first and sends no WWW-Authenticate challenge.
    assert client.get(URL).status_code in (401, 403)


def test_it_accepts_the_session_of_a_signed_in_user(world: World, client: Client) -> None:
    cache.clear()
    assert client.login(username=world.sam.username, password=PASSWORD)
    response = client.get(URL)
    assert listed(response) == {"Paul", "Rita"}
