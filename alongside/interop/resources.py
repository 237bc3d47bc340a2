"""Builders: one Alongside record in, one FHIR R4 resource out, validated by `fhir.resources`.

Each builder assembles the resource as JSON-shaped data and parses it with the R4 model class (the
package's R4B models: R4B changed none of the resources used here), so a resource that does not
conform fails here, at export, never at the receiver.

Resource ids are the records' ids: Patient = participant, Practitioner and PractitionerRole =
supporter, CareTeam = enrolment, Encounter = contact, ServiceRequest and Task = referral (one Task tracks
each referral), Goal = action plan, Observation = measurement. References are relative ("Patient/12").

Preconditions: the caller fetched the records through `interop.access` (scoped, with the related rows
the builders read selected), and checked the participant's data-sharing consent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from fhir.resources.R4B.careteam import CareTeam
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.goal import Goal
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.practitionerrole import PractitionerRole
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from alongside.accounts.models import Organization, User
from alongside.contacts.models import Contact
from alongside.interop import codes
from alongside.linkage.models import Referral, ReferralKind, ReferralStatus, SharedItem
from alongside.people.models import Participant, Supporter, SupporterKind, TrainingStatus
from alongside.programs.models import Enrollment
from alongside.selfcare.models import ActionPlan, GlucoseContext, Measurement, MeasurementKind
from alongside.taxonomy import ACTIVITY_BY_CODE, LANGUAGE_NAMES, Condition, KeyFunction, Modality, Outcome

JSON = dict[str, Any]


def coding(system: str, code: str, display: str = "") -> JSON:
    return {"system": system, "code": code, **({"display": display} if display else {})}


def concept(system: str, code: str, display: str = "", text: str = "") -> JSON:
    return {"coding": [coding(system, code, display)], **({"text": text} if text else {})}


def ref(resource_type: str, pk: object, display: str = "") -> JSON:
    return {"reference": f"{resource_type}/{pk}", **({"display": display} if display else {})}


def display_ref(resource_type: str, display: str) -> JSON:
    """A reference to someone or something that has no resource here: its type and name only."""
    return {"type": resource_type, "display": display}


def instant(moment: datetime) -> str:
    """FHIR dateTime/instant: the moment with its offset, to the second."""
    return moment.replace(microsecond=0).isoformat()


def local_day(moment: datetime, participant: Participant) -> date:
    """The day on the participant's calendar (as the pages show it)."""
    return moment.astimezone(ZoneInfo(participant.zone)).date()


def organization_ref(organization: Organization) -> JSON:
    return {
        "type": "Organization",
        "identifier": {"system": codes.identifier_system(organization, "organization"), "value": organization.slug},
        "display": organization.name,
    }


def identifier(organization: Organization, noun: str, pk: object) -> JSON:
    return {"use": "official", "system": codes.identifier_system(organization, noun), "value": str(pk)}


def user_ref(user: User) -> JSON:
    """A person who acted (recorded, referred): their Practitioner when they are a supporter, else their
    name with the type. Precondition: `supporter` is selected with the user (or the user has none)."""
    supporter = getattr(user, "supporter", None) if user.role == "supporter" else None
    if isinstance(supporter, Supporter):
        return ref("Practitioner", supporter.pk, user.display_name)
    return display_ref("Practitioner", user.display_name)


def patient_ref(participant: Participant) -> JSON:
    return ref("Patient", participant.pk, participant.full_name)


def language_concept(code: str) -> JSON:
    return concept(codes.BCP47, code, LANGUAGE_NAMES.get(code, code), LANGUAGE_NAMES.get(code, code))


# --- Patient, Practitioner, PractitionerRole, CareTeam ----------------------------------------------


