"""POST /fhir/r4/ServiceRequest: a valid request becomes an incoming referral on the participant's timeline;
the same request twice is refused; anything that cannot be received is a 400 OperationOutcome naming every
problem, and nothing is saved."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from alongside.audit.models import AccessLogEntry
from alongside.interop import codes
from alongside.linkage.models import Referral, ReferralEvent, ReferralKind, ReferralStatus, Service
from alongside.people.timeline import timeline_for
from alongside.testing.api import ApiFor
from alongside.testing.world import World, make_enrollment

pytestmark = pytest.mark.django_db

URL = "/fhir/r4/ServiceRequest"


def request_for(world: World, **changes: Any) -> dict[str, Any]:
    """A clinic's referral of Paul to the peer support program, as an R4 ServiceRequest."""
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": "sr-1001",
        "identifier": [{"system": "https://clinic.example.org/referrals", "value": "1001"}],
        "status": "active",
        "intent": "order",
        "priority": "urgent",
        "category": [
            {"coding": [{"system": codes.SDOHCC, "code": "social-connection", "display": "Social Connection"}]}
        ],
        "code": {"text": "Peer support for diabetes self-management"},
        "subject": {"reference": f"Patient/{world.paul.pk}"},
        "requester": {"display": "Dr. Amara Lee, Riverside Clinic"},
        "reasonCode": [{"text": "Newly diagnosed, lives alone, struggling with the diet"}],
        "authoredOn": "2025-03-01T10:00:00Z",
    }
    resource.update(changes)
    return resource


def post(client: Any, resource: Any, **params: str) -> Any:
    query = "?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""
    return client.post(URL + query, data=json.dumps(resource), content_type="application/fhir+json")


def issues_of(response: Any, status: int = 400) -> list[dict[str, Any]]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    body = response.json()
    OperationOutcome.model_validate(body)
    issues: list[dict[str, Any]] = body["issue"]
    return issues


def test_a_valid_service_request_becomes_an_incoming_referral(world: World, api: ApiFor) -> None:
    response = post(api(world.cora), request_for(world))
    assert response.status_code == 201, response.content
    body = response.json()
    Bundle.model_validate(body)
    request, task = (e["resource"] for e in body["entry"])
    ServiceRequest.model_validate(request)
    Task.model_validate(task)

    referral = Referral.objects.get()
    assert response["Location"] == f"http://testserver{URL}/{referral.pk}"
    assert (referral.is_incoming, referral.status, referral.kind) == (True, ReferralStatus.SENT, ReferralKind.COMMUNITY)
    assert referral.enrollment == world.paul_enrollment
    assert referral.urgency == "soon"  # FHIR "urgent" is the step after routine
    assert referral.reason == "Newly diagnosed, lives alone, struggling with the diet"
    assert referral.external_id == "https://clinic.example.org/referrals|1001"
    assert referral.to_name == "Telephone Peer Support"  # no receiver named: the program receives it
    assert ReferralEvent.objects.get(referral=referral).note == "Received from Dr. Amara Lee, Riverside Clinic"

    assert request["id"] == str(referral.pk) and request["status"] == "active"
    assert request["requester"] == {"type": "Practitioner", "display": "Dr. Amara Lee, Riverside Clinic"}
    assert task["status"] == "requested" and task["focus"] == {"reference": f"ServiceRequest/{referral.pk}"}
    assert AccessLogEntry.objects.filter(user=world.cora, participant=world.paul).count() == 1


def test_the_received_referral_is_on_the_participants_timeline(world: World, api: ApiFor) -> None:
    assert post(api(world.cora), request_for(world)).status_code == 201
    referral = Referral.objects.get()
    events = [e for e in timeline_for(world.paul, world.cora) if e.kind == "referral"]
    assert [e.obj.referral_id for e in events] == [referral.pk]


