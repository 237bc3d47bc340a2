"""iCalendar feeds of group sessions: what a calendar app reads from a private address.

The feed parses back (RFC 5545), has exactly the sessions with the database's times in the series' own
zone and its VTIMEZONE, marks cancelled sessions cancelled, gives a moved session its new time and a
higher SEQUENCE, and shows only what the address's owner may see. Revoked or unknown addresses are 404.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from alongside.accounts.models import User
from alongside.groups import calendar, services
from alongside.groups.models import CalendarFeed, FacilitatorRole, GroupKind, GroupSeries, RegistrationStatus
from alongside.testing.groups import GroupWorld, make_series, register_directly, weekly

pytestmark = pytest.mark.django_db

NAMES = ("Paul", "Okafor", "Ana", "Ben", "Carmen", "Dev", "Elena", "Tester")


def feed_series_url(user: User, series: GroupSeries) -> str:
    return reverse("groups:feed_series", args=[calendar.live_feed(user).token, series.pk])


def feed_mine_url(user: User) -> str:
    return reverse("groups:feed_mine", args=[calendar.live_feed(user).token])


def read(url: str) -> tuple[Calendar, bytes]:
    response = Client().get(url)  # calendar apps do not log in: the address is the key
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content), response.content


def start_of(event: Event) -> datetime:
    start = event.start
    assert isinstance(start, datetime)  # sessions have times, not whole days
    return start


def end_of(event: Event) -> datetime:
    end = event.end
    assert isinstance(end, datetime)
    return end


def events_by_uid(cal: Calendar) -> dict[str, Event]:
    return {str(event["UID"]): event for event in cal.events}


def test_the_series_feed_has_exactly_its_sessions_at_the_databases_times_in_the_series_zone(
    group_world: GroupWorld,
) -> None:
    gw = group_world
    cal, body = read(feed_series_url(gw.lena.user, gw.workshop))

    assert cal["VERSION"] == "2.0"
    assert "Alongside" in str(cal["PRODID"])
    assert str(cal["X-WR-CALNAME"]) == gw.workshop.title
    sessions = gw.sessions
    events = events_by_uid(cal)
    assert set(events) == {f"session-{s.pk}@alongside" for s in sessions}
    for session in sessions:
        event = events[f"session-{session.pk}@alongside"]
        start, end = start_of(event), end_of(event)
        # iCalendar times are to the second; the builders' times carry microseconds.
        assert start == session.starts_at.replace(microsecond=0)
        assert end == session.ends_at.replace(microsecond=0)
        assert start.tzinfo is not None and str(start.tzinfo) == "America/New_York"
        assert start.replace(tzinfo=None) == session.local_start().replace(tzinfo=None, microsecond=0)
        assert str(event["STATUS"]) == "CONFIRMED"
        assert event.sequence == session.sequence == 0
        assert str(event["SUMMARY"]) == f"{gw.workshop.title}: session {session.number} – {session.topic}"
        assert str(event["LOCATION"]) == "Riverside Library, Room 2"
        assert "DTSTAMP" in event
    assert [tz.tz_name for tz in cal.timezones] == ["America/New_York"]
    assert cal.get_missing_tzids() == set()
    text = body.decode()
    assert "DTSTART;TZID=America/New_York:" in text
    assert not any(name in text for name in NAMES)


def test_each_series_keeps_its_own_zone_and_the_mine_feed_carries_both_timezones(group_world: GroupWorld) -> None:
    gw = group_world
    berlin = ZoneInfo("Europe/Berlin")
    start = (timezone.now() + timedelta(days=3)).astimezone(berlin).replace(hour=18, minute=30, second=0, microsecond=0)
    abroad = make_series(
        gw.world.cora,
        gw.program,
        GroupKind.SUPPORT_GROUP,
        weekly(start, 2),
        title="Treffpunkt Diabetes",
        zone="Europe/Berlin",
        facilitators=[(gw.lena.user, FacilitatorRole.PEER_LEADER)],
    )

    cal, body = read(feed_mine_url(gw.lena.user))

    events = events_by_uid(cal)
    assert len(events) == 6 + 2
    for session in abroad.sessions.all():
        event_start = start_of(events[f"session-{session.pk}@alongside"])
        assert event_start == session.starts_at
        assert str(event_start.tzinfo) == "Europe/Berlin" and (event_start.hour, event_start.minute) == (18, 30)
    assert {tz.tz_name for tz in cal.timezones} == {"America/New_York", "Europe/Berlin"}
    assert "DTSTART;TZID=Europe/Berlin:" in body.decode()


def test_a_cancelled_session_stays_in_the_feed_marked_cancelled(group_world: GroupWorld) -> None:
    gw = group_world
    last = gw.workshop.sessions.get(number=6)
    services.cancel_session(gw.world.cora, last, "The library is closed for repairs")

    events = events_by_uid(read(feed_series_url(gw.lena.user, gw.workshop))[0])

    assert len(events) == 6
    cancelled = events[f"session-{last.pk}@alongside"]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert cancelled.sequence == 1
    assert str(cancelled["SUMMARY"]).startswith("Cancelled: ")
    assert "The library is closed for repairs" in str(cancelled["DESCRIPTION"])
    others = [e for uid, e in events.items() if uid != f"session-{last.pk}@alongside"]
    assert {str(e["STATUS"]) for e in others} == {"CONFIRMED"}


def test_a_moved_session_has_its_new_time_and_a_higher_sequence(group_world: GroupWorld) -> None:
    gw = group_world
    fifth = gw.workshop.sessions.get(number=5)
    url = feed_series_url(gw.lena.user, gw.workshop)
    before = events_by_uid(read(url)[0])[f"session-{fifth.pk}@alongside"]
    new_day = fifth.local_start() + timedelta(days=2)
    new_start = datetime(new_day.year, new_day.month, new_day.day, 10, 0)  # local clock time

    services.move_session(gw.world.cora, fifth, new_start)

    fifth.refresh_from_db()
    after = events_by_uid(read(url)[0])[f"session-{fifth.pk}@alongside"]
    start = start_of(after)
    assert start == fifth.starts_at
    assert start.replace(tzinfo=None) == new_start and str(start.tzinfo) == "America/New_York"
    assert end_of(after) - start == timedelta(minutes=fifth.duration_minutes)
    assert after.sequence > before.sequence
    assert "Moved" in str(after["DESCRIPTION"])


def test_revoking_the_address_makes_the_old_one_a_404_and_the_new_one_works(group_world: GroupWorld) -> None:
    gw = group_world
    lena = gw.lena.user
    old_mine, old_series = feed_mine_url(lena), feed_series_url(lena, gw.workshop)
    client = Client()
    client.force_login(lena)

    response = client.post(reverse("groups:calendar"))

    assert response.status_code == 302
    assert Client().get(old_mine).status_code == 404
    assert Client().get(old_series).status_code == 404
    new_token = CalendarFeed.objects.get(user=lena, revoked_at__isnull=True).token
    assert new_token not in old_mine
    page = client.get(reverse("groups:calendar"))
    assert new_token in page.content.decode()
    read(reverse("groups:feed_mine", args=[new_token]))


def test_an_unknown_address_is_a_404(group_world: GroupWorld) -> None:
    assert Client().get(reverse("groups:feed_mine", args=["not-a-token"])).status_code == 404
    url = reverse("groups:feed_series", args=["not-a-token", group_world.workshop.pk])
    assert Client().get(url).status_code == 404


def test_an_inactive_logins_address_is_a_404(group_world: GroupWorld) -> None:
    lena = group_world.lena.user
    url = feed_mine_url(lena)
    lena.is_active = False
    lena.save()
    assert Client().get(url).status_code == 404


def test_another_leaders_series_is_not_in_the_feed_and_cannot_be_read_with_it(group_world: GroupWorld) -> None:
    gw = group_world
    visits = make_series(
        gw.world.cora,
        gw.program,
        GroupKind.GROUP_VISIT,
        weekly(timezone.now() + timedelta(days=5), 3),
        title="Group visits with Dr Priya",
        facilitators=[(gw.world.priya, FacilitatorRole.PROFESSIONAL)],
    )

    lena_events = events_by_uid(read(feed_mine_url(gw.lena.user))[0])
    assert set(lena_events) == {f"session-{s.pk}@alongside" for s in gw.sessions}
    assert Client().get(feed_series_url(gw.lena.user, visits)).status_code == 404

    priya_events = events_by_uid(read(feed_mine_url(gw.world.priya))[0])
    assert set(priya_events) == {f"session-{s.pk}@alongside" for s in visits.sessions.all()}


def test_a_participants_feed_has_the_series_they_have_a_place_in_and_no_other_names(group_world: GroupWorld) -> None:
    gw = group_world
    full = make_series(
        gw.world.cora,
        gw.program,
        GroupKind.SUPPORT_GROUP,
        weekly(timezone.now() + timedelta(days=2), 2),
        title="Evening support group",
        capacity=1,
    )
    register_directly(gw.world.cora, full, gw.enrollments["ana"])
    register_directly(gw.world.cora, full, gw.enrollments["paul"], RegistrationStatus.WAITLISTED)

    cal, body = read(feed_mine_url(gw.world.paul_user))

    # His place in the workshop, not the group he is only waiting for.
    assert set(events_by_uid(cal)) == {f"session-{s.pk}@alongside" for s in gw.sessions}
    assert not any(name in body.decode() for name in NAMES)


def test_otto_from_another_organization_reads_nothing(group_world: GroupWorld) -> None:
    gw = group_world
    otto = gw.world.otto
    assert Client().get(feed_series_url(otto, gw.workshop)).status_code == 404
    assert read(feed_mine_url(otto))[0].events == []
    client = Client()
    client.force_login(otto)
    assert client.get(reverse("groups:series_ics", args=[gw.workshop.pk])).status_code == 404


def test_a_logged_in_coordinator_downloads_one_series_as_a_file(group_world: GroupWorld) -> None:
    gw = group_world
    client = Client()
    client.force_login(gw.world.cora)

    response = client.get(reverse("groups:series_ics", args=[gw.workshop.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    assert len(Calendar.from_ical(response.content).events) == 6
    assert Client().get(reverse("groups:series_ics", args=[gw.workshop.pk])).status_code == 302  # to log in


def test_the_calendar_page_shows_the_addresses_and_keeps_one_address(group_world: GroupWorld) -> None:
    gw = group_world
    client = Client()
    client.force_login(gw.lena.user)

    first = client.get(reverse("groups:calendar"))
    second = client.get(reverse("groups:calendar"))

    assert first.status_code == second.status_code == 200
    feed = CalendarFeed.objects.get(user=gw.lena.user)
    text = second.content.decode()
    assert f"http://testserver/groups/calendar/{feed.token}/mine.ics" in text
    assert f"webcal://testserver/groups/calendar/{feed.token}/mine.ics" in text
    assert f"/groups/calendar/{feed.token}/series/{gw.workshop.pk}.ics" in text
    assert "Revoke and make a new address" in text


def test_an_evaluator_has_no_calendar_page(group_world: GroupWorld) -> None:
    client = Client()
    client.force_login(group_world.world.eve)
    assert client.get(reverse("groups:calendar")).status_code == 404


def test_someone_with_no_sessions_gets_a_valid_empty_calendar(group_world: GroupWorld) -> None:
    cal, _ = read(feed_mine_url(group_world.world.cora))
    assert cal.events == []
    assert cal["VERSION"] == "2.0"
    assert [tz.tz_name for tz in cal.timezones] == [group_world.world.org.timezone]


def test_a_new_enrolments_registration_adds_the_series_to_the_participants_feed(group_world: GroupWorld) -> None:
    gw = group_world
    later = make_series(
        gw.world.cora, gw.program, GroupKind.SUPPORT_GROUP, weekly(timezone.now() + timedelta(days=9), 2)
    )
    url = feed_mine_url(gw.world.paul_user)
    assert len(read(url)[0].events) == 6
    register_directly(gw.world.cora, later, gw.enrollments["paul"])
    assert len(read(url)[0].events) == 8
