"""Importing a FHIR R4 ServiceRequest as an incoming referral (POST /fhir/r4/ServiceRequest).

The resource is checked in three passes, each reporting every problem it finds (an OperationOutcome
with one issue per problem, HTTP 400, nothing saved):

1. Structure: `fhir.resources` parses it as an R4 ServiceRequest (types, cardinality, required elements,
   unknown elements).
2. Codes: status, intent and priority from FHIR's required value sets. Only an "active" request is
   received: a draft was not sent, a completed or revoked one asks for nothing.
3. Meaning: whom it is for and where it goes in Alongside.
   - subject: "Patient/<id>" (relative, or absolute under this server) or an identifier with Alongside's
     participant system (codes.identifier_system), naming a participant the caller may see.
   - the enrolment: the participant's open enrolment the caller may see. With several, the request names
     one: a performer "CareTeam/<id>" (CareTeam ids are enrolment ids, see CareTeam?patient=) or the
     `?program=<id>` parameter of the POST.
   - kind: clinical when a category is Alongside's referral-kind "clinical", or the service named is
     clinical; otherwise community (a referral into a peer support program is to a community resource).
   - reason: the reasonCode texts (or codings' displays), else the notes, else code.text; one is required.
   - urgency from priority (codes.URGENCY_FROM_PRIORITY); routine when absent.
   - receiver: a performer HealthcareService with an identifier of this organization's directory
     (system codes.identifier_system(org, "hsds-service"), value the service's HSDS id), else a performer
     display name; with neither, the enrolment's program receives it (linkage.services.receive_referral).
   - the sender's id, to refuse the same request twice: the first identifier ("system|value"), else the
     resource id; one is required.
   - requester: its display, else its reference, kept as the sender's name.

Then linkage.services.receive_referral writes it (its own checks: the caller's role, the enrolment open,
the receiver in the organization, a new sender id).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.servicerequest import ServiceRequest
from pydantic import ValidationError as PydanticValidationError

from alongside.accounts.models import Role, User
from alongside.interop import codes
from alongside.linkage.models import ReferralKind, ReferralUrgency, Service
from alongside.people.access import ORGANIZATION_WIDE_ROLES, enrollments_visible_to, participants_visible_to
from alongside.people.models import Participant
from alongside.programs.models import OPEN_STATUSES, Enrollment

# (issue type code, message, FHIRPath expression or None)
Issue = tuple[str, str, str | None]


class InvalidResource(Exception):
    """The resource cannot be received; `issues` say every reason (HTTP 400)."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__("; ".join(message for _, message, _ in issues))
        self.issues = issues


@dataclass
class IncomingReferral:
    """What receive_referral needs, read from the ServiceRequest."""

    participant: Participant
    enrollment: Enrollment
    kind: str
    reason: str
    urgency: str
    service: Service | None
    to_name: str
    external_id: str
    requester: str


def may_receive_at_all(user: User | AnonymousUser) -> bool:
    """The roles linkage.referral_access.can_receive lets record incoming referrals (organization-wide
    roles and professionals): others get a 403 before their resource is read."""
    return (
        isinstance(user, User)
        and user.is_active
        and (user.is_superuser or user.role in (*ORGANIZATION_WIDE_ROLES, Role.PROFESSIONAL))
    )


def _expression(location: tuple[int | str, ...]) -> str:
    path = "ServiceRequest"
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def structure_issues(error: PydanticValidationError) -> list[Issue]:
    issues: list[Issue] = []
    for problem in error.errors():
        kind = str(problem.get("type", ""))
        code = "required" if "missing" in kind else "structure" if kind == "extra_forbidden" else "value"
        location = tuple(part for part in problem.get("loc", ()) if part != "__root__")
        message = str(problem.get("msg", "Invalid value.")).replace("Value error, ", "")
        issues.append((code, message, _expression(location) if location else None))
    return issues


