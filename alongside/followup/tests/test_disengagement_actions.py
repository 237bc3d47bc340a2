"""Acting on a line of the coordinator's follow-up page: reassign, pause, mark lost to follow-up. Each is
audited (assignments, enrolment transitions with the reason), bad input changes nothing and says why, and
only administrators and coordinators of the organization may act."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from alongside.followup import disengagement, engine
from alongside.followup.models import FollowUpState
from alongside.programs.models import Assignment, Enrollment, EnrollmentStatus, EnrollmentTransition
from alongside.testing.world import PASSWORD, World, make_enrollment, make_participant, make_supporter

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _states(world: World) -> None:
    engine.recompute_all()


def client_for(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def url(action: str, enrollment: Enrollment) -> str:
    return reverse(f"followup:disengagement_{action}", args=[enrollment.pk])


def snapshot(enrollment: Enrollment) -> tuple:
    """Everything an action could change about an enrolment."""
    enrollment.refresh_from_db()
    return (
        enrollment.status,
        list(EnrollmentTransition.objects.filter(enrollment=enrollment).values_list("pk", "to_status", "reason")),
        list(
            Assignment.objects.filter(enrollment=enrollment).values_list("pk", "supporter_id", "is_primary", "ended_at")
        ),
        list(FollowUpState.objects.filter(enrollment=enrollment).values_list("supporter_id", flat=True)),
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# ---- what works ----


def test_reassigning_makes_the_new_supporter_primary_and_ends_the_old_assignment(world: World) -> None:
    enrollment = world.paul_enrollment

    response = client_for(world.cora).post(
        url("reassign", enrollment), {"supporter": world.sid.pk, "flag": "no_contact", "sort": "name"}, follow=True
    )

    assert response.redirect_chain[-1][0] == "/followup/disengagement/?flag=no_contact&sort=name"
    assert f"Paul Okafor is now supported by {world.sid}" in " ".join(messages_of(response))
    current = list(Assignment.objects.filter(enrollment=enrollment, ended_at__isnull=True))
    assert [(a.supporter, a.is_primary, a.assigned_by) for a in current] == [(world.sid, True, world.cora)]
    assert Assignment.objects.get(enrollment=enrollment, supporter=world.sofia).ended_at is not None
    assert FollowUpState.objects.get(enrollment=enrollment).supporter == world.sid


def test_pausing_records_a_transition_with_the_reason_and_stops_follow_ups(world: World) -> None:
    enrollment = world.paul_enrollment

    response = client_for(world.cora).post(url("pause", enrollment), {"reason": "In hospital"}, follow=True)

    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.PAUSED
    transition = enrollment.transitions.first()
    assert transition is not None
    assert (transition.from_status, transition.to_status, transition.reason, transition.changed_by) == (
        EnrollmentStatus.ACTIVE,
        EnrollmentStatus.PAUSED,
        "In hospital",
        world.cora,
    )
    assert not FollowUpState.objects.filter(enrollment=enrollment).exists()
    assert "paused" in " ".join(messages_of(response))
    counts = next(r for r in disengagement.program_counts(world.cora) if r.program == world.telephone)
    assert counts.counts["paused"] == 1


def test_marking_lost_to_follow_up_records_the_reason(world: World) -> None:
    enrollment = world.rita_enrollment

    client_for(world.ada).post(url("lost", enrollment), {"reason": "Moved away, phone disconnected"})

    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.LOST_TO_FOLLOW_UP
    transition = enrollment.transitions.first()
    assert transition is not None
    assert (transition.to_status, transition.reason, transition.changed_by) == (
        EnrollmentStatus.LOST_TO_FOLLOW_UP,
        "Moved away, phone disconnected",
        world.ada,
    )
    lines = disengagement.flagged(world.cora, "lost_to_follow_up")
    assert [line.enrollment_id for line in lines] == [enrollment.pk]
    assert "Moved away, phone disconnected" in lines[0].reasons[0].detail


def test_the_page_offers_supporters_of_the_organization_with_their_room(world: World) -> None:
    make_supporter("full_house", world.other_org)  # another organization's: never offered
    page = client_for(world.cora).get("/followup/disengagement/", {"flag": "no_contact"}).content.decode()

    assert f"{world.sid} (1/10, room for 9)" in page
    assert "Full" not in page


# ---- bad input changes nothing ----


@pytest.mark.parametrize("action", ["pause", "lost"])
@pytest.mark.parametrize("reason", ["", "   ", "x" * 301])
def test_pause_and_lost_need_a_reason_that_fits(world: World, action: str, reason: str) -> None:
    enrollment = world.paul_enrollment
    before = snapshot(enrollment)

    response = client_for(world.cora).post(url(action, enrollment), {"reason": reason}, follow=True)

    assert snapshot(enrollment) == before
    text = " ".join(messages_of(response))
    assert "Nothing was changed" in text
    assert ("Say why" in text) or ("300 characters" in text)


@pytest.mark.parametrize("supporter", ["", "abc", "999999"])
def test_reassigning_needs_a_supporter(world: World, supporter: str) -> None:
    before = snapshot(world.paul_enrollment)

    response = client_for(world.cora).post(
        url("reassign", world.paul_enrollment), {"supporter": supporter}, follow=True
    )

    assert snapshot(world.paul_enrollment) == before
    assert "Choose a supporter of the program's organization" in " ".join(messages_of(response))


def test_a_supporter_of_another_organization_is_refused(world: World) -> None:
    stranger = make_supporter("stranger", world.other_org)
    before = snapshot(world.paul_enrollment)

    response = client_for(world.cora).post(
        url("reassign", world.paul_enrollment), {"supporter": stranger.pk}, follow=True
    )

    assert snapshot(world.paul_enrollment) == before
    assert "Choose a supporter of the program's organization" in " ".join(messages_of(response))


def test_an_inactive_supporter_or_the_current_one_is_refused(world: World) -> None:
    resting = make_supporter("resting", world.org, is_active=False)
    before = snapshot(world.paul_enrollment)
    client = client_for(world.cora)

    first = client.post(url("reassign", world.paul_enrollment), {"supporter": resting.pk}, follow=True)
    second = client.post(url("reassign", world.paul_enrollment), {"supporter": world.sofia.pk}, follow=True)

    assert snapshot(world.paul_enrollment) == before
    assert "is not active" in " ".join(messages_of(first))
    assert "already assigned" in " ".join(messages_of(second))


@pytest.mark.parametrize(
    "action, data, expected",
    [
        ("reassign", {"supporter": "sid"}, "The enrolment has ended"),
        ("pause", {"reason": "Away"}, "can move to: nothing"),
        ("lost", {"reason": "Gone"}, "can move to: nothing"),
    ],
)
def test_an_enrolment_that_has_ended_is_left_alone(world: World, action: str, data: dict, expected: str) -> None:
    ended = make_enrollment(
        world.cora, make_participant(world.org, "Done"), world.telephone, [world.sofia], "completed"
    )
    if data.get("supporter") == "sid":
        data = {"supporter": world.sid.pk}
    before = snapshot(ended)

    response = client_for(world.cora).post(url(action, ended), data, follow=True)

    assert snapshot(ended) == before
    assert expected in " ".join(messages_of(response))


def test_pausing_someone_already_paused_says_so(world: World) -> None:
    paused = make_enrollment(world.cora, make_participant(world.org, "Resting"), world.telephone, [], "paused")
    before = snapshot(paused)

    response = client_for(world.cora).post(url("pause", paused), {"reason": "Again"}, follow=True)

    assert snapshot(paused) == before
    assert "An enrolment that is paused can move to" in " ".join(messages_of(response))


# ---- who may act ----


@pytest.mark.parametrize("role", ["supervisor", "evaluator", "professional", "supporter", "participant", "outsider"])
@pytest.mark.parametrize("action", ["reassign", "pause", "lost"])
def test_only_administrators_and_coordinators_of_the_organization_may_act(world: World, role: str, action: str) -> None:
    enrollment = world.paul_enrollment
    before = snapshot(enrollment)
    data = {"supporter": world.sid.pk, "reason": "Because"}

    response = client_for(world.users_by_role()[role]).post(url(action, enrollment), data)

    assert response.status_code == 404
    assert snapshot(enrollment) == before


def test_actions_are_posts_only(world: World) -> None:
    response = client_for(world.cora).get(url("pause", world.paul_enrollment), {"reason": "x"})
    assert response.status_code == 405


def test_the_way_back_keeps_only_known_parameters(world: World) -> None:
    response = client_for(world.cora).post(
        url("pause", world.paul_enrollment),
        {"reason": "", "flag": "https://evil.example/", "program": "1 OR 1", "sort": "shortest"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/followup/disengagement/?sort=shortest"