def patient(participant: Participant) -> Patient:
    """The participant: ids, name, gender, birth date, phone and email, language, and the locality (never
    a street address: Alongside keeps none)."""
    p = participant
    name: JSON = {"use": "usual", "given": [p.preferred_name], "text": p.full_name}
    if p.family_name:
        name["family"] = p.family_name
    telecom = []
    if p.phone:
        telecom.append({"system": "phone", "value": p.phone, "use": "mobile"})
    if p.email:
        telecom.append({"system": "email", "value": p.email})
    data: JSON = {
        "resourceType": "Patient",
        "id": str(p.pk),
        "identifier": [identifier(p.organization, "participant", p.pk)],
        "active": True,
        "name": [name],
        "gender": codes.GENDER[p.gender],
        "communication": [{"language": language_concept(p.preferred_language), "preferred": True}],
        "managingOrganization": organization_ref(p.organization),
    }
    if p.date_of_birth:
        data["birthDate"] = p.date_of_birth.isoformat()
    if telecom:
        data["telecom"] = telecom
    if p.locality:
        data["address"] = [{"use": "home", "text": p.locality, "district": p.locality}]
    return Patient.model_validate(data)


def practitioner(supporter: Supporter) -> Practitioner:
    """The supporter as a person: name, languages, training (a qualification once trained). No phone or
    email: programs keep supporters' personal contact details private."""
    user = supporter.user
    name: JSON = {"use": "usual", "text": user.display_name}
    if user.first_name:
        name["given"] = [user.first_name]
    if user.last_name:
        name["family"] = user.last_name
    data: JSON = {
        "resourceType": "Practitioner",
        "id": str(supporter.pk),
        "identifier": [identifier(supporter.organization, "supporter", supporter.pk)],
        "active": supporter.is_active,
        "name": [name],
    }
    if supporter.languages:
        data["communication"] = [language_concept(code) for code in supporter.languages]
    if supporter.training_status in (TrainingStatus.TRAINED, TrainingStatus.CERTIFIED):
        data["qualification"] = [
            {
                "code": concept(
                    codes.code_system("training-status"),
                    supporter.training_status,
                    TrainingStatus(supporter.training_status).label,
                    f"{TrainingStatus(supporter.training_status).label} peer supporter "
                    f"({supporter.training_hours} h of training)",
                ),
                "issuer": organization_ref(supporter.organization),
            }
        ]
    return Practitioner.model_validate(data)


def practitioner_role(supporter: Supporter) -> PractitionerRole:
    """What the supporter does for the organization: peer support of their kind (NUCC peer specialist
    or community health worker, and Alongside's supporter kind)."""
    nucc_code, nucc_display = codes.SUPPORTER_ROLE[supporter.kind]
    kind_label = SupporterKind(supporter.kind).label
    return PractitionerRole.model_validate(
        {
            "resourceType": "PractitionerRole",
            "id": str(supporter.pk),
            "identifier": [identifier(supporter.organization, "supporter-role", supporter.pk)],
            "active": supporter.is_active,
            "practitioner": ref("Practitioner", supporter.pk, supporter.user.display_name),
            "organization": organization_ref(supporter.organization),
            "code": [
                {
                    "coding": [
                        coding(codes.NUCC, nucc_code, nucc_display),
                        coding(codes.code_system("supporter-kind"), supporter.kind, kind_label),
                    ],
                    "text": f"Peer support: {kind_label}",
                }
            ],
        }
    )


def care_team(enrollment: Enrollment) -> CareTeam:
    """The enrolment's team: the supporters assigned (current and past, with their periods), the
    program's clinical leads, the program and its organization.
    Precondition: assignments (with supporter and user) and clinical_leads are prefetched."""
    program = enrollment.program
    members: list[JSON] = []
    for a in enrollment.assignments.all():
        period: JSON = {"start": instant(a.assigned_at)}
        if a.ended_at:
            period["end"] = instant(a.ended_at)
        role = "Primary peer supporter" if a.is_primary else "Peer supporter"
        members.append(
            {
                "role": [
                    concept(
                        codes.code_system("care-team-role"),
                        "primary-supporter" if a.is_primary else "supporter",
                        role,
                        role,
                    )
                ],
                "member": ref("Practitioner", a.supporter_id, a.supporter.user.display_name),
                "onBehalfOf": organization_ref(program.organization),
                "period": period,
            }
        )
    for lead in program.clinical_leads.all():
        members.append(
            {
                "role": [
                    concept(codes.code_system("care-team-role"), "clinical-lead", "Clinical lead", "Clinical lead")
                ],
                "member": display_ref("Practitioner", lead.display_name),
                "onBehalfOf": organization_ref(program.organization),
            }
        )
    data: JSON = {
        "resourceType": "CareTeam",
        "id": str(enrollment.pk),
        "identifier": [identifier(program.organization, "enrollment", enrollment.pk)],
        "status": codes.CARE_TEAM_STATUS[enrollment.status],
        "category": [concept(codes.code_system("program"), str(program.pk), program.name, "Peer support program")],
        "name": program.name,
        "subject": patient_ref(enrollment.participant),
        "period": {"start": enrollment.enrolled_on.isoformat()},
        "managingOrganization": [organization_ref(program.organization)],
    }
    if members:
        data["participant"] = members
    return CareTeam.model_validate(data)


