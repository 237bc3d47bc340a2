"""/api/v1/referrals/: the same rules as the pages. Scoped lists (professionals: addressed to them; participants:
their own without the team's notes), create and one step at a time through linkage.services, 400 with field
errors and nothing saved, 403 for roles that may not write, 404 out of scope, the access log, a valid schema."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from alongside.accounts.models import Role
from alongside.audit.models import AccessChannel, AccessLogEntry
from alongside.linkage.models import Referral, ReferralEvent
from alongside.linkage.services import change_status
from alongside.linkage.tests.referral_helpers import food_bank, refer_paul_to_priya
from alongside.testing.api import ApiFor
from alongside.testing.world import World, make_user

pytestmark = pytest.mark.django_db

URL = "/api/v1/referrals/"


def body(world: World, **data: object) -> dict[str, object]:
    return {
        "enrollment": world.paul_enrollment.pk,
        "kind": "clinical",
        "reason": "Feet numb for two weeks.",
        "urgency": "routine",
        "consent_to_share": True,
        "shared_items": ["name_and_contact", "reason"],
        "to_professional": world.priya.pk,
        **data,
    }


def test_a_supporter_makes_a_referral_and_gets_it_back_with_its_steps(world: World, api: ApiFor) -> None:
    response = api(world.sofia.user).post(URL, body(world), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (
        data["status"] == "sent" and data["receiver"] == "Priya professional" and data["program"] == world.telephone.pk
    )
    assert [e["to_status"] for e in data["events"]] == ["draft", "sent"]
    assert data["next_statuses"] == ["accepted", "declined", "cancelled"]
    assert AccessLogEntry.objects.filter(
        user=world.sofia.user, participant=world.paul, channel=AccessChannel.API
    ).exists()


def nothing_saved() -> None:
    assert Referral.objects.count() == 0 and ReferralEvent.objects.count() == 0


def test_no_consent_is_a_400_that_saves_nothing(world: World, api: ApiFor) -> None:
    response = api(world.sofia.user).post(URL, body(world, consent_to_share=False), format="json")
    assert response.status_code == 400
    assert response.json()["consent_to_share"][0].startswith("The participant must agree to share")
    nothing_saved()


def test_two_receivers_a_foreign_professional_or_an_enrolment_not_hers_are_400s(world: World, api: ApiFor) -> None:
    sofia = api(world.sofia.user)
    two = sofia.post(URL, body(world, to_name="Dr Mensah"), format="json")
    assert two.status_code == 400 and "Choose one receiver" in two.json()["receiver"][0]
    outsider = make_user("olu_clinician", Role.PROFESSIONAL, world.other_org)
    foreign = sofia.post(URL, body(world, to_professional=outsider.pk), format="json")
    assert foreign.status_code == 400 and foreign.json()["to_professional"] == [
        f"No user with id {outsider.pk} that you can see."
    ]
    not_hers = sofia.post(URL, body(world, enrollment=world.rita_enrollment.pk), format="json")
    assert not_hers.status_code == 400 and "enrollment" in not_hers.json()
    unknown = sofia.post(URL, body(world, shared_items=["secrets"], kind="surgery"), format="json")
    assert unknown.status_code == 400 and set(unknown.json()) == {"shared_items", "kind"}
    community = sofia.post(
        URL, body(world, to_professional=None, service=food_bank(world).pk), format="json"
    )  # a clinical referral to a community service
    assert community.status_code == 400 and "not clinical care" in community.json()["kind"][0]
    nothing_saved()


@pytest.mark.parametrize("who", ["priya", "paul", "eve"])
def test_roles_that_do_not_refer_get_a_403(world: World, api: ApiFor, who: str) -> None:
    user = {"priya": world.priya, "paul": world.paul_user, "eve": world.eve}[who]
    assert api(user).post(URL, body(world), format="json").status_code == 403
    nothing_saved()


def test_lists_are_scoped_per_role(world: World, api: ApiFor) -> None:
    sent = refer_paul_to_priya(world)
    draft = refer_paul_to_priya(world, send=False)
    to_someone_else = refer_paul_to_priya(world, to_professional=None, to_name="Dr Mensah")
    change_status(world.sofia.user, sent, "accepted", note="Called the clinic")

    def ids(user) -> list[int]:
        return [r["id"] for r in api(user).get(URL).json()["results"]]

    everything = sorted([sent.pk, draft.pk, to_someone_else.pk])
    assert sorted(ids(world.sofia.user)) == sorted(ids(world.cora)) == everything
    assert ids(world.priya) == [sent.pk]  # addressed to her, never a draft
    assert sorted(ids(world.paul_user)) == everything
    assert ids(world.sid.user) == ids(world.eve) == ids(world.otto) == []
    own = api(world.paul_user).get(f"{URL}{sent.pk}/").json()
    assert [e["note"] for e in own["events"]] == ["", "", ""] and own["next_statuses"] == []
    team = api(world.sofia.user).get(f"{URL}{sent.pk}/").json()
    assert team["events"][-1]["note"] == "Called the clinic"
    assert api(world.sid.user).get(f"{URL}{sent.pk}/").status_code == 404
    assert api(world.priya).get(f"{URL}{draft.pk}/").status_code == 404


def test_filters(world: World, api: ApiFor) -> None:
    mine = refer_paul_to_priya(world)
    other = refer_paul_to_priya(world, to_professional=None, to_name="Dr Mensah")
    change_status(world.sofia.user, other, "cancelled")
    cora = api(world.cora)

    def ids(**params: Any) -> list[int]:
        return [r["id"] for r in cora.get(URL, params).json()["results"]]

    assert ids(open="true") == [mine.pk] and ids(open="false") == [other.pk]
    assert ids(status="cancelled") == [other.pk]
    assert set(ids(program=world.telephone.pk)) == {mine.pk, other.pk} and ids(program=world.coaching.pk) == []
    assert [r["id"] for r in api(world.priya).get(URL, {"to_me": "true"}).json()["results"]] == [mine.pk]


def test_the_receiver_answers_step_by_step_and_skips_are_400s(world: World, api: ApiFor) -> None:
    referral = refer_paul_to_priya(world)
    priya = api(world.priya)
    status = f"{URL}{referral.pk}/status/"
    skip = priya.post(status, {"status": "completed"}, format="json")
    assert skip.status_code == 400
    assert skip.json()["status"] == [
        "A referral that is sent can next be accepted, declined or cancelled, not completed."
    ]
    assert priya.post(status, {"status": "accepted"}, format="json").json()["status"] == "accepted"
    no_time = priya.post(status, {"status": "scheduled"}, format="json")
    assert no_time.status_code == 400 and "appointment_at" in no_time.json()
    when = (timezone.now() + timedelta(days=4)).replace(microsecond=0)
    booked = priya.post(status, {"status": "scheduled", "appointment_at": when.isoformat()}, format="json").json()
    assert booked["status"] == "scheduled" and booked["next_statuses"] == ["completed", "no_show"]
    assert priya.post(status, {"status": "cancelled"}, format="json").status_code == 403  # the team cancels
    assert api(world.paul_user).post(status, {"status": "completed"}, format="json").status_code == 403
    assert api(world.sid.user).post(status, {"status": "completed"}, format="json").status_code == 404
    assert priya.post(status, {"status": "completed", "note": "Seen"}, format="json").json()["status"] == "completed"


def test_the_schema_describes_referrals_and_stays_valid(world: World, api: ApiFor) -> None:
    schema = api(world.cora).get("/api/schema/", {"format": "json"}).json()
    assert {"get", "post"} <= set(schema["paths"][URL])
    assert "post" in schema["paths"][f"{URL}{{id}}/status/"]
    params = {p["name"] for p in schema["paths"][URL]["get"]["parameters"]}
    assert {"participant", "enrollment", "program", "status", "open", "to_me"} <= params
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
