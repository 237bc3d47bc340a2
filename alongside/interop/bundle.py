"""Bundles: search results (searchset, paged) and a participant's whole record (Patient/$everything).

Preconditions as for `resources`: rows fetched through `interop.access`, consent checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.resource import Resource

from alongside.accounts.models import User
from alongside.interop import access, resources
from alongside.people.access import supporters_visible_to
from alongside.people.models import Participant

DEFAULT_COUNT = 50
MAX_COUNT = 500


@dataclass(frozen=True)
class Page:
    """Which slice of the matches to return: `_count` per page, `page` from 1."""

    count: int = DEFAULT_COUNT
    number: int = 1

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.count


def full_url(base: str, resource: Resource) -> str:
    return f"{base}{resource.get_resource_type()}/{resource.id}"


def _entry(base: str, resource: Resource, mode: str) -> dict[str, object]:
    return {"fullUrl": full_url(base, resource), "resource": resource, "search": {"mode": mode}}


def searchset(
    base: str,
    matches: Sequence[Resource],
    *,
    total: int,
    path: str,
    params: dict[str, str],
    page: Page | None = None,
    included: Sequence[Resource] = (),
) -> Bundle:
    """A searchset with the matches of one page, `total` over all pages, and self/next/previous links
    (path and params: the search as asked, without paging)."""
    links = []
    if page is None:
        query = f"?{urlencode(params)}" if params else ""
        links.append({"relation": "self", "url": f"{base}{path}{query}"})
    else:

        def link(relation: str, number: int) -> dict[str, str]:
            query = urlencode({**params, "_count": page.count, "page": number})
            return {"relation": relation, "url": f"{base}{path}?{query}"}

        links.append(link("self", page.number))
        if page.offset + len(matches) < total:
            links.append(link("next", page.number + 1))
        if page.number > 1:
            links.append(link("previous", page.number - 1))
    entries = [_entry(base, r, "match") for r in matches] + [_entry(base, r, "include") for r in included]
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "timestamp": resources.instant(timezone.now()),
            "total": total,
            "link": links,
            "entry": entries,
        }
    )


def collection(base: str, members: Sequence[Resource]) -> Bundle:
    """A plain collection of resources (what an import created)."""
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "timestamp": resources.instant(timezone.now()),
            "entry": [{"fullUrl": full_url(base, r), "resource": r} for r in members],
        }
    )


def everything(base: str, user: User | AnonymousUser, participant: Participant) -> Bundle:
    """Patient/$everything: the Patient and every record of theirs the caller may see: care teams and the
    supporters in them (Practitioner and PractitionerRole), encounters, referrals with their tasks, goals,
    observations. A searchset (as the operation defines), the Patient the match, the rest included.
    Precondition: `participant` came from access.shared_participant (scope and consent checked)."""
    enrollments = list(access.enrollment_rows(user).filter(participant=participant))
    contacts = list(access.contact_rows(user).filter(participant=participant))
    referrals = list(access.referral_rows(user).filter(participant=participant))
    plans = list(access.plan_rows(user).filter(participant=participant))
    measurements = list(access.measurement_rows(user).filter(participant=participant))

    supporter_ids = {a.supporter_id for e in enrollments for a in e.assignments.all()}
    supporter_ids |= {c.supporter_id for c in contacts if c.supporter_id is not None}
    supporters = list(supporters_visible_to(user).filter(pk__in=supporter_ids).select_related("organization"))

    included: list[Resource] = [resources.care_team(e) for e in enrollments]
    for s in supporters:
        included += [resources.practitioner(s), resources.practitioner_role(s)]
    included += [resources.encounter(c) for c in contacts]
    for r in referrals:
        shared = access.shared_records(user, r, readings=measurements, plans=plans)
        included += [resources.service_request(r, shared), resources.task(r)]
    included += [resources.goal(p) for p in plans]
    included += [resources.observation(m) for m in measurements]
    patient = resources.patient(participant)
    return searchset(
        base,
        [patient],
        total=1,
        path=f"Patient/{participant.pk}/$everything",
        params={},
        included=included,
    )


def operation_outcome(issues: Sequence[tuple[str, str, str | None]], severity: str = "error") -> OperationOutcome:
    """An OperationOutcome from (issue type code, message, FHIRPath expression or None) triples."""
    return OperationOutcome.model_validate(
        {
            "resourceType": "OperationOutcome",
            "issue": [
                {
                    "severity": severity,
                    "code": code,
                    "diagnostics": message,
                    "details": {"text": message},
                    **({"expression": [expression]} if expression else {}),
                }
                for code, message, expression in issues
            ],
        }
    )
