"""/fhir/r4/: reads and searches return FHIR JSON that validates with fhir.resources, only what the caller
may see (404 otherwise), nothing of a participant without their data-sharing consent (403), and every
participant whose data is returned is in the access log."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.servicerequest import ServiceRequest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from alongside.audit.models import AccessChannel, AccessLogEntry
from alongside.interop.access import NO_CONSENT
from alongside.interop.tests.conftest import PaulsRecord
from alongside.linkage.services import create_referral
from alongside.testing.api import ApiFor
from alongside.testing.world import World, make_contact

pytestmark = pytest.mark.django_db

BASE = "/fhir/r4/"


def fhir(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    body: dict[str, Any] = response.json()
    return body


def valid_bundle(body: dict[str, Any]) -> Bundle:
    """The Bundle parses with the R4 class, and so does each entry's resource with its own class."""
    bundle = Bundle.model_validate(body)
    for entry in body.get("entry", []):
        get_fhir_model_class(entry["resource"]["resourceType"]).model_validate(entry["resource"])
    return bundle


def outcome(response: Any, status: int) -> list[dict[str, Any]]:
    body = fhir(response, status)
    OperationOutcome.model_validate(body)
    issues: list[dict[str, Any]] = body["issue"]
    return issues


def paul_urls(world: World, record: PaulsRecord) -> list[str]:
    p = world.paul.pk
    return [
        f"Patient/{p}",
        f"Patient/{p}/$everything",
        f"Encounter?patient={p}",
        f"Encounter/{record.call.pk}",
        f"CareTeam?patient={p}",
        f"CareTeam/{world.paul_enrollment.pk}",
        f"ServiceRequest?patient={p}",
        f"ServiceRequest/{record.community.pk}",
        f"Task?focus=ServiceRequest/{record.community.pk}",
        f"Task/{record.community.pk}",
        f"Goal?patient={p}",
        f"Goal/{record.active_plan.pk}",
        f"Observation?patient={p}",
        f"Observation/{record.readings['bp'].pk}",
    ]


# --- reads -----------------------------------------------------------------------------------------------


def test_a_patient_is_read_as_fhir_json(world: World, record: PaulsRecord, api: ApiFor) -> None:
    body = fhir(api(world.cora).get(f"{BASE}Patient/{world.paul.pk}"))
    patient = Patient.model_validate(body)
    assert patient.id == str(world.paul.pk)
    assert patient.name is not None and patient.name[0].family == "Okafor"


def test_everything_is_one_bundle_of_the_whole_record_that_validates(
    world: World, record: PaulsRecord, api: ApiFor
) -> None:
    body = fhir(api(world.cora).get(f"{BASE}Patient/{world.paul.pk}/$everything"))
    bundle = valid_bundle(body)
    assert bundle.type == "searchset"
    kinds = Counter(e["resource"]["resourceType"] for e in body["entry"])
    assert kinds == {
        "Patient": 1,
        "CareTeam": 1,
        "Practitioner": 1,
        "PractitionerRole": 1,
        "Encounter": 3,
        "ServiceRequest": 2,
        "Task": 2,
        "Goal": 2,
        "Observation": 7,
    }
    assert body["entry"][0]["search"] == {"mode": "match"}
    assert body["entry"][0]["fullUrl"] == f"http://testserver{BASE}Patient/{world.paul.pk}"
    # Every relative reference in the bundle points at an entry of the bundle (or is contained, "#...").
    urls = {e["fullUrl"].removeprefix(f"http://testserver{BASE}") for e in body["entry"]}
    references = set(_references(body["entry"]))
    assert references and {r for r in references if not r.startswith("#")} <= urls


