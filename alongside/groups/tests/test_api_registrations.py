"""/api/v1/group-registrations/: registering gives a place or a waiting-list number (and says which),
dropping hands the place to the first person waiting; names only for those who may see the roster, a
participant only their own registrations; every answer that names people is in the access log."""

from __future__ import annotations

from typing import Any

import pytest

from alongside.audit.models import AccessLogEntry
from alongside.groups.models import GroupSeries, Registration, RegistrationStatus
from alongside.people.models import Participant
from alongside.testing.api import ApiFor
from alongside.testing.groups import GroupWorld
from alongside.testing.world import make_enrollment, make_participant

pytestmark = pytest.mark.django_db

REGISTRATIONS = "/api/v1/group-registrations/"


def snapshot() -> list[Any]:
    return list(Registration.objects.order_by("pk").values())


def newcomer(gw: GroupWorld, name: str) -> Participant:
    person = make_participant(gw.world.org, name, family_name="Newcomer")
    make_enrollment(gw.world.cora, person, gw.program)
    return person


def fill(gw: GroupWorld) -> GroupSeries:
    GroupSeries.objects.filter(pk=gw.workshop.pk).update(capacity=6)  # the six registered fill it
    return gw.workshop


def test_registering_gives_a_place_and_says_so(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    fay = newcomer(gw, "Fay")

    response = api(gw.world.cora).post(REGISTRATIONS, {"series": gw.workshop.pk, "participant": fay.pk}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["waitlist_position"], body["participant_name"]) == ("registered", None, fay.full_name)
    assert body["message"] == f"{fay.full_name} has a place in {gw.workshop.title}."
    assert AccessLogEntry.objects.filter(user=gw.world.cora, participant=fay).exists()


def test_a_full_series_puts_people_on_the_waiting_list_in_order(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    series = fill(gw)
    client = api(gw.world.cora)
    fay, gus = newcomer(gw, "Fay"), newcomer(gw, "Gus")

    first = client.post(REGISTRATIONS, {"series": series.pk, "participant": fay.pk}, format="json").json()
    second = client.post(REGISTRATIONS, {"series": series.pk, "participant": gus.pk}, format="json").json()

    assert (first["status"], first["waitlist_position"]) == ("waitlisted", 1)
    assert (second["status"], second["waitlist_position"]) == ("waitlisted", 2)
    assert second["message"] == f"The series is full: {gus.full_name} is number 2 on the waiting list."


def test_dropping_someone_gives_the_place_to_the_first_person_waiting(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    series = fill(gw)
    client = api(gw.world.cora)
    fay = newcomer(gw, "Fay")
    waiting = client.post(REGISTRATIONS, {"series": series.pk, "participant": fay.pk}, format="json").json()

    response = client.post(
        f"{REGISTRATIONS}{gw.registrations['ben'].pk}/drop/", {"reason": "Moved away"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["drop_reason"]) == ("dropped", "Moved away")
    promoted = client.get(f"{REGISTRATIONS}{waiting['id']}/").json()
    assert (promoted["status"], promoted["waitlist_position"]) == ("registered", None)
    again = client.post(f"{REGISTRATIONS}{gw.registrations['ben'].pk}/drop/", {}, format="json")
    assert again.status_code == 400 and "Already dropped" in again.json()["status"][0]


def test_bad_registrations_are_a_400_and_save_nothing(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    before = snapshot()
    client = api(gw.world.cora)
    twice = client.post(REGISTRATIONS, {"series": gw.workshop.pk, "participant": gw.participants["ana"].pk})
    not_enrolled = client.post(
        REGISTRATIONS, {"series": gw.workshop.pk, "participant": make_participant(gw.world.org, "Zed").pk}
    )
    other_org = client.post(REGISTRATIONS, {"series": gw.workshop.pk, "participant": gw.world.hana.pk})

    assert (twice.status_code, not_enrolled.status_code, other_org.status_code) == (400, 400, 400)
    assert "already registered" in twice.json()["participant"][0]
    assert "no open enrolment" in not_enrolled.json()["participant"][0]
    assert "that you can see" in other_org.json()["participant"][0]
    assert snapshot() == before


def test_leaders_participants_and_outsiders_may_not_register_or_drop(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    fay = newcomer(gw, "Fay")
    before = snapshot()
    data = {"series": gw.workshop.pk, "participant": fay.pk}
    drop = f"{REGISTRATIONS}{gw.registrations['ana'].pk}/drop/"
    for user in (gw.lena.user, gw.world.paul_user, gw.world.sam, gw.world.eve):
        assert api(user).post(REGISTRATIONS, data, format="json").status_code == 403
        assert api(user).post(drop, {}, format="json").status_code == 403
    assert api(gw.world.otto).post(REGISTRATIONS, data, format="json").status_code == 400
    assert snapshot() == before


def test_a_participant_lists_only_their_own_registrations(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    client = api(gw.world.paul_user)

    response = client.get(REGISTRATIONS)

    rows = response.json()["results"]
    assert [r["id"] for r in rows] == [gw.registrations["paul"].pk]
    text = response.content.decode()
    assert not any(name in text for name in ("Ana", "Ben", "Carmen", "Dev", "Elena"))
    assert client.get(f"{REGISTRATIONS}{gw.registrations['ana'].pk}/").status_code == 404
    assert client.get(REGISTRATIONS, {"series": gw.workshop.pk}).json()["count"] == 1


@pytest.mark.parametrize(("who", "count"), [("cora", 6), ("sam", 6), ("lena", 6), ("priya", 6), ("sid", 0), ("eve", 0)])
def test_who_sees_the_names_in_the_workshop(group_world: GroupWorld, api: ApiFor, who: str, count: int) -> None:
    w = group_world.world
    user = {"cora": w.cora, "sam": w.sam, "lena": group_world.lena.user, "priya": w.priya, "sid": w.sid.user}.get(
        who, w.eve
    )
    body = api(user).get(REGISTRATIONS, {"series": group_world.workshop.pk}).json()
    assert body["count"] == count
    assert AccessLogEntry.objects.filter(user=user).count() == count


def test_otto_sees_no_registrations(group_world: GroupWorld, api: ApiFor) -> None:
    client = api(group_world.world.otto)
    assert client.get(REGISTRATIONS).json()["results"] == []
    assert client.get(f"{REGISTRATIONS}{group_world.registrations['paul'].pk}/").status_code == 404
    assert client.post(f"{REGISTRATIONS}{group_world.registrations['paul'].pk}/drop/", {}).status_code == 404


def test_filters_by_status(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    gw.registrations["dev"].status = RegistrationStatus.DROPPED
    gw.registrations["dev"].save()
    body = api(gw.world.cora).get(REGISTRATIONS, {"series": str(gw.workshop.pk), "status": "dropped"}).json()
    assert [r["id"] for r in body["results"]] == [gw.registrations["dev"].pk]