# --- Encounter ----------------------------------------------------------------------------------------


def function_concepts(functions: Iterable[str], activities: Iterable[str]) -> list[JSON]:
    """The four key functions served, then the finer activities, as reason codes."""
    reasons = [
        concept(codes.code_system("key-function"), f, KeyFunction(f).label, KeyFunction(f).label) for f in functions
    ]
    for code in activities:
        activity = ACTIVITY_BY_CODE.get(code)
        if activity is not None:
            reasons.append(concept(codes.code_system("activity"), code, activity.label, activity.label))
    return reasons


def encounter(contact: Contact) -> Encounter:
    """A contact: class from the modality, the period it lasted, why (functions and activities), with
    whom. Notes stay in Alongside: they are the supporter's working notes.
    Precondition: participant (with organization) and supporter (with user) are selected."""
    class_code, class_display = codes.ENCOUNTER_CLASS.get(contact.modality, codes.AMBULATORY)
    modality = Modality(contact.modality).label
    period: JSON = {"start": instant(contact.occurred_at)}
    if contact.duration_minutes:
        period["end"] = instant(contact.occurred_at + timedelta(minutes=contact.duration_minutes))
    reached = contact.outcome == Outcome.REACHED
    data: JSON = {
        "resourceType": "Encounter",
        "id": str(contact.pk),
        "identifier": [identifier(contact.participant.organization, "contact", contact.pk)],
        "status": "finished" if reached else "cancelled",
        "class": coding(codes.ACT_CODE, class_code, class_display),
        "type": [
            concept(codes.code_system("contact-modality"), contact.modality, modality, modality),
            concept(codes.code_system("contact-outcome"), contact.outcome, Outcome(contact.outcome).label, "Outcome"),
        ],
        "subject": patient_ref(contact.participant),
        "period": period,
        "serviceProvider": organization_ref(contact.participant.organization),
    }
    if contact.duration_minutes:
        data["length"] = {
            "value": contact.duration_minutes,
            "unit": "min",
            "system": codes.UCUM,
            "code": "min",
        }
    reasons = function_concepts(contact.functions, contact.activities) if reached else []
    if reasons:
        data["reasonCode"] = reasons
    if contact.supporter is not None:
        data["participant"] = [
            {
                "type": [concept(codes.PARTICIPATION_TYPE, "PPRF", "primary performer")],
                "individual": ref("Practitioner", contact.supporter_id, contact.supporter.user.display_name),
                "period": period,
            }
        ]
    return Encounter.model_validate(data)


# --- Observation --------------------------------------------------------------------------------------


def plain(value: Decimal) -> Decimal:
    """The value without trailing zeros (7.20 -> 7.2, 110.00 -> 110), never in exponent form."""
    return Decimal(format(value.normalize(), "f"))


def quantity(value: Decimal | None, unit: codes.Unit) -> JSON:
    assert value is not None  # a diastolic is always there for blood pressure (a database constraint)
    return {"value": plain(value), "unit": unit.human, "system": codes.UCUM, "code": unit.ucum}