def _references(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = [value["reference"]] if isinstance(value.get("reference"), str) else []
        return found + [r for v in value.values() for r in _references(v)]
    if isinstance(value, list):
        return [r for v in value for r in _references(v)]
    return []


@pytest.mark.parametrize(
    ("resource_type", "count"),
    [("Encounter", 3), ("CareTeam", 1), ("ServiceRequest", 2), ("Task", 2), ("Goal", 2), ("Observation", 7)],
)
def test_each_search_by_patient_is_a_searchset_that_validates(
    world: World, record: PaulsRecord, api: ApiFor, resource_type: str, count: int
) -> None:
    body = fhir(api(world.cora).get(f"{BASE}{resource_type}", {"patient": f"Patient/{world.paul.pk}"}))
    valid_bundle(body)
    assert body["type"] == "searchset" and body["total"] == count
    assert {e["resource"]["resourceType"] for e in body["entry"]} == {resource_type}
    assert all(e["search"]["mode"] == "match" for e in body["entry"])


def test_a_search_pages_with_count_and_links_the_next_page(world: World, record: PaulsRecord, api: ApiFor) -> None:
    client = api(world.cora)
    first = fhir(client.get(f"{BASE}Observation", {"patient": world.paul.pk, "_count": 5}))
    assert first["total"] == 7 and len(first["entry"]) == 5
    links = {link["relation"]: link["url"] for link in first["link"]}
    assert set(links) == {"self", "next"}
    second = fhir(client.get(links["next"].removeprefix("http://testserver")))
    assert len(second["entry"]) == 2
    assert {link["relation"] for link in second["link"]} == {"self", "previous"}
    seen = {e["resource"]["id"] for e in first["entry"] + second["entry"]}
    assert seen == {str(m.pk) for m in record.readings.values()}


def test_the_task_of_a_service_request_is_found_by_focus(world: World, record: PaulsRecord, api: ApiFor) -> None:
    body = fhir(api(world.cora).get(f"{BASE}Task", {"focus": f"ServiceRequest/{record.clinical.pk}"}))
    valid_bundle(body)
    [entry] = body["entry"]
    assert entry["resource"]["status"] == "accepted"
    assert entry["resource"]["focus"] == {"reference": f"ServiceRequest/{record.clinical.pk}"}


def test_a_service_request_is_read_with_its_shared_items(world: World, record: PaulsRecord, api: ApiFor) -> None:
    body = fhir(api(world.sofia.user).get(f"{BASE}ServiceRequest/{record.community.pk}"))
    request = ServiceRequest.model_validate(body)
    assert request.status == "active"
    assert len(body["supportingInfo"]) == 6


def test_a_practitioner_and_their_role_are_read(world: World, api: ApiFor) -> None:
    client = api(world.cora)
    body = fhir(client.get(f"{BASE}Practitioner/{world.sofia.pk}"))
    names = Practitioner.model_validate(body).name
    assert names is not None and names[0].given == ["Sofia"]
    role = fhir(client.get(f"{BASE}PractitionerRole/{world.sofia.pk}"))
    assert role["practitioner"]["reference"] == f"Practitioner/{world.sofia.pk}"
    found = fhir(client.get(f"{BASE}PractitionerRole", {"practitioner": world.sofia.pk}))
    assert valid_bundle(found).total == 1


def test_the_participant_reads_their_own_record(world: World, record: PaulsRecord, api: ApiFor) -> None:
    body = fhir(api(world.paul_user).get(f"{BASE}Patient/{world.paul.pk}/$everything"))
    valid_bundle(body)
    assert Counter(e["resource"]["resourceType"] for e in body["entry"])["Observation"] == 7


def test_a_professional_reads_the_referral_sent_to_her_and_not_the_others(
    world: World, record: PaulsRecord, api: ApiFor
) -> None:
    client = api(world.priya)
    fhir(client.get(f"{BASE}ServiceRequest/{record.clinical.pk}"))
    outcome(client.get(f"{BASE}ServiceRequest/{record.community.pk}"), 404)
    body = fhir(client.get(f"{BASE}ServiceRequest", {"patient": world.paul.pk}))
    assert [e["resource"]["id"] for e in body["entry"]] == [str(record.clinical.pk)]


def test_token_authentication_works_like_the_api(world: World, record: PaulsRecord) -> None:
    token = Token.objects.create(user=world.cora)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    fhir(client.get(f"{BASE}Patient/{world.paul.pk}"))


def test_without_login_the_answer_is_an_operation_outcome(world: World, record: PaulsRecord) -> None:
    response = APIClient().get(f"{BASE}Patient/{world.paul.pk}")
    assert response.status_code in (401, 403)
    issues = outcome(response, response.status_code)
    assert issues[0]["code"] in ("login", "forbidden")
    assert not AccessLogEntry.objects.exists()


def test_the_capability_statement_is_public_and_valid(world: World) -> None:
    body = fhir(APIClient().get(f"{BASE}metadata"))
    statement = CapabilityStatement.model_validate(body)
    assert statement.fhirVersion == "4.0.1"
    offered = {r["type"]: {i["code"] for i in r["interaction"]} for r in body["rest"][0]["resource"]}
    assert offered["ServiceRequest"] == {"read", "search-type", "create"}
    assert offered["Patient"] == {"read"}


def test_a_search_without_a_patient_is_a_bad_request(world: World, record: PaulsRecord, api: ApiFor) -> None:
    issues = outcome(api(world.cora).get(f"{BASE}Encounter"), 400)
    assert "patient" in issues[0]["diagnostics"]
    outcome(api(world.cora).get(f"{BASE}Encounter", {"patient": str(world.paul.pk), "_count": "lots"}), 400)


# --- the access log ------------------------------------------------------------------------------------


def test_every_read_of_a_participants_data_is_logged_with_the_api_channel(
    world: World, record: PaulsRecord, api: ApiFor
) -> None:
    client = api(world.cora)
    urls = paul_urls(world, record)
    for url in urls:
        fhir(client.get(f"{BASE}{url}"))
    rows = AccessLogEntry.objects.filter(user=world.cora)
    assert rows.count() == len(urls)
    assert set(rows.values_list("participant", flat=True)) == {world.paul.pk}
    assert set(rows.values_list("channel", flat=True)) == {AccessChannel.API}
    assert rows.filter(path=f"{BASE}Patient/{world.paul.pk}/$everything").count() == 1


def test_reading_a_practitioner_is_not_a_participant_access(world: World, api: ApiFor) -> None:
    fhir(api(world.cora).get(f"{BASE}Practitioner/{world.sofia.pk}"))
    assert not AccessLogEntry.objects.exists()


# --- consent --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "coordinator", "supervisor", "supporter", "participant"])
def test_without_data_sharing_consent_nothing_is_returned_to_anyone(
    world: World, record: PaulsRecord, api: ApiFor, role: str
) -> None:
    world.paul.consent_data_sharing = False
    world.paul.save()
    client = api(world.users_by_role()[role])
    for url in paul_urls(world, record):
        response = client.get(f"{BASE}{url}")
        issues = outcome(response, 403)
        assert issues == [
            {"severity": "error", "code": "forbidden", "diagnostics": NO_CONSENT, "details": {"text": NO_CONSENT}}
        ], url
        assert b"Okafor" not in response.content
    assert not AccessLogEntry.objects.exists()


def test_consent_gates_the_referral_sent_to_a_professional_too(world: World, record: PaulsRecord, api: ApiFor) -> None:
    world.paul.consent_data_sharing = False
    world.paul.save()
    client = api(world.priya)
    outcome(client.get(f"{BASE}ServiceRequest/{record.clinical.pk}"), 403)
    outcome(client.get(f"{BASE}Task", {"focus": f"ServiceRequest/{record.clinical.pk}"}), 403)
    assert not AccessLogEntry.objects.exists()


# --- scope ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["otto", "sid", "eve"])
def test_out_of_scope_is_not_found(world: World, record: PaulsRecord, api: ApiFor, who: str) -> None:
    user = {"otto": world.otto, "sid": world.sid.user, "eve": world.eve}[who]
    client = api(user)
    for url in paul_urls(world, record):
        issues = outcome(client.get(f"{BASE}{url}"), 404)
        assert issues[0]["code"] == "not-found", url
    assert not AccessLogEntry.objects.exists()


def test_out_of_scope_is_not_found_even_without_consent(world: World, record: PaulsRecord, api: ApiFor) -> None:
    # Scope comes first: a 403 would tell the outsider the participant exists.
    world.paul.consent_data_sharing = False
    world.paul.save()
    outcome(api(world.otto).get(f"{BASE}Patient/{world.paul.pk}"), 404)


def test_a_supporter_of_another_organization_is_not_found(world: World, api: ApiFor) -> None:
    outcome(api(world.otto).get(f"{BASE}Practitioner/{world.sofia.pk}"), 404)
    body = fhir(api(world.otto).get(f"{BASE}PractitionerRole", {"practitioner": world.sofia.pk}))
    assert body["total"] == 0


@pytest.mark.parametrize("bad", ["abc", "Encounter/1", "99999999999999999999999", "-1"])
def test_ids_that_cannot_be_a_record_are_not_found(world: World, record: PaulsRecord, api: ApiFor, bad: str) -> None:
    client = api(world.cora)
    outcome(client.get(f"{BASE}Encounter", {"patient": bad}), 404)
    outcome(client.get(f"{BASE}Task", {"focus": bad}), 404)
    if "/" not in bad:
        outcome(client.get(f"{BASE}Patient/{bad}"), 404)
        outcome(client.get(f"{BASE}Goal/{bad}"), 404)


def test_an_unknown_endpoint_is_an_operation_outcome(world: World, api: ApiFor) -> None:
    issues = outcome(api(world.cora).get(f"{BASE}Medication/1"), 404)
    assert issues[0]["code"] == "not-found"


# --- cost -----------------------------------------------------------------------------------------------


def test_the_whole_record_costs_the_same_queries_however_long_it_is(
    world: World, record: PaulsRecord, api: ApiFor, django_assert_max_num_queries: Any
) -> None:
    client = api(world.cora)
    url = f"{BASE}Patient/{world.paul.pk}/$everything"
    with CaptureQueriesContext(connection) as before:
        fhir(client.get(url))
    for days in range(4, 14):
        make_contact(world.paul_enrollment, world.sofia.user, days_ago=days)
    create_referral(
        world.sofia.user,
        world.paul_enrollment,
        kind="community",
        reason="Walking group",
        urgency="routine",
        consent_to_share=True,
        shared_items=["readings", "action_plan"],
        to_name="Riverside Walkers",
    )
    with django_assert_max_num_queries(len(before)):
        body = fhir(client.get(url))
    assert Counter(e["resource"]["resourceType"] for e in body["entry"])["Encounter"] == 13