def test_the_received_referral_reads_back_with_its_task(world: World, api: ApiFor) -> None:
    world.paul.consent_data_sharing = True
    world.paul.save()
    client = api(world.cora)
    assert post(client, request_for(world)).status_code == 201
    referral = Referral.objects.get()
    request = client.get(f"{URL}/{referral.pk}").json()
    assert request["reasonCode"] == [{"text": referral.reason}]
    assert request["identifier"][1]["value"] == "https://clinic.example.org/referrals|1001"
    found = client.get("/fhir/r4/Task", {"focus": f"ServiceRequest/{referral.pk}"}).json()
    assert found["entry"][0]["resource"]["status"] == "requested"


def test_the_same_request_twice_is_refused(world: World, api: ApiFor) -> None:
    client = api(world.cora)
    assert post(client, request_for(world)).status_code == 201
    issues = issues_of(post(client, request_for(world, reasonCode=[{"text": "Again"}])), 409)
    assert issues[0]["code"] == "duplicate"
    assert issues[0]["expression"] == ["ServiceRequest.identifier"]
    assert Referral.objects.count() == 1


def test_without_an_identifier_the_resource_id_is_the_senders_id(world: World, api: ApiFor) -> None:
    client = api(world.cora)
    assert post(client, request_for(world, identifier=[])).status_code == 201
    assert Referral.objects.get().external_id == "sr-1001"
    assert post(client, request_for(world, identifier=[])).status_code == 409


def test_the_subject_may_be_alongsides_participant_identifier(world: World, api: ApiFor) -> None:
    subject = {"identifier": {"system": codes.identifier_system(world.org, "participant"), "value": str(world.paul.pk)}}
    assert post(api(world.cora), request_for(world, subject=subject)).status_code == 201
    assert Referral.objects.get().participant == world.paul


def test_a_directory_service_named_by_its_identifier_receives_it(world: World, api: ApiFor) -> None:
    clinic = Service.objects.create(organization=world.org, name="Riverside Diabetes Clinic", is_clinical=True)
    performer = {
        "type": "HealthcareService",
        "identifier": {"system": codes.identifier_system(world.org, "hsds-service"), "value": clinic.hsds_id},
    }
    assert post(api(world.cora), request_for(world, performer=[performer], category=[])).status_code == 201
    referral = Referral.objects.get()
    assert (referral.service, referral.kind) == (clinic, ReferralKind.CLINICAL)


def test_a_professional_of_the_organization_may_send_one(world: World, api: ApiFor) -> None:
    assert post(api(world.priya), request_for(world)).status_code == 201


@pytest.mark.parametrize("who", ["sofia", "eve", "paul", "otto"])
def test_roles_that_do_not_receive_referrals_are_refused(world: World, api: ApiFor, who: str) -> None:
    user = {"sofia": world.sofia.user, "eve": world.eve, "paul": world.paul_user}.get(who)
    if user is None:  # otto coordinates another organization: Paul is not his to find
        issues = issues_of(post(api(world.otto), request_for(world)))
        assert issues[0]["expression"] == ["ServiceRequest.subject"]
    else:
        issues_of(post(api(user), request_for(world)), 403)
    assert not Referral.objects.exists()


# --- several enrolments ------------------------------------------------------------------------------


def test_with_several_open_enrolments_the_request_must_say_which(world: World, api: ApiFor) -> None:
    coaching = make_enrollment(world.cora, world.paul, world.coaching, [world.sid])
    client = api(world.cora)
    issues = issues_of(post(client, request_for(world)))
    assert "several programs" in issues[0]["diagnostics"]
    assert f"?program={world.coaching.pk}" in issues[0]["diagnostics"]
    assert not Referral.objects.exists()

    assert post(client, request_for(world), program=str(world.coaching.pk)).status_code == 201
    assert Referral.objects.get().enrollment == coaching
    care_team = {"reference": f"CareTeam/{world.paul_enrollment.pk}"}
    second = request_for(world, identifier=[{"system": "https://clinic.example.org/referrals", "value": "1002"}])
    assert post(client, {**second, "performer": [care_team]}).status_code == 201
    assert Referral.objects.order_by("pk").last().enrollment == world.paul_enrollment  # type: ignore[union-attr]


