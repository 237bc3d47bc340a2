"""Call appointments from the call screen: booking (on the organization's clock), the line on the day,
cancelling, closing one by logging its call, and bad input that saves nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alongside.followup.models import AppointmentStatus, CallAppointment
from alongside.followup.services import schedule_call
from alongside.followup.worklist import worklist
from alongside.testing.world import World

pytestmark = pytest.mark.django_db


def book_url(world: World) -> str:
    return reverse("followup:schedule_call", args=[world.paul_enrollment.pk])


def in_two_days(world: World) -> datetime:
    zone = ZoneInfo(world.org.timezone)
    return (timezone.now() + timedelta(days=2)).astimezone(zone).replace(hour=10, minute=30, second=0, microsecond=0)


def test_a_supporter_books_a_call_on_the_organizations_clock(world: World, client: Client) -> None:
    client.force_login(world.sofia.user)
    when = in_two_days(world)
    response = client.post(book_url(world), {"day": when.date().isoformat(), "at": "10:30", "note": "After clinic"})
    assert response.status_code == 302
    appointment = CallAppointment.objects.get()
    assert appointment.scheduled_for == when
    assert appointment.note == "After clinic" and appointment.supporter == world.sofia
    page = client.get(response["Location"]).content.decode()
    assert "Call booked for" in page and "After clinic" in page


def test_the_booked_call_is_a_line_on_its_day_and_not_before(world: World) -> None:
    when = in_two_days(world)
    schedule_call(world.sofia.user, world.paul_enrollment, when)
    assert not any("appointment" in line.reason_codes for line in worklist(world.sofia.user))
    on_the_day = worklist(world.sofia.user, today=when.date(), now=when - timedelta(hours=2))
    line = next(x for x in on_the_day if x.participant == world.paul)
    assert "appointment" in line.reason_codes
    assert any(r.code == "appointment" and r.detail == "10:30" for r in line.reasons)


def test_a_call_in_the_past_is_refused_keeps_the_input_and_saves_nothing(world: World, client: Client) -> None:
    client.force_login(world.sofia.user)
    yesterday = timezone.localdate() - timedelta(days=1)
    response = client.post(book_url(world), {"day": yesterday.isoformat(), "at": "09:15", "note": "Remember me"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was saved." in page
    assert "An appointment cannot be in the past." in page
    assert f'value="{yesterday.isoformat()}"' in page and 'value="09:15"' in page and 'value="Remember me"' in page
    assert not CallAppointment.objects.exists()


def test_a_missing_time_is_refused(world: World, client: Client) -> None:
    client.force_login(world.sofia.user)
    response = client.post(book_url(world), {"day": in_two_days(world).date().isoformat(), "at": ""})
    assert "This field is required." in response.content.decode()
    assert not CallAppointment.objects.exists()


def test_cancelling_takes_the_line_away(world: World, client: Client) -> None:
    when = in_two_days(world)
    appointment = schedule_call(world.sofia.user, world.paul_enrollment, when)
    client.force_login(world.sofia.user)
    response = client.post(reverse("followup:cancel_call", args=[world.paul_enrollment.pk, appointment.pk]))
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    on_the_day = worklist(world.sofia.user, today=when.date(), now=when)
    assert not any("appointment" in line.reason_codes for line in on_the_day)
    again = client.post(reverse("followup:cancel_call", args=[world.paul_enrollment.pk, appointment.pk]), follow=True)
    assert "Only a scheduled appointment can be cancelled." in again.content.decode()


def test_logging_the_call_for_an_appointment_closes_it(world: World, client: Client) -> None:
    appointment = schedule_call(world.sofia.user, world.paul_enrollment, timezone.now() + timedelta(minutes=30))
    client.force_login(world.sofia.user)
    page = client.get(reverse("followup:call", args=[world.paul_enrollment.pk])).content.decode()
    call_url = f"{reverse('followup:call', args=[world.paul_enrollment.pk])}?appointment={appointment.pk}"
    assert call_url in page
    assert "saving it closes the appointment" in client.get(call_url).content.decode()
    response = client.post(
        call_url,
        {
            "enrollment": world.paul_enrollment.pk,
            "modality": "phone_call",
            "outcome": "reached",
            "functions": ["daily_management"],
            "initiated_by": "proactive",
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "duration_choice": "10",
        },
    )
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.DONE and appointment.contact is not None


def test_another_supporter_cannot_book_or_cancel(world: World, client: Client) -> None:
    appointment = schedule_call(world.sofia.user, world.paul_enrollment, in_two_days(world))
    client.force_login(world.sid.user)
    when = in_two_days(world)
    assert client.post(book_url(world), {"day": when.date().isoformat(), "at": "11:00"}).status_code == 404
    cancel = reverse("followup:cancel_call", args=[world.paul_enrollment.pk, appointment.pk])
    assert client.post(cancel).status_code == 404
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.SCHEDULED
    assert CallAppointment.objects.count() == 1


def test_a_booked_call_shows_on_the_participants_timeline_to_those_who_see_them(world: World, client: Client) -> None:
    schedule_call(world.sofia.user, world.paul_enrollment, in_two_days(world), note="After his clinic visit")
    page = reverse("people:participant", args=[world.paul.pk])

    client.force_login(world.sofia.user)
    shown = client.get(page).content.decode()
    assert "call booked for" in shown
    assert "After his clinic visit" in shown

    client.force_login(world.sid.user)  # not Paul's supporter: the page itself is not found
    assert client.get(page).status_code == 404
