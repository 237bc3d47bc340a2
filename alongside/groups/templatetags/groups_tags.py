"""Group series on other apps' pages, without touching their views: the sessions a supporter leads today
(on Today) and a participant's own groups (on My record). Plus small formatting filters for figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django import template
from django.db.models import Q
from django.utils import timezone

from alongside.accounts.models import User
from alongside.groups.models import GroupSession, Registration, RegistrationStatus
from alongside.groups.queries import sessions_led_by
from alongside.people.models import Participant
from alongside.taxonomy import LANGUAGE_NAMES, KeyFunction

register = template.Library()

# Sessions listed per series on My record.
NEXT_SESSIONS = 3


@register.inclusion_tag("groups/_sessions_today.html", takes_context=True)
def group_sessions_today(context: template.Context) -> dict[str, Any]:
    """The sessions the logged-in user leads today (their organization's day), for the Today page."""
    from alongside.groups.views.series import organization_today

    user = context.get("user")
    if not isinstance(user, User):
        return {"sessions": []}
    return {"sessions": list(sessions_led_by(user, organization_today(user)))}


@dataclass
class MyGroup:
    registration: Registration
    position: int | None = None  # on the waiting list
    sessions: list[GroupSession] = field(default_factory=list)


@register.inclusion_tag("groups/_my_registrations.html", takes_context=True)
def my_group_registrations(context: template.Context, participant: Participant) -> dict[str, Any]:
    """A participant's own registrations with the next sessions of each series. Only ever the viewer's
    own record: anyone else gets nothing."""
    user = context.get("user")
    if not isinstance(user, User) or participant.user_id != user.pk:
        return {"groups": []}
    rank: dict[str, int] = {
        RegistrationStatus.REGISTERED: 0,
        RegistrationStatus.WAITLISTED: 1,
        RegistrationStatus.DROPPED: 2,
    }
    registrations = sorted(
        Registration.objects.filter(participant=participant).select_related("series__program"),
        key=lambda r: (rank.get(r.status, 3), r.series.title),
    )
    # A session still on now (started but not over) is "next" too.
    since = timezone.now() - timedelta(hours=8)
    open_ids = [r.series_id for r in registrations if r.status != RegistrationStatus.DROPPED]
    upcoming: dict[int, list[GroupSession]] = {}
    for session in GroupSession.objects.filter(series__in=open_ids, starts_at__gte=since).select_related("series"):
        if session.ends_at >= timezone.now() and len(upcoming.setdefault(session.series_id, [])) < NEXT_SESSIONS:
            upcoming[session.series_id].append(session)
    groups = []
    for registration in registrations:
        position = None
        if registration.status == RegistrationStatus.WAITLISTED:
            position = (
                Registration.objects.filter(series=registration.series_id, status=RegistrationStatus.WAITLISTED)
                .filter(
                    Q(joined_at__lt=registration.joined_at)
                    | Q(joined_at=registration.joined_at, pk__lt=registration.pk)
                )
                .count()
                + 1
            )
        groups.append(MyGroup(registration, position, upcoming.get(registration.series_id, [])))
    return {"groups": groups}


@register.filter
def percent(value: float | None) -> str:
    """0.75 -> "75%"; no value -> an en dash (nothing to divide by)."""
    return "–" if value is None else f"{round(value * 100)}%"


@register.filter
def one_decimal(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


@register.filter
def plain_number(value: float | None) -> str:
    """6.0 -> "6", 5.5 -> "5.5"."""
    if value is None:
        return "–"
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


@register.filter
def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


@register.filter
def function_pairs(record: Any) -> list[tuple[str, str]]:
    """(code, label) of the key functions a session (or curriculum item) serves, for coloured badges."""
    return [(code, KeyFunction(code).label) for code in record.functions]