# --- invalid resources: 400, nothing saved ---------------------------------------------------------------


def test_another_resource_type_is_refused(world: World, api: ApiFor) -> None:
    issues = issues_of(post(api(world.cora), {"resourceType": "Patient", "id": "1"}))
    assert issues[0]["diagnostics"] == "Expected a ServiceRequest, got Patient."
    assert not Referral.objects.exists()


def test_a_missing_subject_status_and_intent_are_each_reported(world: World, api: ApiFor) -> None:
    resource = request_for(world)
    for name in ("subject", "status", "intent"):
        del resource[name]
    issues = issues_of(post(api(world.cora), resource))
    assert {(i["code"], i["expression"][0]) for i in issues} >= {("required", "ServiceRequest.subject")}
    resource["subject"] = {"reference": f"Patient/{world.paul.pk}"}
    issues = issues_of(post(api(world.cora), resource))
    assert {(i["code"], i["expression"][0]) for i in issues} == {
        ("required", "ServiceRequest.status"),
        ("required", "ServiceRequest.intent"),
    }
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("changes", "code", "expression"),
    [
        ({"status": "sent"}, "code-invalid", "ServiceRequest.status"),
        ({"status": "draft"}, "business-rule", "ServiceRequest.status"),
        ({"status": "completed"}, "business-rule", "ServiceRequest.status"),
        ({"intent": "wish"}, "code-invalid", "ServiceRequest.intent"),
        ({"priority": "whenever"}, "code-invalid", "ServiceRequest.priority"),
        ({"authoredOn": "yesterday"}, "value", "ServiceRequest.authoredOn"),
        ({"reasonCode": "diet"}, "value", "ServiceRequest.reasonCode"),
        ({"colour": "blue"}, "structure", "ServiceRequest.colour"),
        ({"subject": {"reference": "Patient/999999"}}, "not-found", "ServiceRequest.subject"),
        ({"subject": {"reference": "Group/1"}}, "not-found", "ServiceRequest.subject"),
        ({"reasonCode": [], "code": None}, "required", "ServiceRequest.reasonCode"),
        ({"id": None, "identifier": []}, "required", "ServiceRequest.identifier"),
    ],
)
def test_an_invalid_resource_is_a_400_naming_the_problem_and_saves_nothing(
    world: World, api: ApiFor, changes: dict[str, Any], code: str, expression: str
) -> None:
    resource = {k: v for k, v in request_for(world, **changes).items() if v is not None}
    issues = issues_of(post(api(world.cora), resource))
    assert (code, [expression]) in [(i["code"], i.get("expression")) for i in issues], issues
    assert not Referral.objects.exists()
    assert not ReferralEvent.objects.exists()


def test_a_participant_of_another_organization_is_not_found(world: World, api: ApiFor) -> None:
    issues = issues_of(post(api(world.cora), request_for(world, subject={"reference": f"Patient/{world.hana.pk}"})))
    assert issues[0]["code"] == "not-found"


def test_a_body_that_is_not_json_is_a_400(world: World, api: ApiFor) -> None:
    response = api(world.cora).post(URL, data="{not json", content_type="application/fhir+json")
    issues_of(response)
    response = api(world.cora).post(URL, data=json.dumps([request_for(world)]), content_type="application/json")
    issues_of(response)
    assert not Referral.objects.exists()


def test_a_closed_enrolment_cannot_receive(world: World, api: ApiFor) -> None:
    world.paul_enrollment.status = "completed"
    world.paul_enrollment.save()
    issues = issues_of(post(api(world.cora), request_for(world)))
    assert "No open enrolment" in issues[0]["diagnostics"]
