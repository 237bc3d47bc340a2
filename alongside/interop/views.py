"""The FHIR R4 endpoints under /fhir/r4/ (JSON, application/fhir+json), authenticated like the API
(session or token).

    GET  metadata                              CapabilityStatement (no login needed)
    GET  Patient/<id>                          Patient
    GET  Patient/<id>/$everything              searchset Bundle: the whole record the caller may see
    GET  Practitioner/<id>                     a supporter
    GET  PractitionerRole/<id>, PractitionerRole?practitioner=<id>
    GET  CareTeam/<id>, CareTeam?patient=<id>  an enrolment's team
    GET  Encounter/<id>, Encounter?patient=<id>
    GET  ServiceRequest/<id>, ServiceRequest?patient=<id>
    POST ServiceRequest                        import: an incoming referral (see incoming.py)
    GET  Task/<id>, Task?focus=ServiceRequest/<id>, Task?patient=<id>
    GET  Goal/<id>, Goal?patient=<id>
    GET  Observation/<id>, Observation?patient=<id>

Searches take `patient` (or `subject`) as "12" or "Patient/12", `_count` (default 50, at most 500) and
`page`; other parameters are ignored (as FHIR allows) and left out of the self link. Every answer that
is not a resource or a Bundle is an OperationOutcome: 404 out of scope, 403 without the participant's
data-sharing consent (access.py), 400 for a bad search or an invalid resource, 401/403 without login.

Each response that returns a participant's data writes the access log (channel API), one row per
participant, after the scope and consent checks passed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from django.http import Http404
from django.urls import path, reverse
from django.urls.resolvers import URLPattern
from django.utils import timezone
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.resource import Resource
from fhir_core.fhirabstractmodel import FHIRAbstractModel
from rest_framework import exceptions, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from alongside.accounts.models import User
from alongside.api_common import acting_user, field_errors
from alongside.audit.models import AccessChannel
from alongside.audit.services import log_access
from alongside.interop import access, bundle, codes, incoming, resources
from alongside.interop.bundle import Page
from alongside.linkage.models import Referral
from alongside.linkage.services import receive_referral

# --- JSON in and out ------------------------------------------------------------------------------------


class FhirJSONRenderer(BaseRenderer):
    media_type = codes.FHIR_JSON
    format = "json"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Mapping[str, Any] | None = None
    ) -> bytes:
        if data is None:
            return b""
        if isinstance(data, FHIRAbstractModel):
            return data.model_dump_json().encode()
        return json.dumps(data).encode()


class FhirJSONParser(JSONParser):
    media_type = codes.FHIR_JSON


class AlwaysFhirJSON(BaseContentNegotiation):
    """FHIR JSON whatever the Accept header or format parameter say: the only format served."""

    def select_parser(self, request: Request, parsers: Any) -> Any:
        for parser in parsers:
            if request.content_type.split(";")[0].strip() in (parser.media_type, "application/json"):
                return parser
        return None

    def select_renderer(self, request: Request, renderers: Any, format_suffix: str | None = None) -> Any:
        return renderers[0], renderers[0].media_type


ISSUE_CODE = {
    status.HTTP_400_BAD_REQUEST: "invalid",
    status.HTTP_401_UNAUTHORIZED: "login",
    status.HTTP_403_FORBIDDEN: "forbidden",
    status.HTTP_404_NOT_FOUND: "not-found",
    status.HTTP_405_METHOD_NOT_ALLOWED: "not-supported",
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: "not-supported",
    status.HTTP_429_TOO_MANY_REQUESTS: "throttled",
}


class BadSearch(Exception):
    """A search without the parameter it needs, or with a value that cannot be one (HTTP 400)."""


class FhirView(APIView):
    """Base of every endpoint: FHIR JSON, errors as OperationOutcome, no place in the OpenAPI schema
    (FHIR describes itself at /fhir/r4/metadata)."""

    schema = None
    renderer_classes = [FhirJSONRenderer]
    parser_classes = [FhirJSONParser, JSONParser]
    content_negotiation_class = AlwaysFhirJSON

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, access.ConsentMissing):
            return Response(bundle.operation_outcome([("forbidden", str(exc), None)]), status=403)
        if isinstance(exc, incoming.InvalidResource):
            return Response(bundle.operation_outcome(exc.issues), status=400)
        if isinstance(exc, BadSearch):
            return Response(bundle.operation_outcome([("invalid", str(exc), None)]), status=400)
        response = super().handle_exception(exc)
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
        message = str(detail) or "The request could not be processed."
        if isinstance(exc, Http404 | exceptions.NotFound):
            message = str(exc) or "Not found."
        code = ISSUE_CODE.get(response.status_code, "processing")
        response.data = bundle.operation_outcome([(code, message, None)])
        return response

    @property
    def user(self) -> User | AnonymousUser:
        return self.request.user

    def base(self) -> str:
        """The service base URL, ending with a slash (fullUrl and links start with it)."""
        return self.request.build_absolute_uri(reverse("fhir:metadata")).removesuffix("metadata")

    def log(self, participant_ids: set[int] | list[int]) -> None:
        log_access(self.request.user, sorted(participant_ids), AccessChannel.API, self.request.path)

    def page(self) -> Page:
        params = self.request.query_params
        try:
            count = int(params.get("_count", bundle.DEFAULT_COUNT))
            number = int(params.get("page", 1))
        except ValueError as error:
            raise BadSearch("_count and page are whole numbers.") from error
        if count < 1 or number < 1:
            raise BadSearch("_count and page start at 1.")
        return Page(count=min(count, bundle.MAX_COUNT), number=number)


# --- records of a participant: read by id, search by patient ------------------------------------------


@dataclass(frozen=True)
class RecordType:
    """A kind of participant record exported as one FHIR resource type."""

    resource_type: str
    rows: Callable[[User | AnonymousUser], QuerySet[Any]]
    build: Callable[[User | AnonymousUser, Any], Resource]


def _service_request(user: User | AnonymousUser, referral: Any) -> Resource:
    return resources.service_request(referral, access.shared_records(user, referral))


RECORD_TYPES: dict[str, RecordType] = {
    t.resource_type: t
    for t in (
        RecordType("CareTeam", access.enrollment_rows, lambda user, row: resources.care_team(row)),
        RecordType("Encounter", access.contact_rows, lambda user, row: resources.encounter(row)),
        RecordType("ServiceRequest", access.referral_rows, _service_request),
        RecordType("Task", access.referral_rows, lambda user, row: resources.task(row)),
        RecordType("Goal", access.plan_rows, lambda user, row: resources.goal(row)),
        RecordType("Observation", access.measurement_rows, lambda user, row: resources.observation(row)),
    )
}


class RecordRead(FhirView):
    """GET <Type>/<id>: one record in scope (else 404) of a consenting participant (else 403)."""

    record_type: RecordType

    def get(self, request: Request, pk: str) -> Response:
        row: Model | None = self.record_type.rows(self.user).filter(pk=access.record_id(pk)).first()
        if row is None:
            raise Http404(f"No {self.record_type.resource_type} with id {pk} that you can see.")
        participant = row.participant  # type: ignore[attr-defined]
        access.require_consent(participant)
        resource = self.record_type.build(self.user, row)
        self.log({participant.pk})
        return Response(resource)


class RecordSearch(FhirView):
    """GET <Type>?patient=<id>: the participant's records of this type that the caller may see, newest
    first, paged. Task also takes focus=ServiceRequest/<id>."""

    record_type: RecordType

    def matching(self) -> tuple[QuerySet[Any], dict[str, str], int]:
        """The rows that match, the search parameters understood, and the participant searched."""
        params = self.request.query_params
        if self.record_type.resource_type == "Task" and params.get("focus"):
            referral = access.shared_referral(self.user, params["focus"])
            rows = self.record_type.rows(self.user).filter(pk=referral.pk)
            return rows, {"focus": params["focus"]}, referral.participant_id
        patient = params.get("patient") or params.get("subject")
        if not patient:
            needs = "patient (a Patient id)"
            if self.record_type.resource_type == "Task":
                needs += " or focus (ServiceRequest/<id>)"
            raise BadSearch(f"Search {self.record_type.resource_type} by {needs}.")
        participant = access.shared_participant(self.user, patient)
        rows = self.record_type.rows(self.user).filter(participant=participant)
        return rows, {"patient": str(participant.pk)}, participant.pk

    def get(self, request: Request) -> Response:
        page = self.page()
        rows, params, participant_id = self.matching()
        total = rows.count()
        found = list(rows[page.offset : page.offset + page.count])
        matches = [self.record_type.build(self.user, row) for row in found]
        result = bundle.searchset(
            self.base(),
            matches,
            total=total,
            path=self.record_type.resource_type,
            params=params,
            page=page,
        )
        # Logged also when nothing matched: "no encounters" is an answer about the person too.
        self.log({participant_id})
        return Response(result)


class ServiceRequestCollection(RecordSearch):
    """GET ServiceRequest?patient=<id> (search), POST ServiceRequest (import, incoming.py): 201 with a
    collection Bundle of the ServiceRequest and Task created, Location ServiceRequest/<id>; 400 with every
    problem for a resource that cannot be received; 409 for a request received before (same identifier);
    403 for roles that do not record incoming referrals. Nothing is saved unless it is a 201."""

    record_type = RECORD_TYPES["ServiceRequest"]

    def post(self, request: Request) -> Response:
        if not incoming.may_receive_at_all(self.user):
            raise exceptions.PermissionDenied("Only coordinators and professionals record incoming referrals.")
        user = acting_user(request)
        found = incoming.read(user, request.data, program=request.query_params.get("program"), base=self.base())
        try:
            referral = receive_referral(
                user,
                found.enrollment,
                kind=found.kind,
                reason=found.reason,
                urgency=found.urgency,
                service=found.service,
                to_name=found.to_name,
                external_id=found.external_id,
                requester=found.requester,
            )
        except DjangoValidationError as error:
            problems = field_errors(error)
            issues: list[incoming.Issue] = [
                ("invalid", message, incoming.FIELD_EXPRESSION.get(field))
                for field, messages in problems.items()
                for message in messages
            ]
            if "external_id" in problems and received_before(found):
                issues = [("duplicate", m, "ServiceRequest.identifier") for m in problems["external_id"]]
                return Response(bundle.operation_outcome(issues), status=status.HTTP_409_CONFLICT)
            raise incoming.InvalidResource(issues) from error
        # The caller may not see it among their referrals (a professional sees those sent to them): it is
        # theirs to see now, as they just sent it.
        created = access.referral_rows_unscoped().get(pk=referral.pk)
        result = bundle.collection(self.base(), [resources.service_request(created), resources.task(created)])
        self.log({created.participant_id})
        location = f"{self.base()}ServiceRequest/{created.pk}"
        return Response(result, status=status.HTTP_201_CREATED, headers={"Location": location})


def received_before(found: incoming.IncomingReferral) -> bool:
    return Referral.objects.filter(
        external_id=found.external_id,
        is_incoming=True,
        enrollment__program__organization=found.enrollment.program.organization_id,
    ).exists()


# --- Patient, Practitioner, PractitionerRole ----------------------------------------------------------


class PatientRead(FhirView):
    def get(self, request: Request, pk: str) -> Response:
        participant = access.shared_participant(self.user, pk)
        resource = resources.patient(participant)
        self.log({participant.pk})
        return Response(resource)


class PatientEverything(FhirView):
    def get(self, request: Request, pk: str) -> Response:
        participant = access.shared_participant(self.user, pk)
        result = bundle.everything(self.base(), self.user, participant)
        self.log({participant.pk})
        return Response(result)


class PractitionerRead(FhirView):
    def get(self, request: Request, pk: str) -> Response:
        return Response(resources.practitioner(access.supporter(self.user, pk)))


class PractitionerRoleRead(FhirView):
    def get(self, request: Request, pk: str) -> Response:
        return Response(resources.practitioner_role(access.supporter(self.user, pk)))


class PractitionerRoleSearch(FhirView):
    def get(self, request: Request) -> Response:
        practitioner = request.query_params.get("practitioner")
        if not practitioner:
            raise BadSearch("Search PractitionerRole by practitioner (a Practitioner id).")
        try:
            supporters = [access.supporter(self.user, practitioner)]
        except Http404:
            supporters = []
        return Response(
            bundle.searchset(
                self.base(),
                [resources.practitioner_role(s) for s in supporters],
                total=len(supporters),
                path="PractitionerRole",
                params={"practitioner": practitioner},
            )
        )


class Unknown(FhirView):
    """Anything else under /fhir/r4/: a FHIR 404, not the site's HTML page."""

    def get(self, request: Request, rest: str) -> Response:
        raise exceptions.NotFound(f"This server has no {rest.split('/')[0] or 'such'} endpoint (see metadata).")

    post = put = patch = delete = get