def parse(data: Any) -> ServiceRequest:
    """Passes 1 and 2: an R4 ServiceRequest with valid codes, or InvalidResource."""
    if not isinstance(data, dict):
        raise InvalidResource([("structure", "Send one ServiceRequest resource as a JSON object.", None)])
    if data.get("resourceType") != "ServiceRequest":
        got = data.get("resourceType")
        raise InvalidResource(
            [("structure", f"Expected a ServiceRequest, got {got or 'no resourceType'}.", "resourceType")]
        )
    try:
        request = ServiceRequest.model_validate(data)
    except PydanticValidationError as error:
        raise InvalidResource(structure_issues(error)) from error
    issues: list[Issue] = []
    if request.status not in codes.REQUEST_STATUSES:
        issues.append(("code-invalid", f"Unknown status: {request.status}.", "ServiceRequest.status"))
    elif request.status not in codes.IMPORTABLE_STATUSES:
        issues.append(
            (
                "business-rule",
                f"Only an active request can be received (this one is {request.status}).",
                "ServiceRequest.status",
            )
        )
    if request.intent not in codes.REQUEST_INTENTS:
        issues.append(("code-invalid", f"Unknown intent: {request.intent}.", "ServiceRequest.intent"))
    if request.priority is not None and request.priority not in codes.URGENCY_FROM_PRIORITY:
        issues.append(("code-invalid", f"Unknown priority: {request.priority}.", "ServiceRequest.priority"))
    if issues:
        raise InvalidResource(issues)
    return request


def _local_id(reference: str, resource_type: str, base: str) -> str | None:
    """The id in "Type/<id>" or "<this server's base>Type/<id>"; None for anything else."""
    if base and reference.startswith(base):
        reference = reference[len(base) :]
    kind, _, pk = reference.partition("/")
    return pk if kind == resource_type and pk.isdigit() and len(pk) <= 18 else None


def _participant(user: User | AnonymousUser, subject: Reference, base: str) -> Participant | None:
    visible = participants_visible_to(user).select_related("organization")
    if subject.reference:
        pk = _local_id(subject.reference, "Patient", base)
        return visible.filter(pk=pk).first() if pk else None
    ident = subject.identifier
    if ident is not None and ident.system and ident.value and ident.value.isdigit() and len(ident.value) <= 18:
        prefix = f"{codes.canonical_base()}/sid/"
        if ident.system.startswith(prefix) and ident.system.endswith("/participant"):
            slug = ident.system[len(prefix) : -len("/participant")]
            return visible.filter(pk=int(ident.value), organization__slug=slug).first()
    return None


def _enrollment(
    user: User | AnonymousUser, participant: Participant, request: ServiceRequest, program: str | None, base: str
) -> tuple[Enrollment | None, list[Issue]]:
    open_ones = (
        enrollments_visible_to(user)
        .filter(participant=participant, status__in=OPEN_STATUSES)
        .select_related("program__organization", "participant")
        .order_by("program__name", "id")
    )
    care_teams = [
        pk
        for performer in request.performer or []
        if performer.reference and (pk := _local_id(performer.reference, "CareTeam", base))
    ]
    if care_teams:
        open_ones = open_ones.filter(pk__in=care_teams)
    if program is not None:
        if not program.isdigit() or len(program) > 18:
            return None, [("value", "?program= takes a program id.", None)]
        open_ones = open_ones.filter(program=int(program))
    found = list(open_ones[:10])
    if len(found) == 1:
        return found[0], []
    if not found:
        where = " in that program" if program is not None or care_teams else ""
        return None, [
            ("not-found", f"No open enrolment of this participant{where} that you can see.", "ServiceRequest.subject")
        ]
    names = ", ".join(f"{e.program.name} (?program={e.program_id} or performer CareTeam/{e.pk})" for e in found)
    return None, [
        (
            "business-rule",
            f"The participant has open enrolments in several programs: {names}. Say which one receives it.",
            "ServiceRequest.performer",
        )
    ]


def _texts(concepts: list[Any] | None) -> list[str]:
    texts: list[str] = []
    for c in concepts or []:
        text = c.text or ", ".join(cd.display for cd in (c.coding or []) if cd.display)
        if text:
            texts.append(text)
    return texts


