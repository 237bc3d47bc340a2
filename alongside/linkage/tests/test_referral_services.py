"""Referral writes (linkage.services): who may, the closed loop step by step, incoming referrals, and bad
input that gets a clear error and saves nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from alongside.accounts.models import Role
from alongside.followup import engine
from alongside.linkage.models import Referral, ReferralEvent, ReferralSettings
from alongside.linkage.services import change_status, create_referral, receive_referral, save_referral_settings
from alongside.linkage.tests.referral_helpers import diabetes_clinic, food_bank, refer_paul_to_priya
from alongside.programs.models import EnrollmentStatus
from alongside.testing.world import World, make_contact, make_user

pytestmark = pytest.mark.django_db


def nothing_saved() -> None:
    assert Referral.objects.count() == 0
    assert ReferralEvent.objects.count() == 0


def test_a_supporter_refers_her_participant_and_it_is_sent_with_a_step_for_each_status(world: World) -> None:
    service = food_bank(world)
    referral = create_referral(
        world.sofia.user,
        world.paul_enrollment,
        kind="community",
        reason="  Runs out of food at the end of the month. ",
        urgency="soon",
        consent_to_share=True,
        shared_items=["reason", "name_and_contact", "reason"],
        service=service,
    )
    assert referral.status == "sent" and referral.participant == world.paul and referral.receiver == service.name
    assert referral.reason == "Runs out of food at the end of the month."
    assert referral.shared_items == ["name_and_contact", "reason"]  # the list's order, once each
    assert referral.created_on == timezone.localdate()
    steps = list(referral.events.values_list("from_status", "to_status", "changed_by"))
    assert steps == [("", "draft", world.sofia.user.pk), ("draft", "sent", world.sofia.user.pk)]


def test_a_draft_is_kept_until_it_is_sent(world: World) -> None:
    referral = refer_paul_to_priya(world, send=False)
    assert referral.status == "draft"
    assert list(referral.events.values_list("to_status", flat=True)) == ["draft"]
    change_status(world.sofia.user, referral, "sent")
    assert referral.status == "sent" and referral.events.count() == 2


def test_the_full_loop_is_recorded_with_who_and_when(world: World) -> None:
    referral = refer_paul_to_priya(world)
    before = referral.status_changed_at
    change_status(world.priya, referral, "accepted", note="Can see him next week.")
    when = timezone.now() + timedelta(days=5)
    change_status(world.priya, referral, "scheduled", appointment_at=when)
    change_status(world.priya, referral, "no_show")
    change_status(world.sofia.user, referral, "scheduled", appointment_at=when + timedelta(days=7))
    done = change_status(world.priya, referral, "completed", note="Foot exam done.")
    assert done.status == "completed" and not done.is_open and done.status_changed_at > before
    assert done.appointment_at == when + timedelta(days=7)
    steps = list(done.events.values_list("to_status", "changed_by", "note"))
    assert steps[2:] == [
        ("accepted", world.priya.pk, "Can see him next week."),
        ("scheduled", world.priya.pk, ""),
        ("no_show", world.priya.pk, ""),
        ("scheduled", world.sofia.user.pk, ""),
        ("completed", world.priya.pk, "Foot exam done."),
    ]


def test_a_sent_referral_counts_as_linkage_in_the_follow_up_state(world: World) -> None:
    engine.refresh([world.paul_enrollment.pk])
    world.paul_enrollment.follow_up.refresh_from_db()
    assert world.paul_enrollment.follow_up.last_linkage_on is None
    refer_paul_to_priya(world)
    world.paul_enrollment.follow_up.refresh_from_db()
    assert world.paul_enrollment.follow_up.last_linkage_on == timezone.localdate()


# ---- bad input: a clear error and nothing saved ----


def test_no_consent_is_refused_with_a_clear_error(world: World) -> None:
    with pytest.raises(ValidationError) as error:
        refer_paul_to_priya(world, consent_to_share=False)
    message = error.value.message_dict["consent_to_share"][0]
    assert message.startswith("The participant must agree to share") and "before a referral is made" in message
    nothing_saved()


def test_two_receivers_or_none_are_refused(world: World) -> None:
    with pytest.raises(ValidationError) as error:
        refer_paul_to_priya(world, to_name="Dr Mensah")
    assert error.value.message_dict["receiver"] == [
        "Choose one receiver: a service from the directory, a professional or a name, not two."
    ]
    with pytest.raises(ValidationError) as error:
        refer_paul_to_priya(world, to_professional=None)
    assert "Choose who the referral goes to" in error.value.message_dict["receiver"][0]
    nothing_saved()


def test_a_professional_of_another_organization_is_refused(world: World) -> None:
    outsider = make_user("olu_clinician", Role.PROFESSIONAL, world.other_org)
    with pytest.raises(ValidationError) as error:
        refer_paul_to_priya(world, to_professional=outsider)
    assert error.value.message_dict["to_professional"] == ["Choose an active professional of this organization."]
    with pytest.raises(ValidationError):
        refer_paul_to_priya(world, to_professional=world.sam)  # a supervisor is not a professional
    nothing_saved()


def test_another_organizations_service_or_a_closed_one_is_refused(world: World) -> None:
    theirs = food_bank(world)
    theirs.organization = world.other_org
    theirs.save()
    with pytest.raises(ValidationError) as error:
        refer_paul_to_priya(world, to_professional=None, kind="community", service=theirs)
    assert error.value.message_dict["service"] == ["No such service in your organization's directory."]
    closed = food_bank(world, status="defunct")
    with pytest.raises(ValidationError) as error:
        refer_paul_to_priya(world, to_professional=None, kind="community", service=closed)
    assert "defunct" in error.value.message_dict["service"][0]
    nothing_saved()


def test_a_clinical_referral_needs_a_clinical_service(world: World) -> None:
    with pytest.raises(ValidationError) as error:
        refer_paul_to_priya(world, to_professional=None, service=food_bank(world))
    assert "not clinical care" in error.value.message_dict["kind"][0]
    nothing_saved()
    referral = refer_paul_to_priya(world, to_professional=None, service=diabetes_clinic(world))
    assert referral.kind == "clinical"


def test_reason_codes_and_the_contact_are_checked_together(world: World) -> None:
    other = make_contact(world.rita_enrollment, world.sid.user)
    with pytest.raises(ValidationError) as error:
        refer_paul_to_priya(
            world, reason="  ", urgency="whenever", kind="surgery", shared_items=["secrets"], from_contact=other
        )
    errors = error.value.message_dict
    assert set(errors) >= {"reason", "urgency", "kind", "shared_items", "from_contact"}
    assert errors["shared_items"] == ["Unknown shared item: secrets."]
    nothing_saved()


def test_a_closed_enrolment_takes_no_referrals(world: World) -> None:
    world.paul_enrollment.status = EnrollmentStatus.WITHDRAWN
    world.paul_enrollment.save()
    with pytest.raises(ValidationError) as error:
        refer_paul_to_priya(world)
    assert "referrals are closed" in error.value.message_dict["enrollment"][0]
    nothing_saved()


@pytest.mark.parametrize("who", ["sid", "priya", "eve", "paul", "otto"])
def test_only_the_enrolments_supporters_and_organization_wide_roles_refer(world: World, who: str) -> None:
    user = {
        "sid": world.sid.user,
        "priya": world.priya,
        "eve": world.eve,
        "paul": world.paul_user,
        "otto": world.otto,
    }[who]
    with pytest.raises(PermissionDenied):
        create_referral(
            user,
            world.paul_enrollment,
            kind="community",
            reason="r",
            urgency="routine",
            consent_to_share=True,
            shared_items=[],
            to_name="Food bank",
        )
    nothing_saved()


@pytest.mark.parametrize("who", ["cora", "sam", "ada"])
def test_organization_wide_roles_refer_too(world: World, who: str) -> None:
    user = getattr(world, who)
    referral = create_referral(
        user,
        world.paul_enrollment,
        kind="community",
        reason="r",
        urgency="routine",
        consent_to_share=True,
        shared_items=[],
        to_name="Food bank",
    )
    assert referral.created_by == user


# ---- the lifecycle ----


def test_skipping_a_step_names_the_allowed_ones_and_changes_nothing(world: World) -> None:
    referral = refer_paul_to_priya(world)
    with pytest.raises(ValidationError) as error:
        change_status(world.sofia.user, referral, "completed")
    assert error.value.message_dict["status"] == [
        "A referral that is sent can next be accepted, declined or cancelled, not completed."
    ]
    referral.refresh_from_db()
    assert referral.status == "sent" and referral.events.count() == 2


def test_a_closed_loop_stays_closed(world: World) -> None:
    referral = refer_paul_to_priya(world)
    change_status(world.priya, referral, "declined", note="Not my specialty.")
    with pytest.raises(ValidationError) as error:
        change_status(world.sofia.user, referral, "accepted")
    assert "its loop is closed" in error.value.message_dict["status"][0]


def test_booking_needs_an_appointment_and_only_booking_takes_one(world: World) -> None:
    referral = refer_paul_to_priya(world)
    with pytest.raises(ValidationError) as error:
        change_status(world.priya, referral, "accepted", appointment_at=timezone.now())
    assert "appointment_at" in error.value.message_dict
    change_status(world.priya, referral, "accepted")
    with pytest.raises(ValidationError) as error:
        change_status(world.priya, referral, "scheduled")
    assert error.value.message_dict["appointment_at"] == ["Give the appointment's date and time."]
    with pytest.raises(ValidationError):
        change_status(world.priya, referral, "scheduled", appointment_at=timezone.now() + timedelta(days=400))
    referral.refresh_from_db()
    assert referral.status == "accepted" and referral.appointment_at is None


def test_the_receiver_answers_but_does_not_cancel_and_others_cannot_touch_it(world: World) -> None:
    referral = refer_paul_to_priya(world)
    with pytest.raises(PermissionDenied):
        change_status(world.priya, referral, "cancelled")
    for outsider in (world.sid.user, world.paul_user, world.eve, world.otto):
        with pytest.raises(PermissionDenied):
            change_status(outsider, referral, "accepted")
    other_professional = make_user("pat_professional", Role.PROFESSIONAL, world.org)
    with pytest.raises(PermissionDenied):
        change_status(other_professional, referral, "accepted")
    referral.refresh_from_db()
    assert referral.status == "sent"
    change_status(world.cora, referral, "cancelled", note="Family moved away.")
    assert referral.status == "cancelled"


def test_a_draft_is_not_the_receivers_to_answer(world: World) -> None:
    referral = refer_paul_to_priya(world, send=False)
    with pytest.raises(PermissionDenied):
        change_status(world.priya, referral, "sent")


# ---- incoming ----


def test_an_incoming_referral_is_recorded_as_sent_without_consent_and_only_once(world: World) -> None:
    referral = receive_referral(
        world.cora,
        world.paul_enrollment,
        kind="community",
        reason="Needs peer support after diagnosis",
        external_id="SR-42",
        requester="Dr Mensah, Eastside Clinic",
    )
    assert referral.is_incoming and referral.status == "sent" and not referral.consent_to_share
    assert referral.receiver == world.telephone.name  # no receiver given: the program
    assert referral.events.get().note == "Received from Dr Mensah, Eastside Clinic"
    with pytest.raises(ValidationError) as error:
        receive_referral(world.priya, world.paul_enrollment, kind="community", reason="again", external_id="SR-42")
    assert "already received" in error.value.message_dict["external_id"][0]
    assert Referral.objects.count() == 1


def test_incoming_referrals_come_through_staff_of_the_organization_only(world: World) -> None:
    for user in (world.sofia.user, world.paul_user, world.eve, world.otto):
        with pytest.raises(PermissionDenied):
            receive_referral(user, world.paul_enrollment, kind="community", reason="r")
    assert Referral.objects.count() == 0


# ---- settings ----


def test_managers_set_a_programs_stall_windows_within_limits(world: World) -> None:
    settings = save_referral_settings(world.cora, world.telephone, stall_after_days="10", urgent_stall_after_days=1)
    assert (settings.stall_after_days, settings.urgent_stall_after_days) == (10, 1)
    with pytest.raises(ValidationError) as error:
        save_referral_settings(world.cora, world.telephone, stall_after_days=0, urgent_stall_after_days="x")
    assert set(error.value.message_dict) == {"stall_after_days", "urgent_stall_after_days"}
    with pytest.raises(ValidationError) as error:
        save_referral_settings(world.cora, world.telephone, stall_after_days=3, urgent_stall_after_days=5)
    assert "sooner" in error.value.message_dict["urgent_stall_after_days"][0]
    for user in (world.sam, world.sofia.user, world.otto):
        with pytest.raises(PermissionDenied):
            save_referral_settings(user, world.telephone, stall_after_days=5, urgent_stall_after_days=1)
    assert ReferralSettings.objects.get().stall_after_days == 10