def observation(m: Measurement) -> Observation:
    """A reading in the unit it was taken in, coded with LOINC and UCUM; blood pressure as the panel
    with its systolic and diastolic components (the vital-signs pattern).
    Precondition: participant and recorded_by (with supporter) are selected."""
    data: JSON = {
        "resourceType": "Observation",
        "id": str(m.pk),
        "identifier": [identifier(m.participant.organization, "measurement", m.pk)],
        "status": "final",
        "subject": patient_ref(m.participant),
        "effectiveDateTime": instant(m.taken_at),
        "issued": instant(m.recorded_at),
        "performer": [user_ref(m.recorded_by)],
    }
    if m.contact_id is not None:
        data["encounter"] = ref("Encounter", m.contact_id)
    if m.kind == MeasurementKind.BLOOD_PRESSURE:
        data["category"] = [concept(codes.OBSERVATION_CATEGORY, *codes.VITAL_SIGNS, text="Vital Signs")]
        data["code"] = concept(codes.LOINC, *codes.BLOOD_PRESSURE_PANEL, text="Blood pressure")
        data["component"] = [
            {"code": concept(codes.LOINC, *codes.SYSTOLIC), "valueQuantity": quantity(m.value, codes.MMHG)},
            {"code": concept(codes.LOINC, *codes.DIASTOLIC), "valueQuantity": quantity(m.value2, codes.MMHG)},
        ]
    else:
        (code, display), category, unit = codes.OBSERVATION_CODE[(m.kind, m.unit)]
        data["category"] = [concept(codes.OBSERVATION_CATEGORY, *category, text=category[1])]
        data["code"] = concept(codes.LOINC, code, display, MeasurementKind(m.kind).label)
        data["valueQuantity"] = quantity(m.value, unit)
    if m.kind == MeasurementKind.GLUCOSE and m.glucose_context:
        data["note"] = [{"text": f"Taken: {GlucoseContext(m.glucose_context).label.lower()}"}]
    return Observation.model_validate(data)


# --- Goal ---------------------------------------------------------------------------------------------


def goal(plan: ActionPlan) -> Goal:
    """An action plan: what, how much, when, how often, with the person's confidence, and how the review
    went. Precondition: participant (with organization) is selected."""
    notes = [{"text": f"Confidence: {plan.confidence}/10"}]
    if plan.low_confidence_kept:
        notes.append({"text": "Kept as it is although confidence was below 7 (the person chose to)."})
    if plan.review_note:
        notes.append({"text": f"Review: {plan.review_note}"})
    data: JSON = {
        "resourceType": "Goal",
        "id": str(plan.pk),
        "identifier": [identifier(plan.participant.organization, "action-plan", plan.pk)],
        "lifecycleStatus": codes.GOAL_LIFECYCLE[plan.status],
        "category": [concept(codes.GOAL_CATEGORY, "behavioral", "Behavioral", "Action plan")],
        "description": {"text": plan.summary},
        "subject": patient_ref(plan.participant),
        "startDate": local_day(plan.created_at, plan.participant).isoformat(),
        "expressedBy": patient_ref(plan.participant),
        "target": [
            {
                "measure": {"text": "Days a week"},
                "detailQuantity": {
                    "value": plan.days_per_week,
                    "unit": "days a week",
                    "system": codes.UCUM,
                    "code": "d/wk",
                },
            }
        ],
        "note": notes,
    }
    if plan.review_outcome:
        code, display = codes.GOAL_ACHIEVEMENT_FROM_REVIEW[plan.review_outcome]
        data["achievementStatus"] = concept(codes.GOAL_ACHIEVEMENT, code, display, plan.get_review_outcome_display())
    elif plan.status == "active":
        data["achievementStatus"] = concept(codes.GOAL_ACHIEVEMENT, *codes.GOAL_IN_PROGRESS, text="In progress")
    if plan.reviewed_at is not None:
        data["statusDate"] = local_day(plan.reviewed_at, plan.participant).isoformat()
    return Goal.model_validate(data)


# --- ServiceRequest and Task -------------------------------------------------------------------------


@dataclass
class SharedRecords:
    """What a referral may carry besides itself, already limited to its shared items: the latest reading
    of each kind and the action plan in force (ids), the participant's conditions."""

    observation_ids: list[int] = field(default_factory=list)
    goal_id: int | None = None
    conditions: list[str] = field(default_factory=list)


