from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from alongside.groups import services
from alongside.groups.models import GroupSeries, RegistrationStatus
from alongside.people.models import Participant
from alongside.testing.groups import GroupWorld
from alongside.testing.world import make_enrollment, make_participant


def _shrink(gw: GroupWorld, capacity: int) -> GroupSeries:
    GroupSeries.objects.filter(pk=gw.workshop.pk).update(capacity=capacity)
    gw.workshop.refresh_from_db()
    return gw.workshop


def _newcomer(gw: GroupWorld, name: str) -> Participant:
    person = make_participant(gw.world.org, name)
    make_enrollment(gw.world.cora, person, gw.program)
    return person


def test_it_puts_people_past_capacity_on_the_waiting_list_in_order(group_world: GroupWorld) -> None:
    series = _shrink(group_world, 6)  # the six registered fill it
    cora = group_world.world.cora
    first = services.register(cora, series, _newcomer(group_world, "Fay"))
    second = services.register(cora, series, _newcomer(group_world, "Gus"))
    assert (first.status, second.status) == (RegistrationStatus.WAITLISTED, RegistrationStatus.WAITLISTED)

    services.drop(cora, group_world.registrations["ben"], "Moved away")

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == RegistrationStatus.REGISTERED and first.promoted_at is not None
    assert second.status == RegistrationStatus.WAITLISTED


def test_raising_capacity_promotes_from_the_waiting_list(group_world: GroupWorld) -> None:
    series = _shrink(group_world, 6)
    cora = group_world.world.cora
    waiting = services.register(cora, series, _newcomer(group_world, "Fay"))
    services.update_series(cora, series, {"capacity": 7})
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.REGISTERED


def test_capacity_cannot_go_below_the_people_registered(group_world: GroupWorld) -> None:
    with pytest.raises(ValidationError) as error:
        services.update_series(group_world.world.cora, group_world.workshop, {"capacity": 3, "title": "Renamed"})
    assert "6 people are registered" in str(error.value)
    group_world.workshop.refresh_from_db()
    assert (group_world.workshop.capacity, group_world.workshop.title) == (16, "Living Well with Diabetes, spring")


def test_someone_without_an_open_enrolment_cannot_register(group_world: GroupWorld) -> None:
    stranger = make_participant(group_world.world.org, "Zed")
    with pytest.raises(ValidationError, match="no open enrolment"):
        services.register(group_world.world.cora, group_world.workshop, stranger)


def test_registering_twice_is_refused_and_dropping_then_returning_reopens_the_row(group_world: GroupWorld) -> None:
    cora = group_world.world.cora
    with pytest.raises(ValidationError, match="already registered"):
        services.register(cora, group_world.workshop, group_world.participants["ana"])
    services.drop(cora, group_world.registrations["ana"])
    again = services.register(cora, group_world.workshop, group_world.participants["ana"])
    assert again.pk == group_world.registrations["ana"].pk and again.status == RegistrationStatus.REGISTERED


def test_a_supporter_cannot_register_people(group_world: GroupWorld) -> None:
    with pytest.raises(PermissionDenied):
        services.register(group_world.lena.user, group_world.workshop, _newcomer(group_world, "Fay"))
