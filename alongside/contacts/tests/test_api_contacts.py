"""/api/v1/contacts/: the contact log in scope, logging through contacts.services.log_contact, bad input
saves nothing, no edits after the fact, bounded queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from alongside.audit.models import AccessLogEntry
from alongside.contacts.models import Contact
from alongside.safety.models import Concern
from alongside.testing.api import ApiFor
from alongside.testing.world import World, make_contact, make_enrollment, make_participant

pytestmark = pytest.mark.django_db

URL = "/api/v1/contacts/"


@pytest.fixture
def logged(world: World) -> dict[str, Contact]:
    return {
        "paul": make_contact(world.paul_enrollment, world.sofia.user, days_ago=2, note="Talked about walking"),
        "rita": make_contact(world.rita_enrollment, world.sid.user, days_ago=1, functions=("linkage",)),
    }


def listed(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


VISIBLE = {
    "admin": {"paul", "rita"},
    "coordinator": {"paul", "rita"},
    "supervisor": {"paul", "rita"},
    "professional": {"paul"},
    "evaluator": set(),
    "supporter": {"paul"},
    "participant": {"paul"},
    "outsider": set(),
}


@pytest.mark.parametrize("role", list(VISIBLE))
def test_each_role_lists_only_the_contacts_in_its_scope(
    world: World, api: ApiFor, logged: dict[str, Contact], role: str
) -> None:
    expected = {logged[name].pk for name in VISIBLE[role]}
    assert listed(api(world.users_by_role()[role]).get(URL)) == expected


@pytest.mark.parametrize("role", list(VISIBLE))
def test_reading_a_contact_out_of_scope_is_a_404(
    world: World, api: ApiFor, logged: dict[str, Contact], role: str
) -> None:
    response = api(world.users_by_role()[role]).get(f"{URL}{logged['rita'].pk}/")
    assert response.status_code == (200 if "rita" in VISIBLE[role] else 404)


def test_the_record_shows_functions_and_who_logged_it(world: World, api: ApiFor, logged: dict[str, Contact]) -> None:
    body = api(world.sofia.user).get(f"{URL}{logged['paul'].pk}/").json()
    assert body["functions"] == ["social_emotional"]
    assert body["participant"] == world.paul.pk and body["enrollment"] == world.paul_enrollment.pk
    assert body["program"] == world.telephone.pk
    assert body["supporter"] == world.sofia.pk and body["supporter_name"] == world.sofia.user.display_name
    assert body["note"] == "Talked about walking"
    assert body["concern"] is None


def test_reading_contacts_writes_the_access_log(world: World, api: ApiFor, logged: dict[str, Contact]) -> None:
    api(world.sam).get(URL)
    assert sorted(AccessLogEntry.objects.values_list("participant_id", flat=True)) == sorted(
        [world.paul.pk, world.rita.pk]
    )


def test_it_filters_by_participant_enrollment_since_function_and_outcome(
    world: World, api: ApiFor, logged: dict[str, Contact]
) -> None:
    missed = make_contact(world.paul_enrollment, world.sofia.user, days_ago=10, outcome="no_answer")
    client = api(world.cora)
    paul, rita = logged["paul"].pk, logged["rita"].pk
    assert listed(client.get(URL, {"participant": world.rita.pk})) == {rita}
    assert listed(client.get(URL, {"enrollment": world.paul_enrollment.pk})) == {paul, missed.pk}
    since = (timezone.now() - timedelta(days=5)).isoformat()
    assert listed(client.get(URL, {"since": since})) == {paul, rita}
    assert listed(client.get(URL, {"function": "linkage"})) == {rita}
    assert listed(client.get(URL, {"outcome": "no_answer"})) == {missed.pk}
    assert client.get(URL, {"function": "telepathy"}).status_code == 400
    assert client.get(URL, {"since": "last tuesday"}).status_code == 400


def contact_body(world: World, **overrides) -> dict:
    return {
        "enrollment": world.paul_enrollment.pk,
        "occurred_at": (timezone.now() - timedelta(hours=2)).isoformat(),
        "modality": "phone_call",
        "outcome": "reached",
        "duration_minutes": 15,
        "activities": ["medicines"],
        "functions": ["social_emotional"],
        "topics": "Refills",
        "next_contact_due": str(timezone.localdate() + timedelta(days=7)),
        **overrides,
    }


def test_an_assigned_supporter_logs_a_contact(world: World, api: ApiFor) -> None:
    body = contact_body(world, concern_tier="urgent", concern_reason="Dizzy spells since new medicine")
    response = api(world.sofia.user).post(URL, body, format="json")
    assert response.status_code == 201, response.content
    contact = Contact.objects.get(pk=response.json()["id"])
    assert contact.supporter == world.sofia and contact.recorded_by == world.sofia.user
    assert contact.functions == ["daily_management", "social_emotional"]  # medicines implies daily management
    assert contact.duration_minutes == 15
    concern = Concern.objects.get(contact=contact)
    assert concern.tier == "urgent"
    assert response.json()["concern"]["id"] == concern.pk


def counts() -> tuple[int, int]:
    return Contact.objects.count(), Concern.objects.count()


def test_a_supporter_cannot_log_for_someone_they_are_not_assigned_to(world: World, api: ApiFor) -> None:
    before = counts()
    body = contact_body(world, enrollment=world.rita_enrollment.pk)
    response = api(world.sofia.user).post(URL, body, format="json")
    assert response.status_code == 400
    assert "enrollment" in response.json()
    assert counts() == before


@pytest.mark.parametrize("role", ["professional", "participant"])
def test_roles_that_see_an_enrolment_but_do_not_log_get_a_400_on_participant(
    world: World, api: ApiFor, role: str
) -> None:
    before = counts()
    response = api(world.users_by_role()[role]).post(URL, contact_body(world), format="json")
    assert response.status_code == 400
    assert "not assigned" in response.json()["participant"][0]
    assert counts() == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"modality": "carrier_pigeon"}, "modality"),
        ({"functions": ["fifth_function"]}, "functions"),
        ({"activities": ["juggling"]}, "activities"),
        ({"duration_minutes": 481}, "duration_minutes"),
        ({"duration_minutes": -5}, "duration_minutes"),
        ({"occurred_at": (timezone.now() + timedelta(days=2)).isoformat()}, "occurred_at"),
        ({"occurred_at": "yesterday-ish"}, "occurred_at"),
        ({"outcome": "no_answer"}, "functions"),  # an unanswered call delivers no functions
        ({"concern_tier": "urgent", "concern_reason": ""}, "concern_reason"),
        ({"concern_tier": "apocalyptic", "concern_reason": "x"}, "concern_tier"),
        ({"next_contact_due": "2000-01-01"}, "next_contact_due"),
        ({"enrollment": 999_999}, "enrollment"),
    ],
)
def test_bad_contact_input_is_a_400_and_saves_nothing(world: World, api: ApiFor, overrides: dict, field: str) -> None:
    before = counts()
    response = api(world.sofia.user).post(URL, contact_body(world, **overrides), format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert counts() == before


def test_a_proactive_contact_needs_consent_to_be_contacted(world: World, api: ApiFor) -> None:
    quiet = make_participant(world.org, "Quinn", consent_contact=False)
    enrollment = make_enrollment(world.cora, quiet, world.telephone, [world.sofia], status="referred")
    client = api(world.sofia.user)
    before = counts()
    response = client.post(URL, contact_body(world, enrollment=enrollment.pk), format="json")
    assert response.status_code == 400 and "initiated_by" in response.json()
    assert counts() == before
    # They called us: that can be logged.
    response = client.post(
        URL, contact_body(world, enrollment=enrollment.pk, initiated_by="participant"), format="json"
    )
    assert response.status_code == 201, response.content


def test_contacts_cannot_be_changed_after_the_fact(world: World, api: ApiFor, logged: dict[str, Contact]) -> None:
    client = api(world.cora)
    url = f"{URL}{logged['paul'].pk}/"
    assert client.put(url, contact_body(world), format="json").status_code == 405
    assert client.patch(url, {"note": "rewritten"}, format="json").status_code == 405
    assert client.delete(url).status_code == 405
    logged["paul"].refresh_from_db()
    assert logged["paul"].note == "Talked about walking"


@pytest.mark.parametrize("extra", [2, 40])
def test_listing_takes_the_same_number_of_queries_for_any_number_of_rows(
    world: World, api: ApiFor, django_assert_max_num_queries, extra: int
) -> None:
    people = [make_participant(world.org, f"Person {i}") for i in range(extra)]
    for person in people:
        enrollment = make_enrollment(world.cora, person, world.telephone, [world.sofia])
        make_contact(enrollment, world.sofia.user)
    client = api(world.cora)
    # count, page (with participant, supporter, recorder and concern joined), access log insert
    with django_assert_max_num_queries(3):
        response = client.get(URL)
    assert len(response.json()["results"]) == extra
