"""Email programs: saving sequences, adding members, generating due steps once, pages by role."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from alongside.audit.models import AccessLogEntry
from alongside.messaging import sequences
from alongside.messaging.models import (
    EmailSequence,
    MessageStatus,
    OutboundMessage,
    Purpose,
    SequenceMembership,
    SequenceMembershipStatus,
)
from alongside.messaging.sequence_defaults import DEFAULTS
from alongside.messaging.unsubscribe import membership_for
from alongside.people.models import Participant
from alongside.testing.world import World, make_enrollment, make_participant

pytestmark = pytest.mark.django_db

BODY = "Hi {{ first_name }}, a tip.\nStop: {{ unsubscribe_url }}"


def three_steps() -> list[sequences.StepDraft]:
    return [
        sequences.StepDraft(0, "Welcome", BODY),
        sequences.StepDraft(7, "Week 2", BODY),
        sequences.StepDraft(14, "Week 3", BODY),
    ]


def tips(world: World) -> EmailSequence:
    return sequences.save_sequence(
        world.cora, world.telephone, name="Tips", language="en", functions=["daily_management"], steps=three_steps()
    )


def with_email(world: World) -> Participant:
    world.paul.email = "paul@example.org"
    world.paul.save()
    return world.paul


def test_a_coordinator_saves_a_sequence_with_numbered_steps_in_day_order(world: World) -> None:
    steps = list(reversed(three_steps()))
    sequence = sequences.save_sequence(
        world.cora, world.telephone, name="Tips", language="en", functions=["daily_management"], steps=steps
    )
    assert [(s.number, s.days_after_start) for s in sequence.steps.all()] == [(1, 0), (2, 7), (3, 14)]
    assert sequence.fn_daily_management and not sequence.fn_linkage


def test_a_step_without_the_unsubscribe_link_or_with_an_unknown_placeholder_is_refused(world: World) -> None:
    steps = [sequences.StepDraft(0, "Hi", "Hello {{ first_name }}"), sequences.StepDraft(7, "Hi", BODY + "{{ x }}")]
    with pytest.raises(ValidationError) as error:
        sequences.save_sequence(world.cora, world.telephone, name="T", language="en", functions=[], steps=steps)
    messages = " ".join(error.value.message_dict["steps"])
    assert "unsubscribe_url" in messages and "{{ x }}" in messages
    assert not EmailSequence.objects.exists()


def test_editing_a_sequence_keeps_step_numbers_and_drops_removed_steps(world: World) -> None:
    sequence = tips(world)
    sequences.save_sequence(
        world.cora,
        world.telephone,
        name="Tips",
        language="es",
        functions=[],
        steps=[sequences.StepDraft(0, "Bienvenida", BODY)],
        sequence=sequence,
    )
    assert [(s.number, s.subject) for s in sequence.steps.all()] == [(1, "Bienvenida")]


def test_the_ready_made_tips_exist_in_english_and_spanish_with_12_weekly_emails(world: World) -> None:
    for language in ("en", "es"):
        sequence = sequences.create_default_sequence(world.cora, world.telephone, language)
        assert sequence.steps.count() == 12
        assert [s.days_after_start for s in sequence.steps.all()] == [7 * week for week in range(12)]
    assert DEFAULTS["es"].name != DEFAULTS["en"].name


def test_adding_a_participant_without_email_consent_or_enrolment_is_a_clear_error(world: World) -> None:
    sequence = tips(world)
    with pytest.raises(ValidationError) as error:
        sequences.add_members(world.cora, sequence, [world.paul.pk, world.rita.pk])
    messages = error.value.message_dict["participants"]
    assert "Paul Okafor has no email address on record." in messages
    assert "Rita Gomez has no open enrolment in Telephone Peer Support." in messages
    no_consent = make_participant(world.org, "Nora", email="nora@example.org", consent_contact=False)
    make_enrollment(world.cora, no_consent, world.telephone, [world.sofia])
    with pytest.raises(ValidationError) as error:
        sequences.add_members(world.cora, sequence, [no_consent.pk])
    assert "Nora has not consented to be contacted." in error.value.message_dict["participants"]
    assert not SequenceMembership.objects.exists()


def test_due_steps_are_queued_once_however_often_the_job_runs(world: World) -> None:
    sequence = tips(world)
    with_email(world)
    start = date(2026, 3, 2)
    (membership,) = sequences.add_members(world.cora, sequence, [world.paul.pk], started_on=start)
    assert sequences.generate_due(start + timedelta(days=8)) == 2
    assert sequences.generate_due(start + timedelta(days=8)) == 0
    rows = OutboundMessage.objects.filter(purpose=Purpose.SEQUENCE).order_by("idempotency_key")
    assert [r.idempotency_key for r in rows] == [f"seq:{membership.pk}:1", f"seq:{membership.pk}:2"]
    first = rows[0]
    assert first.subject == "Welcome" and first.to_address == "paul@example.org"
    assert first.body.startswith("Hi Paul, a tip.") and first.fn_daily_management
    token = first.body.split("/messaging/unsubscribe/")[1].split("/")[0]
    assert membership_for(token) == membership
    assert sequences.generate_due(start + timedelta(days=14)) == 1
    membership.refresh_from_db()
    assert membership.status == SequenceMembershipStatus.FINISHED
    assert sequences.generate_due(start + timedelta(days=100)) == 0


def test_unsubscribing_stops_future_steps_and_cancels_queued_ones(world: World) -> None:
    sequence = tips(world)
    with_email(world)
    start = date(2026, 3, 2)
    (membership,) = sequences.add_members(world.cora, sequence, [world.paul.pk], started_on=start)
    sequences.generate_due(start)
    assert sequences.unsubscribe(membership) is True
    assert sequences.unsubscribe(membership) is False
    membership.refresh_from_db()
    assert membership.status == SequenceMembershipStatus.UNSUBSCRIBED and membership.unsubscribed_at is not None
    assert OutboundMessage.objects.get().status == MessageStatus.CANCELLED
    assert sequences.generate_due(start + timedelta(days=30)) == 0
    with pytest.raises(ValidationError) as error:
        sequences.add_members(world.cora, sequence, [world.paul.pk])
    assert "unsubscribed" in error.value.message_dict["participants"][0]


def test_a_coordinator_creates_a_sequence_and_adds_a_member_on_the_pages(world: World, client: Client) -> None:
    with_email(world)
    client.force_login(world.cora)
    data = {
        "program": world.telephone.pk,
        "name": "Walking tips",
        "language": "en",
        "functions": ["daily_management"],
        "is_active": "on",
        "steps-TOTAL_FORMS": "2",
        "steps-INITIAL_FORMS": "0",
        "steps-0-days_after_start": "0",
        "steps-0-subject": "Start walking",
        "steps-0-body": BODY,
    }
    response = client.post("/messaging/sequences/new/", data)
    assert response.status_code == 302
    sequence = EmailSequence.objects.get(name="Walking tips")
    page = client.get(f"/messaging/sequences/{sequence.pk}/")
    assert b"Paul Okafor" in page.content
    response = client.post(f"/messaging/sequences/{sequence.pk}/members/add/", {"participants": [world.paul.pk]})
    assert response.status_code == 302
    assert sequence.memberships.get().participant == world.paul
    page = client.get(f"/messaging/sequences/{sequence.pk}/")
    assert b"Members (1)" in page.content
    assert AccessLogEntry.objects.filter(participant=world.paul, user=world.cora).exists()


def test_a_bad_step_on_the_page_saves_nothing_and_says_why(world: World, client: Client) -> None:
    client.force_login(world.cora)
    data = {
        "program": world.telephone.pk,
        "name": "Walking tips",
        "language": "en",
        "steps-TOTAL_FORMS": "1",
        "steps-INITIAL_FORMS": "0",
        "steps-0-days_after_start": "0",
        "steps-0-subject": "Start",
        "steps-0-body": "No link here",
    }
    response = client.post("/messaging/sequences/new/", data)
    assert response.status_code == 400
    assert b"include {{ unsubscribe_url }}" in response.content
    assert not EmailSequence.objects.exists()


def test_the_ready_made_button_creates_the_weekly_tips(world: World, client: Client) -> None:
    client.force_login(world.cora)
    response = client.post("/messaging/sequences/ready-made/", {"program": world.telephone.pk, "language": "es"})
    assert response.status_code == 302
    assert EmailSequence.objects.get().name == DEFAULTS["es"].name


@pytest.mark.parametrize("role", ["outsider", "supporter", "participant", "evaluator", "professional"])
def test_other_roles_and_organizations_get_a_404(world: World, client: Client, role: str) -> None:
    sequence = tips(world)
    client.force_login(world.users_by_role()[role])
    assert client.get(f"/messaging/sequences/{sequence.pk}/").status_code == 404
    # Otto coordinates his own organization: he may create email programs there, just not see ours.
    assert client.get("/messaging/sequences/new/").status_code == (200 if role == "outsider" else 404)
    assert f"/messaging/sequences/{sequence.pk}/".encode() not in client.get("/messaging/sequences/").content
    response = client.post(f"/messaging/sequences/{sequence.pk}/members/add/", {"participants": [world.paul.pk]})
    assert response.status_code == 404
    assert not SequenceMembership.objects.exists()


def test_a_supervisor_sees_a_sequence_but_may_not_change_it(world: World, client: Client) -> None:
    sequence = tips(world)
    client.force_login(world.sam)
    assert client.get(f"/messaging/sequences/{sequence.pk}/").status_code == 200
    assert client.get("/messaging/sequences/").status_code == 200
    assert client.get(f"/messaging/sequences/{sequence.pk}/edit/").status_code == 404


def test_removing_a_member_cancels_their_queued_emails(world: World, client: Client) -> None:
    sequence = tips(world)
    with_email(world)
    (membership,) = sequences.add_members(world.cora, sequence, [world.paul.pk])
    sequences.generate_due()
    client.force_login(world.cora)
    response = client.post(f"/messaging/sequences/{sequence.pk}/members/{membership.pk}/remove/")
    assert response.status_code == 302
    assert not SequenceMembership.objects.exists()
    assert OutboundMessage.objects.get().status == MessageStatus.CANCELLED


def test_the_scheduler_runs_the_sequence_job_and_a_second_run_adds_nothing(world: World) -> None:
    from alongside.scheduling.jobs import periodic_jobs

    (job,) = [j for j in periodic_jobs() if j.name == "messaging.sequences"]
    sequence = tips(world)
    with_email(world)
    sequences.add_members(world.cora, sequence, [world.paul.pk])
    assert job.task.call() == {"queued": 1}
    assert job.task.call() == {"queued": 0}


def test_the_sequence_page_counts_sends_by_status_and_lists_unsubscribes(world: World, client: Client) -> None:
    sequence = tips(world)
    other = tips_for_coaching(world)
    with_email(world)
    start = date(2026, 3, 2)
    (membership,) = sequences.add_members(world.cora, sequence, [world.paul.pk], started_on=start)
    sequences.generate_due(start + timedelta(days=7))
    OutboundMessage.objects.filter(idempotency_key=f"seq:{membership.pk}:1").update(status=MessageStatus.SENT)
    sequences.unsubscribe(membership)
    client.force_login(world.cora)
    page = client.get(f"/messaging/sequences/{sequence.pk}/").content.decode()
    assert '<th scope="row">Sent</th><td>1</td>' in page
    assert '<th scope="row">Cancelled</th><td>1</td>' in page
    assert '<th scope="row">Queued</th><td>0</td>' in page
    assert "Unsubscribes (1)" in page
    other_page = client.get(f"/messaging/sequences/{other.pk}/").content.decode()
    assert '<th scope="row">Sent</th><td>0</td>' in other_page


def tips_for_coaching(world: World) -> EmailSequence:
    return sequences.save_sequence(
        world.cora, world.coaching, name="Tips", language="en", functions=[], steps=three_steps()
    )