def receiver_ref(referral: Referral) -> JSON:
    """The receiver: the directory service (contained HealthcareService), a professional, or a name."""
    if referral.service is not None:
        return {"reference": "#service", "type": "HealthcareService", "display": referral.service.name}
    if referral.to_professional is not None:
        return display_ref("Practitioner", referral.to_professional.display_name)
    if referral.to_name:
        return display_ref("Organization", referral.to_name)
    return organization_ref(referral.participant.organization)


def _healthcare_service(referral: Referral) -> JSON:
    service = referral.service
    assert service is not None
    data: JSON = {
        "resourceType": "HealthcareService",
        "id": "service",
        "identifier": [
            {
                "system": codes.identifier_system(referral.participant.organization, "hsds-service"),
                "value": service.hsds_id,
            }
        ],
        "active": service.status == "active",
        "name": service.name,
    }
    if service.resource_organization is not None:
        data["providedBy"] = display_ref("Organization", service.resource_organization.name)
    if service.description:
        data["comment"] = service.description[:1000]
    terms = list(service.categories.all())
    if terms:
        data["category"] = [{"text": term.name} for term in terms]
    if service.url:
        data["telecom"] = [{"system": "url", "value": service.url}]
    return data


def _condition(participant: Participant, code: str, index: int) -> JSON:
    label = dict(Condition.choices).get(code, code)
    snomed = codes.CONDITION_SNOMED.get(code)
    condition_code: JSON = {"text": label}
    if snomed is not None:
        condition_code["coding"] = [coding(codes.SNOMED, *snomed)]
    return {
        "resourceType": "Condition",
        "id": f"condition-{index}",
        "clinicalStatus": concept(codes.CONDITION_CLINICAL, "active", "Active"),
        "category": [concept(codes.CONDITION_CATEGORY, "problem-list-item", "Problem List Item")],
        "code": condition_code,
        "subject": ref("Patient", participant.pk),
    }


def referral_categories(referral: Referral) -> list[JSON]:
    """Clinical: a referral to clinical care. Community: US Core's SDOH category and the SDOH Clinical
    Care categories that fit the service's directory categories.
    Precondition: service categories are prefetched."""
    kind_label = ReferralKind(referral.kind).label
    kind = concept(codes.code_system("referral-kind"), referral.kind, kind_label, kind_label)
    if referral.kind != ReferralKind.COMMUNITY:
        return [kind]
    terms: list[str] = []
    if referral.service is not None:
        for term in referral.service.categories.all():
            terms += [term.name, term.code]
        terms.append(referral.service.name)
    sdoh = [concept(codes.SDOHCC, code, display, display) for code, display in codes.sdoh_categories(terms)]
    return [concept(codes.US_CORE_CATEGORY, *codes.SDOH), *sdoh, kind]