# --- CapabilityStatement ------------------------------------------------------------------------------

SEARCH_PARAMS: dict[str, list[tuple[str, str]]] = {
    "CareTeam": [("patient", "reference")],
    "Encounter": [("patient", "reference")],
    "ServiceRequest": [("patient", "reference")],
    "Task": [("patient", "reference"), ("focus", "reference")],
    "Goal": [("patient", "reference")],
    "Observation": [("patient", "reference")],
    "PractitionerRole": [("practitioner", "reference")],
}


class Metadata(FhirView):
    """What this server offers (FHIR's capabilities interaction): readable without logging in."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    def get(self, request: Request) -> Response:
        def interactions(resource_type: str) -> list[dict[str, str]]:
            found = [{"code": "read"}]
            if resource_type in SEARCH_PARAMS:
                found.append({"code": "search-type"})
            if resource_type == "ServiceRequest":
                found.append({"code": "create"})
            return found

        types = ["Patient", "Practitioner", "PractitionerRole", *RECORD_TYPES]
        rest_resources = []
        for resource_type in types:
            entry: dict[str, Any] = {"type": resource_type, "interaction": interactions(resource_type)}
            if resource_type in SEARCH_PARAMS:
                entry["searchParam"] = [{"name": n, "type": t} for n, t in SEARCH_PARAMS[resource_type]]
            if resource_type == "Patient":
                entry["operation"] = [
                    {"name": "everything", "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything"}
                ]
            rest_resources.append(entry)
        statement = CapabilityStatement.model_validate(
            {
                "resourceType": "CapabilityStatement",
                "status": "active",
                "date": timezone.localdate().isoformat(),
                "kind": "instance",
                "software": {"name": "Alongside"},
                "implementation": {"description": "Alongside peer support: FHIR R4 exchange", "url": self.base()},
                "fhirVersion": "4.0.1",
                "format": ["application/fhir+json"],
                "rest": [
                    {
                        "mode": "server",
                        "security": {
                            "description": "Session or token authentication (Authorization: Token <key>), as the "
                            "REST API. A participant's data is returned only with their data-sharing consent."
                        },
                        "resource": rest_resources,
                    }
                ],
            }
        )
        return Response(statement)


# --- URLs ------------------------------------------------------------------------------------------------


def record_urls() -> list[URLPattern]:
    patterns = []
    for name, record_type in RECORD_TYPES.items():
        read = cast("type[RecordRead]", type(f"{name}Read", (RecordRead,), {"record_type": record_type}))
        search = (
            ServiceRequestCollection
            if name == "ServiceRequest"
            else cast("type[RecordSearch]", type(f"{name}Search", (RecordSearch,), {"record_type": record_type}))
        )
        patterns += [
            path(f"{name}/<str:pk>", read.as_view(), name=f"{name.lower()}"),
            path(name, search.as_view(), name=f"{name.lower()}_search"),
        ]
    return patterns
