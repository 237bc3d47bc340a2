"""Pieces the group endpoints share: local clock times, the scopes of ids a request may name, and the
checks that turn "your role may not" into a 403 before any input is parsed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from alongside.accounts.models import Role, User
from alongside.groups.access import series_visible_to
from alongside.groups.models import CurriculumTemplate, Registration
from alongside.people.access import programs_visible_to


@extend_schema_field(OpenApiTypes.STR)
class LocalDateTimeField(serializers.Field[datetime, datetime, str, Any]):
    """An ISO 8601 date-time as the series' local clock time, e.g. "2025-03-04T18:00". Session times are
    local because a weekly 18:00 session stays at 18:00 across daylight-saving changes. With
    `allow_offset`, a time with an offset ("2025-03-04T18:00-05:00") is taken as that instant."""

    default_error_messages = {
        "invalid": "Give a date and time as YYYY-MM-DDTHH:MM, e.g. 2025-03-04T18:00.",
        "offset": "Give the local clock time without an offset; the series' time zone applies.",
    }

    def __init__(self, *, allow_offset: bool = False, **kwargs: Any) -> None:
        self.allow_offset = allow_offset
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> datetime:
        try:
            value = datetime.fromisoformat(str(data).strip())
        except ValueError:
            self.fail("invalid")
        if value.tzinfo is not None and not self.allow_offset:
            self.fail("offset")
        return value.replace(second=0, microsecond=0)

    def to_representation(self, value: datetime) -> str:
        return value.replace(tzinfo=None).isoformat(timespec="minutes")


def local_start(value: datetime, zone: Any) -> str:
    """An aware instant as the naive local clock time in `zone`, e.g. "2025-03-04T18:00"."""
    return value.astimezone(zone).replace(tzinfo=None).isoformat(timespec="minutes")


def colleagues_of(user: User | AnonymousUser) -> QuerySet[User]:
    """Logins a manager may name as facilitators: active users of their own organization (the service
    checks their role)."""
    if not isinstance(user, User) or not user.is_active:
        return User.objects.none()
    users = User.objects.filter(is_active=True)
    return users if user.is_superuser else users.filter(organization=user.organization_id)


def curricula_visible_to(user: User | AnonymousUser) -> QuerySet[CurriculumTemplate]:
    """Curricula of the programs the user sees; participants read none (they see their sessions' topics)."""
    if isinstance(user, User) and user.role == Role.PARTICIPANT and not user.is_superuser:
        return CurriculumTemplate.objects.none()
    return CurriculumTemplate.objects.filter(program__in=programs_visible_to(user))


def registrations_visible_to(user: User | AnonymousUser) -> QuerySet[Registration]:
    """Registrations with names (access.can_see_roster): whoever runs or manages the series and the
    program's clinical leads. A participant sees their own registrations only; an evaluator none."""
    if not isinstance(user, User) or not user.is_active:
        return Registration.objects.none()
    if not user.is_superuser and user.role == Role.PARTICIPANT:
        return Registration.objects.filter(participant__user=user)
    if not user.is_superuser and user.role == Role.EVALUATOR:
        return Registration.objects.none()
    return Registration.objects.filter(series__in=series_visible_to(user))


def deny_unless(allowed: bool, message: str) -> None:
    """403 when the role may not do this (checked before parsing, so the answer does not depend on the
    input). Out-of-scope records were already a 404."""
    if not allowed:
        raise PermissionDenied(message)


def may_run_sessions(user: User | AnonymousUser) -> bool:
    """Whether the role can take attendance or edit a session anywhere (access.can_run_session decides per
    series): checked before parsing so participants and evaluators get a 403 whatever they send."""
    if not isinstance(user, User) or not user.is_active:
        return False
    return user.is_superuser or user.role not in (Role.PARTICIPANT, Role.EVALUATOR)
