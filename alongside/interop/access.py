"""What the FHIR endpoints may return, and to whom. Two gates, in this order:

1. Scope (`people.access` and each app's access module): a participant, referral or supporter the caller
   may not see does not exist for them (404). Within a visible participant, each kind of record is
   filtered again by its own app's rule (a supporter sees the contacts and referrals of the enrolments
   they work on, not of the person's other programs; a professional the referrals sent to them).
2. Consent: nothing of a participant leaves without their data-sharing consent
   (`Participant.consent_data_sharing`), whoever asks: the participant's own login, their supporter and
   their organization's staff alike (the pages inside Alongside are the place to read without it). A
   missing consent is a 403 that says so; it is checked after scope, so it never discloses a record
   the caller could not see anyway.

Supporters (Practitioner, PractitionerRole) are not participant data: scope only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import Http404

from alongside.accounts.models import User
from alongside.contacts.models import Contact
from alongside.interop.resources import SharedRecords
from alongside.linkage.models import Referral, SharedItem
from alongside.linkage.referral_access import referrals_visible_to
from alongside.people.access import (
    contacts_visible_to,
    enrollments_visible_to,
    participants_visible_to,
    supporters_visible_to,
)
from alongside.people.models import Participant, Supporter
from alongside.programs.models import Enrollment
from alongside.selfcare.access import measurements_visible_to, plans_visible_to
from alongside.selfcare.models import ActionPlan, ActionPlanStatus, Measurement, MeasurementKind

NO_CONSENT = "The participant has not consented to share their data."


class ConsentMissing(Exception):
    """The participant has not consented to share their data (HTTP 403)."""

    def __init__(self) -> None:
        super().__init__(NO_CONSENT)


def record_id(value: Any, resource_type: str = "") -> int:
    """An id from a URL or a search parameter: "12", or "Patient/12" (relative or absolute) when a
    resource type is named. Anything else is not found."""
    text = str(value)
    if "/" in text:
        kind, _, text = text.rstrip("/").rpartition("/")
        if resource_type and kind.rsplit("/", 1)[-1] != resource_type:
            raise Http404("No such record.")
    if not text.isdigit() or len(text) > 18:
        raise Http404("No such record.")
    return int(text)


def require_consent(participant: Participant) -> None:
    if not participant.consent_data_sharing:
        raise ConsentMissing()


def shared_participant(user: User | AnonymousUser, participant_id: Any) -> Participant:
    """The participant whose data is about to be returned: in scope (else 404) and consenting (else 403)."""
    try:
        participant = (
            participants_visible_to(user).select_related("organization").get(pk=record_id(participant_id, "Patient"))
        )
    except Participant.DoesNotExist as error:
        raise Http404("No such participant.") from error
    require_consent(participant)
    return participant


def supporter(user: User | AnonymousUser, supporter_id: Any) -> Supporter:
    try:
        return (
            supporters_visible_to(user).select_related("organization").get(pk=record_id(supporter_id, "Practitioner"))
        )
    except Supporter.DoesNotExist as error:
        raise Http404("No such practitioner.") from error


# Every record of each kind the user may see, with the related rows the builders read. Search by patient
# filters these on `participant`; a read by id gets one of them.


def enrollment_rows(user: User | AnonymousUser) -> QuerySet[Enrollment]:
    return (
        enrollments_visible_to(user)
        .select_related("participant__organization", "program__organization")
        .prefetch_related("assignments__supporter__user", "program__clinical_leads")
        .order_by("-enrolled_on", "-id")
    )


def contact_rows(user: User | AnonymousUser) -> QuerySet[Contact]:
    return (
        contacts_visible_to(user)
        .select_related("participant__organization", "supporter__user")
        .order_by("-occurred_at", "-id")
    )


def plan_rows(user: User | AnonymousUser) -> QuerySet[ActionPlan]:
    return plans_visible_to(user).select_related("participant__organization").order_by("-created_at", "-id")


def measurement_rows(user: User | AnonymousUser) -> QuerySet[Measurement]:
    return (
        measurements_visible_to(user)
        .select_related("participant__organization", "recorded_by__supporter")
        .order_by("-taken_at", "-id")
    )


def referral_rows(user: User | AnonymousUser) -> QuerySet[Referral]:
    return referral_rows_unscoped().filter(pk__in=referrals_visible_to(user).values("pk"))


def referral_rows_unscoped() -> QuerySet[Referral]:
    """Every referral, selected for the builders: only for one the caller just created."""
    return (
        Referral.objects.select_related(
            "participant__organization",
            "service__resource_organization",
            "to_professional",
            "created_by__supporter",
        )
        .prefetch_related("service__categories", "events")
        .order_by("-created_at", "-id")
    )


def shared_referral(user: User | AnonymousUser, referral_id: Any) -> Referral:
    """The referral in scope (else 404) whose participant consents (else 403)."""
    try:
        referral = referral_rows(user).get(pk=record_id(referral_id, "ServiceRequest"))
    except Referral.DoesNotExist as error:
        raise Http404("No such service request.") from error
    require_consent(referral.participant)
    return referral


def shared_records(
    user: User | AnonymousUser,
    referral: Referral,
    *,
    readings: Sequence[Measurement] | None = None,
    plans: Sequence[ActionPlan] | None = None,
) -> SharedRecords:
    """What the referral may carry, per its shared items, among the records the caller may see: the latest
    reading of each kind, the enrolment's action plan in force, the conditions. `readings` and `plans`:
    the participant's, as the caller sees them, when already fetched (a Bundle of the whole record);
    otherwise two queries at most."""
    items = set(referral.shared_items)
    shared = SharedRecords()
    participant = referral.participant
    if SharedItem.CONDITIONS in items:
        shared.conditions = list(participant.conditions)
    if SharedItem.READINGS in items:
        rows: Iterable[tuple[str, int]]
        if readings is None:
            visible = measurements_visible_to(user).filter(participant=participant)
            rows = visible.order_by("-taken_at", "-id").values_list("kind", "pk")
        else:
            rows = [(m.kind, m.pk) for m in sorted(readings, key=lambda m: (m.taken_at, m.pk), reverse=True)]
        latest: dict[str, int] = {}
        for kind, pk in rows:
            latest.setdefault(kind, pk)
        shared.observation_ids = [latest[k] for k in MeasurementKind.values if k in latest]
    if SharedItem.ACTION_PLAN in items:
        if plans is None:
            active = plans_visible_to(user).filter(enrollment=referral.enrollment_id, status=ActionPlanStatus.ACTIVE)
            shared.goal_id = active.values_list("pk", flat=True).first()
        else:
            shared.goal_id = next(
                (
                    p.pk
                    for p in plans
                    if p.enrollment_id == referral.enrollment_id and p.status == ActionPlanStatus.ACTIVE
                ),
                None,
            )
    return shared
