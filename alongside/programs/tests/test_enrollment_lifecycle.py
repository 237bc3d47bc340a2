"""Enrolling participants, moving enrolments along their lifecycle and assigning supporters, through the pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alongside.programs.models import (
    ALLOWED_TRANSITIONS,
    Assignment,
    Enrollment,
    EnrollmentStatus,
    EnrollmentTransition,
)
from alongside.testing.pages import flash_messages, text
from alongside.testing.world import World, make_enrollment, make_participant, make_supporter

pytestmark = pytest.mark.django_db

S = EnrollmentStatus


def counts() -> tuple[int, int, int]:
    return Enrollment.objects.count(), EnrollmentTransition.objects.count(), Assignment.objects.count()


def enroll_form(program_id: int, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"program": program_id, "status": "active", "enrolled_on": "", "reason": ""}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_a_coordinator_enrols_a_participant_with_two_supporters(world: World, client: Client) -> None:
    client.force_login(world.cora)
    before = timezone.now()
    response = client.post(
        reverse("programs:enroll", args=[world.rita.pk]),
        enroll_form(world.telephone.pk, supporters=[world.sofia.pk, world.sid.pk], reason="Referred by Dr Lee"),
        follow=True,
    )

    assert response.redirect_chain == [(reverse("people:participant", args=[world.rita.pk]), 302)]
    assert flash_messages(response) == ["Rita Gomez was enrolled in Telephone Peer Support."]
    enrollment = Enrollment.objects.get(participant=world.rita, program=world.telephone)
    assert enrollment.status == S.ACTIVE
    assert enrollment.enrolled_on == timezone.localdate()  # blank date: today
    assert enrollment.created_by == world.cora
    transition = enrollment.transitions.get()
    assert (transition.from_status, transition.to_status) == ("", S.ACTIVE)
    assert transition.changed_by == world.cora
    assert before <= transition.changed_at <= timezone.now()
    assert transition.reason == "Referred by Dr Lee"
    assignments = {a.supporter: a for a in enrollment.assignments.all()}
    assert set(assignments) == {world.sofia, world.sid}
    assert assignments[world.sofia].is_primary and not assignments[world.sid].is_primary  # the first ticked
    assert all(a.assigned_by == world.cora and a.ended_at is None for a in assignments.values())
    page = text(response)
    assert "Sofia supporter (primary), Sid supporter" in page
    assert "Telephone Peer Support: Active" in page  # the timeline


def test_the_first_supporter_ticked_is_primary_whatever_the_list_order(world: World, client: Client) -> None:
    client.force_login(world.cora)
    client.post(
        reverse("programs:enroll", args=[world.rita.pk]),
        enroll_form(world.telephone.pk, supporters=[world.sid.pk, world.sofia.pk]),
    )
    enrollment = Enrollment.objects.get(participant=world.rita, program=world.telephone)
    assert enrollment.assignments.get(is_primary=True).supporter == world.sid


def test_an_enrolment_can_start_on_a_past_date(world: World, client: Client) -> None:
    client.force_login(world.cora)
    start = timezone.localdate() - timedelta(days=14)
    client.post(
        reverse("programs:enroll", args=[world.rita.pk]),
        enroll_form(world.telephone.pk, status="enrolled", enrolled_on=start.isoformat()),
    )
    enrollment = Enrollment.objects.get(participant=world.rita, program=world.telephone)
    assert enrollment.enrolled_on == start and enrollment.status == S.ENROLLED
    assert not enrollment.assignments.exists()


def test_an_enrolment_cannot_start_in_the_future(world: World, client: Client) -> None:
    client.force_login(world.cora)
    before = counts()
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post(
        reverse("programs:enroll", args=[world.rita.pk]),
        enroll_form(world.telephone.pk, enrolled_on=tomorrow.isoformat()),
    )
    assert response.status_code == 200
    assert "The enrolment date cannot be in the future." in text(response)
    assert counts() == before


@pytest.mark.parametrize("status", ["active", "enrolled"])
def test_enrolling_someone_without_consent_to_be_contacted_is_refused(
    world: World, client: Client, status: str
) -> None:
    nina = make_participant(world.org, "Nina", family_name="Baptiste", consent_contact=False)
    client.force_login(world.cora)
    before = counts()

    response = client.post(
        reverse("programs:enroll", args=[nina.pk]),
        enroll_form(world.telephone.pk, status=status, supporters=[world.sofia.pk]),
    )

    assert response.status_code == 200
    page = text(response)
    assert "Record the participant's consent to be contacted before enrolling them." in page
    assert "Nothing was saved." in page
    assert counts() == before
    assert not Enrollment.objects.filter(participant=nina).exists()


def test_someone_without_consent_to_be_contacted_can_be_recorded_as_referred(world: World, client: Client) -> None:
    nina = make_participant(world.org, "Nina", family_name="Baptiste", consent_contact=False)
    client.force_login(world.cora)
    page = text(client.get(reverse("programs:enroll", args=[nina.pk])))
    assert "No consent to be contacted is recorded." in page

    response = client.post(
        reverse("programs:enroll", args=[nina.pk]), enroll_form(world.telephone.pk, status="referred")
    )

    assert response.status_code == 302
    enrollment = Enrollment.objects.get(participant=nina)
    assert enrollment.status == S.REFERRED
    assert enrollment.transitions.get().to_status == S.REFERRED


def test_a_second_open_enrolment_in_the_same_program_is_refused(world: World, client: Client) -> None:
    client.force_login(world.cora)
    before = counts()
    response = client.post(
        reverse("programs:enroll", args=[world.paul.pk]), enroll_form(world.telephone.pk, supporters=[world.sid.pk])
    )
    assert response.status_code == 200
    assert "The participant is already enrolled in this program." in text(response)
    assert counts() == before


def test_after_a_completed_enrolment_the_person_can_be_enrolled_again(world: World, client: Client) -> None:
    Enrollment.objects.filter(pk=world.paul_enrollment.pk).update(status=S.COMPLETED)
    client.force_login(world.cora)
    response = client.post(reverse("programs:enroll", args=[world.paul.pk]), enroll_form(world.telephone.pk))
    assert response.status_code == 302
    statuses = sorted(Enrollment.objects.filter(participant=world.paul).values_list("status", flat=True))
    assert statuses == [S.ACTIVE, S.COMPLETED]


def test_a_program_not_taking_enrolments_is_not_offered(world: World, client: Client) -> None:
    world.telephone.is_active = False
    world.telephone.save()
    client.force_login(world.cora)
    before = counts()
    response = client.post(reverse("programs:enroll", args=[world.rita.pk]), enroll_form(world.telephone.pk))
    assert response.status_code == 200
    assert "Select a valid choice." in text(response)
    assert counts() == before


TRANSITIONS = sorted((str(a), str(b)) for a, targets in ALLOWED_TRANSITIONS.items() for b in targets)


@pytest.mark.parametrize(("from_status", "to_status"), TRANSITIONS)
def test_every_allowed_transition_works_and_is_recorded(
    world: World, client: Client, from_status: str, to_status: str
) -> None:
    enrollment = make_enrollment(world.cora, world.rita, world.telephone, [world.sofia], status=from_status)
    client.force_login(world.cora)
    before = timezone.now()

    response = client.post(
        reverse("programs:change_status", args=[enrollment.pk]),
        {"status": to_status, "reason": "Agreed on the phone"},
        follow=True,
    )

    assert response.redirect_chain == [(reverse("people:participant", args=[world.rita.pk]), 302)]
    assert flash_messages(response) == ["Status changed."]
    enrollment.refresh_from_db()
    assert enrollment.status == to_status
    assert before <= enrollment.status_changed_at <= timezone.now()
    transition = enrollment.transitions.order_by("-id").first()
    assert transition is not None
    assert (transition.from_status, transition.to_status) == (from_status, to_status)
    assert transition.changed_by == world.cora
    assert before <= transition.changed_at <= timezone.now()
    assert transition.reason == "Agreed on the phone"
    assert enrollment.transitions.count() == 2
    assert f"{S(from_status).label} → {S(to_status).label}" in text(response)


@pytest.mark.parametrize(("from_status", "to_status"), [("completed", "active"), ("withdrawn", "active")])
def test_a_final_enrolment_cannot_be_reopened(world: World, client: Client, from_status: str, to_status: str) -> None:
    enrollment = make_enrollment(world.cora, world.rita, world.telephone, status=from_status)
    client.force_login(world.cora)
    before = counts()

    response = client.post(
        reverse("programs:change_status", args=[enrollment.pk]), {"status": to_status, "reason": "Back"}, follow=True
    )

    assert response.status_code == 200
    label = S(from_status).label.lower()
    assert flash_messages(response) == [f"An enrolment that is {label} can move to: nothing (final)."]
    enrollment.refresh_from_db()
    assert enrollment.status == from_status
    assert counts() == before


def test_an_invalid_transition_names_the_statuses_that_are_allowed(world: World, client: Client) -> None:
    client.force_login(world.cora)
    response = client.post(
        reverse("programs:change_status", args=[world.paul_enrollment.pk]), {"status": "referred"}, follow=True
    )
    assert flash_messages(response) == [
        "An enrolment that is active can move to: paused, completed, withdrawn, lost to follow-up."
    ]
    world.paul_enrollment.refresh_from_db()
    assert world.paul_enrollment.status == S.ACTIVE


def test_an_unknown_status_is_refused(world: World, client: Client) -> None:
    client.force_login(world.cora)
    before = counts()
    response = client.post(
        reverse("programs:change_status", args=[world.paul_enrollment.pk]), {"status": "graduated"}, follow=True
    )
    assert flash_messages(response) == ["Unknown status: graduated."]
    assert counts() == before


@pytest.mark.parametrize("to_status", ["withdrawn", "paused", "lost_to_follow_up"])
@pytest.mark.parametrize("reason", ["", "   "])
def test_withdrawing_or_pausing_needs_a_reason(world: World, client: Client, to_status: str, reason: str) -> None:
    client.force_login(world.cora)
    before = counts()
    response = client.post(
        reverse("programs:change_status", args=[world.paul_enrollment.pk]),
        {"status": to_status, "reason": reason},
        follow=True,
    )
    assert flash_messages(response) == [f"Say why the enrolment is {S(to_status).label.lower()}."]
    world.paul_enrollment.refresh_from_db()
    assert world.paul_enrollment.status == S.ACTIVE
    assert counts() == before


def test_a_reason_longer_than_the_history_keeps_is_refused(world: World, client: Client) -> None:
    client.force_login(world.cora)
    before = counts()
    response = client.post(
        reverse("programs:change_status", args=[world.paul_enrollment.pk]),
        {"status": "paused", "reason": "x" * 301},
        follow=True,
    )
    assert flash_messages(response) == ["Keep the reason under 300 characters."]
    world.paul_enrollment.refresh_from_db()
    assert world.paul_enrollment.status == S.ACTIVE
    assert counts() == before


def test_reactivating_needs_consent_to_be_contacted(world: World, client: Client) -> None:
    enrollment = make_enrollment(world.cora, world.rita, world.telephone, status=S.PAUSED)
    world.rita.consent_contact = False
    world.rita.save()
    client.force_login(world.cora)
    response = client.post(reverse("programs:change_status", args=[enrollment.pk]), {"status": "active"}, follow=True)
    assert flash_messages(response) == ["Record the participant's consent to be contacted first."]
    enrollment.refresh_from_db()
    assert enrollment.status == S.PAUSED


@pytest.mark.parametrize("who", ["supervisor", "supporter", "professional"])
def test_only_managers_change_an_enrolments_status(world: World, client: Client, who: str) -> None:
    client.force_login(world.users_by_role()[who])
    before = counts()
    response = client.post(reverse("programs:change_status", args=[world.paul_enrollment.pk]), {"status": "completed"})
    assert response.status_code == 404
    world.paul_enrollment.refresh_from_db()
    assert world.paul_enrollment.status == S.ACTIVE
    assert counts() == before


def test_an_outsider_cannot_change_another_organizations_enrolment(world: World, client: Client) -> None:
    client.force_login(world.otto)
    response = client.post(reverse("programs:change_status", args=[world.paul_enrollment.pk]), {"status": "completed"})
    assert response.status_code == 404
    world.paul_enrollment.refresh_from_db()
    assert world.paul_enrollment.status == S.ACTIVE


def test_the_participant_page_offers_only_the_allowed_next_statuses(world: World, client: Client) -> None:
    client.force_login(world.cora)
    page = text(client.get(reverse("people:participant", args=[world.paul.pk])))
    form = page[page.index(reverse("programs:change_status", args=[world.paul_enrollment.pk])) :]
    form = form[: form.index("</select>")]
    offered = [value for value in S.values if f'<option value="{value}">' in form]
    assert offered == ["paused", "completed", "withdrawn", "lost_to_follow_up"]


def test_a_coordinator_assigns_another_supporter(world: World, client: Client) -> None:
    client.force_login(world.cora)
    response = client.post(
        reverse("programs:assign", args=[world.paul_enrollment.pk]), {"supporter": world.sid.pk}, follow=True
    )
    assert response.redirect_chain == [(reverse("people:participant", args=[world.paul.pk]), 302)]
    assert flash_messages(response) == ["Sid supporter was assigned."]
    current = {a.supporter: a for a in world.paul_enrollment.assignments.filter(ended_at__isnull=True)}
    assert set(current) == {world.sofia, world.sid}
    assert current[world.sofia].is_primary and not current[world.sid].is_primary
    assert current[world.sid].assigned_by == world.cora
    assert "Sofia supporter (primary), Sid supporter" in text(response)
    # The new supporter now sees Paul.
    client.force_login(world.sid.user)
    assert client.get(reverse("people:participant", args=[world.paul.pk])).status_code == 200


def test_assigning_a_new_primary_supporter_demotes_the_old_one(world: World, client: Client) -> None:
    client.force_login(world.cora)
    client.post(
        reverse("programs:assign", args=[world.paul_enrollment.pk]), {"supporter": world.sid.pk, "is_primary": "on"}
    )
    primary = world.paul_enrollment.assignments.filter(ended_at__isnull=True, is_primary=True)
    assert [a.supporter for a in primary] == [world.sid]


def test_assigning_a_supporter_twice_is_refused(world: World, client: Client) -> None:
    client.force_login(world.cora)
    before = counts()
    response = client.post(
        reverse("programs:assign", args=[world.paul_enrollment.pk]), {"supporter": world.sofia.pk}, follow=True
    )
    assert flash_messages(response) == ["Sofia supporter is already assigned."]
    assert counts() == before


def test_a_supporter_cannot_join_an_ended_enrolment(world: World, client: Client) -> None:
    enrollment = make_enrollment(world.cora, world.rita, world.telephone, status=S.COMPLETED)
    client.force_login(world.cora)
    response = client.post(reverse("programs:assign", args=[enrollment.pk]), {"supporter": world.sofia.pk}, follow=True)
    assert flash_messages(response) == ["The enrolment has ended."]
    assert not enrollment.assignments.exists()


def test_a_supporter_of_another_organization_cannot_be_assigned(world: World, client: Client) -> None:
    hal = make_supporter("hal_supporter", world.other_org)
    client.force_login(world.cora)
    before = counts()
    response = client.post(reverse("programs:assign", args=[world.paul_enrollment.pk]), {"supporter": hal.pk})
    assert response.status_code == 404
    assert counts() == before
    assert not Assignment.objects.filter(supporter=hal).exists()


def test_a_supporter_of_another_organization_is_not_offered_when_enrolling(world: World, client: Client) -> None:
    hal = make_supporter("hal_supporter", world.other_org)
    client.force_login(world.cora)
    page = text(client.get(reverse("programs:enroll", args=[world.rita.pk])))
    assert "Hal supporter" not in page and "Sofia supporter" in page
    before = counts()
    response = client.post(
        reverse("programs:enroll", args=[world.rita.pk]), enroll_form(world.telephone.pk, supporters=[hal.pk])
    )
    assert response.status_code == 200
    assert "Select a valid choice." in text(response)
    assert counts() == before
