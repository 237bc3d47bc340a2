"""Group sessions as iCalendar (RFC 5545), for calendar apps to subscribe to or import.

One VEVENT per session, whose UID never changes (session-<id>@<domain>), so a subscribed calendar updates
its copy instead of adding another: moving, cancelling or renaming a session raises its SEQUENCE, and a
cancelled session stays in the feed with STATUS:CANCELLED rather than vanishing (clients would otherwise
keep showing it). Times carry the series' TZID with the matching VTIMEZONE, so an 18:00 session shows at
18:00 local time in any client.

Feeds hold what anyone with the link may read: series title, session number and topic, place, online
link and the session's plan. Never a participant's name, attendance or health detail.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from icalendar import Calendar, Event, Timezone
from icalendar.enums import STATUS

from alongside.accounts.models import Role, User
from alongside.groups.access import series_visible_to
from alongside.groups.models import CalendarFeed, GroupSeries, GroupSession, RegistrationStatus

PRODID = "-//Alongside//Group sessions//EN"
UID_DOMAIN = "alongside"
CONTENT_TYPE = "text/calendar; charset=utf-8"
# How often clients should fetch the feed again (RFC 7986 REFRESH-INTERVAL, and Outlook's X-PUBLISHED-TTL).
REFRESH = timedelta(hours=6)
# The "mine" feed keeps a year of past sessions: enough to look back, not a lifetime of meetings.
HISTORY = timedelta(days=365)


def session_uid(session: GroupSession) -> str:
    return f"session-{session.pk}@{UID_DOMAIN}"


def _summary(session: GroupSession) -> str:
    summary = f"{session.series.title}: session {session.number}"
    if session.topic:
        summary += f" – {session.topic}"
    # STATUS says it too, but some clients ignore STATUS and only show the title.
    return f"Cancelled: {summary}" if session.is_cancelled else summary


def _description(session: GroupSession) -> str:
    series = session.series
    lines: list[str] = []
    if session.is_cancelled:
        lines.append(f"This session is cancelled. {session.cancel_reason}".strip())
    elif session.was_moved and session.original_starts_at is not None:
        before = session.original_starts_at.astimezone(series.zone)
        lines.append(f"Moved; it was planned for {before:%A %d %B %Y, %H:%M}.")
    if session.description:
        lines.append(session.description)
    if series.online_url:
        lines.append(f"Join online: {series.online_url}")
    if series.description:
        lines.append(series.description)
    return "\n\n".join(lines)


def _event(session: GroupSession) -> Event:
    series = session.series
    zone = series.zone
    event = Event.new(
        uid=session_uid(session),
        # The last change of the session, so an unchanged feed is byte-for-byte the same.
        stamp=session.updated_at.astimezone(UTC),
        last_modified=session.updated_at.astimezone(UTC),
        start=session.starts_at.astimezone(zone),
        end=session.ends_at.astimezone(zone),
        summary=_summary(session),
        description=_description(session) or None,
        location=series.venue or ("Online" if series.online_url else None),
        url=series.online_url or None,
        sequence=session.sequence,
        status=STATUS.CANCELLED if session.is_cancelled else STATUS.CONFIRMED,
    )
    return event


def build_calendar(name: str, uid: str, sessions: Iterable[GroupSession], fallback_zone: str = "UTC") -> Calendar:
    """A VCALENDAR with one VEVENT per session and the VTIMEZONE of every zone they use (covering the
    sessions' dates). An empty calendar still carries one component, `fallback_zone`'s VTIMEZONE, as
    RFC 5545 wants at least one."""
    calendar = Calendar.new(name=name, prodid=PRODID, uid=uid, refresh_interval=REFRESH)
    calendar.add("X-PUBLISHED-TTL", REFRESH)
    starts: list[datetime] = []
    for session in sessions:
        calendar.add_component(_event(session))
        starts.append(session.starts_at)
    if starts:
        calendar.add_missing_timezones(
            first_date=(min(starts) - timedelta(days=1)).date(), last_date=(max(starts) + timedelta(days=2)).date()
        )
    elif fallback_zone != "UTC":
        today = timezone.now().date()
        calendar.add_component(Timezone.from_tzid(fallback_zone, first_date=today, last_date=today + timedelta(366)))
    return calendar


def _ordered(sessions: QuerySet[GroupSession]) -> QuerySet[GroupSession]:
    return sessions.select_related("series").order_by("starts_at", "pk")


def series_ics(series: GroupSeries) -> bytes:
    """Every session of the series, cancelled ones included."""
    sessions = _ordered(GroupSession.objects.filter(series=series))
    uid = f"series-{series.pk}@{UID_DOMAIN}"
    ics: bytes = build_calendar(series.title, uid, sessions, series.timezone).to_ical()
    return ics


def my_sessions(user: User, now: datetime | None = None) -> QuerySet[GroupSession]:
    """The sessions a user goes to: of series they facilitate, and for a participant, series they have a
    place in (not those they are only waiting for). The last year and everything to come."""
    since = (now or timezone.now()) - HISTORY
    mine = Q(series__facilitators__user=user)
    if user.role == Role.PARTICIPANT:
        mine |= Q(
            series__registrations__participant__user=user, series__registrations__status=RegistrationStatus.REGISTERED
        )
    sessions = GroupSession.objects.filter(mine, series__in=series_visible_to(user), starts_at__gte=since)
    return _ordered(GroupSession.objects.filter(pk__in=sessions.values("pk")))


def mine_ics(user: User) -> bytes:
    zone = user.organization.timezone if user.organization else "UTC"
    uid = f"user-{user.pk}-sessions@{UID_DOMAIN}"
    ics: bytes = build_calendar("My group sessions", uid, my_sessions(user), zone).to_ical()
    return ics


# --- private feed addresses ------------------------------------------------------------------------


def live_feed(user: User) -> CalendarFeed:
    """The user's current private feed, made on first use."""
    feed = CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).first()
    if feed is not None:
        return feed
    try:
        with transaction.atomic():
            return CalendarFeed.objects.create(user=user)
    except IntegrityError:  # a second request made it at the same moment (one live feed per user)
        return CalendarFeed.objects.get(user=user, revoked_at__isnull=True)


@transaction.atomic
def renew_feed(user: User) -> CalendarFeed:
    """Revokes the user's feed address (anyone holding the old one loses access at once) and issues a new one."""
    CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    return CalendarFeed.objects.create(user=user)


def feed_owner(token: str) -> User | None:
    """The active user whose live feed this token is, or None (unknown, revoked, or the login is inactive)."""
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token=token, revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    return feed.user if feed else None