def _service(request: ServiceRequest, participant: Participant) -> tuple[Service | None, str, list[Issue]]:
    """The receiver: a directory service named by identifier, else a performer's display name."""
    system = codes.identifier_system(participant.organization, "hsds-service")
    to_name = ""
    for i, performer in enumerate(request.performer or []):
        if performer.reference and performer.reference.startswith("CareTeam/"):
            continue
        ident = performer.identifier
        if ident is not None and ident.system == system and ident.value:
            service = Service.objects.filter(organization=participant.organization, hsds_id=ident.value).first()
            if service is None:
                return (
                    None,
                    "",
                    [("not-found", f"No service {ident.value} in the directory.", f"ServiceRequest.performer[{i}]")],
                )
            return service, "", []
        if not to_name and performer.display:
            to_name = performer.display
    return None, to_name, []


def _kind(request: ServiceRequest, service: Service | None) -> str:
    for category in request.category or []:
        for cd in category.coding or []:
            if cd.system == codes.code_system("referral-kind") and cd.code in ReferralKind.values:
                return str(cd.code)
    if service is not None and service.is_clinical:
        return ReferralKind.CLINICAL
    return ReferralKind.COMMUNITY


def _external_id(request: ServiceRequest) -> str:
    for ident in request.identifier or []:
        if ident.value:
            return f"{ident.system}|{ident.value}" if ident.system else str(ident.value)
    return str(request.id or "")


def read(user: User | AnonymousUser, data: Any, *, program: str | None, base: str) -> IncomingReferral:
    """The referral to receive from `data`, or InvalidResource with every problem found.
    `program`: the POST's ?program= parameter; `base`: this server's FHIR base URL."""
    request = parse(data)
    issues: list[Issue] = []
    participant = _participant(user, request.subject, base)
    if participant is None:
        issues.append(
            (
                "not-found",
                "The subject must be a Patient of Alongside that you can see (Patient/<id>, or an identifier "
                "with Alongside's participant system).",
                "ServiceRequest.subject",
            )
        )
    reasons = _texts(request.reasonCode) or [n.text for n in request.note or [] if n.text]
    if not reasons and request.code is not None and request.code.text:
        reasons = [request.code.text]
    if not reasons:
        issues.append(("required", "Say why: a reasonCode with a text.", "ServiceRequest.reasonCode"))
    external_id = _external_id(request)
    if not external_id:
        issues.append(
            (
                "required",
                "Give the request an identifier (or an id), so receiving it twice is caught.",
                "ServiceRequest.identifier",
            )
        )
    enrollment: Enrollment | None = None
    service: Service | None = None
    to_name = ""
    if participant is not None:
        enrollment, found = _enrollment(user, participant, request, program, base)
        issues += found
        service, to_name, found = _service(request, participant)
        issues += found
    if issues or participant is None or enrollment is None:
        raise InvalidResource(issues)
    requester = ""
    if request.requester is not None:
        requester = request.requester.display or request.requester.reference or ""
    return IncomingReferral(
        participant=participant,
        enrollment=enrollment,
        kind=_kind(request, service),
        reason="; ".join(reasons),
        urgency=codes.URGENCY_FROM_PRIORITY.get(request.priority or "routine", ReferralUrgency.ROUTINE),
        service=service,
        to_name=to_name,
        external_id=external_id,
        requester=requester,
    )


# Where each field of receive_referral's errors is in the resource.
FIELD_EXPRESSION = {
    "reason": "ServiceRequest.reasonCode",
    "urgency": "ServiceRequest.priority",
    "kind": "ServiceRequest.category",
    "service": "ServiceRequest.performer",
    "receiver": "ServiceRequest.performer",
    "to_name": "ServiceRequest.performer",
    "to_professional": "ServiceRequest.performer",
    "external_id": "ServiceRequest.identifier",
    "requester": "ServiceRequest.requester",
    "enrollment": "ServiceRequest.subject",
}