def service_request(referral: Referral, shared: SharedRecords | None = None) -> ServiceRequest:
    """A referral as the request: what (a referral, its kind and SDOH category), why, how urgent, for
    whom, from whom, to whom. What goes with it is limited to the participant's shared items: the reason,
    the conditions, recent readings and the action plan only when shared; the patient's name in the
    reference only with "name and contact".
    Precondition: participant (with organization), service (with resource_organization, categories),
    to_professional, created_by (with supporter) and events are selected."""
    shared = shared or SharedRecords()
    items = set(referral.shared_items)
    incoming = referral.is_incoming
    org = referral.participant.organization
    subject = ref("Patient", referral.participant_id)
    if referral.participant.consent_data_sharing and (incoming or SharedItem.NAME_AND_CONTACT in items):
        subject["display"] = referral.participant.full_name
    contained: list[JSON] = []
    if referral.service is not None:
        contained.append(_healthcare_service(referral))
    supporting: list[JSON] = []
    if SharedItem.CONDITIONS in items:
        for i, code in enumerate(shared.conditions, start=1):
            contained.append(_condition(referral.participant, code, i))
            supporting.append({"reference": f"#condition-{i}", "type": "Condition"})
    if SharedItem.READINGS in items:
        supporting += [ref("Observation", pk) for pk in shared.observation_ids]
    if SharedItem.ACTION_PLAN in items and shared.goal_id is not None:
        supporting.append(ref("Goal", shared.goal_id))
    receiver = receiver_ref(referral)
    what = f"Referral to {referral.receiver}" if referral.receiver else "Referral"
    ids = [identifier(org, "referral", referral.pk)]
    if referral.external_id:
        ids.append(
            {
                "use": "secondary",
                "system": codes.identifier_system(org, "external-referral"),
                "value": referral.external_id,
            }
        )
    data: JSON = {
        "resourceType": "ServiceRequest",
        "id": str(referral.pk),
        "identifier": ids,
        "status": codes.SERVICE_REQUEST_STATUS[referral.status],
        "intent": "order",
        "category": referral_categories(referral),
        "priority": codes.PRIORITY[referral.urgency],
        "code": concept(codes.SNOMED, *codes.PATIENT_REFERRAL, text=what),
        "subject": subject,
        "authoredOn": instant(referral.created_at),
        "requester": _requester(referral),
        "performer": [receiver],
    }
    if contained:
        data["contained"] = contained
    if referral.appointment_at is not None and referral.status == ReferralStatus.SCHEDULED:
        data["occurrenceDateTime"] = instant(referral.appointment_at)
    if incoming or SharedItem.REASON in items:
        data["reasonCode"] = [{"text": referral.reason}]
    if SharedItem.LANGUAGE in items:
        language = referral.participant.preferred_language
        data["patientInstruction"] = f"Preferred language: {LANGUAGE_NAMES.get(language, language)}"
    if supporting:
        data["supportingInfo"] = supporting
    if referral.from_contact_id is not None:
        data["encounter"] = ref("Encounter", referral.from_contact_id)
    return ServiceRequest.model_validate(data)


RECEIVED_FROM = "Received from "


def sender(referral: Referral) -> str:
    """Who sent an incoming referral: receive_referral keeps it on the first step's note ("Received from
    <sender>"). Precondition: events are prefetched."""
    events = list(referral.events.all())
    if referral.is_incoming and events and events[0].note.startswith(RECEIVED_FROM):
        return events[0].note.removeprefix(RECEIVED_FROM)
    return ""


def _requester(referral: Referral) -> JSON:
    """Who asked: for an incoming referral the sender as received, else the Alongside user."""
    name = sender(referral)
    if name:
        return display_ref("Practitioner", name)
    return user_ref(referral.created_by)


def task(referral: Referral) -> Task:
    """The Task that tracks a referral through the closed loop (status mapping in codes.TASK_STATUS).
    Precondition: as for service_request."""
    org = referral.participant.organization
    label = ReferralStatus(referral.status).label
    data: JSON = {
        "resourceType": "Task",
        "id": str(referral.pk),
        "identifier": [identifier(org, "referral-task", referral.pk)],
        "basedOn": [ref("ServiceRequest", referral.pk)],
        "status": codes.TASK_STATUS[referral.status],
        "businessStatus": concept(codes.code_system("referral-status"), referral.status, label, label),
        "intent": "order",
        "priority": codes.PRIORITY[referral.urgency],
        "code": concept(
            "http://hl7.org/fhir/CodeSystem/task-code", "fulfill", "Fulfill the focal request", "Fulfil the referral"
        ),
        "focus": ref("ServiceRequest", referral.pk),
        "for": ref("Patient", referral.participant_id),
        "authoredOn": instant(referral.created_at),
        "lastModified": instant(referral.status_changed_at),
        "requester": _requester(referral),
        "owner": _task_owner(referral),
    }
    if referral.appointment_at is not None and referral.status == ReferralStatus.SCHEDULED:
        data["executionPeriod"] = {"start": instant(referral.appointment_at)}
    return Task.model_validate(data)


def _task_owner(referral: Referral) -> JSON:
    owner = receiver_ref(referral)
    # The Task stands alone (its ServiceRequest holds the contained service): name the service instead.
    if owner.get("reference") == "#service":
        return display_ref("HealthcareService", owner["display"])
    return owner
