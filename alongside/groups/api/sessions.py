"""/api/v1/group-sessions/: the concrete sessions of the series the caller sees, and the changes to one
session (cancel, reinstate, move, what it covered). Every change touches that session only and raises its
iCalendar SEQUENCE, so subscribed calendars pick it up.

Managers cancel, reinstate and move sessions; the series' facilitators may also record what a session
covered. Anyone else who sees the session gets a 403 for a change; out of scope is a 404.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from alongside.api_common import CodeListField, acting_user, service_errors
from alongside.groups import services
from alongside.groups.access import can_manage_series, can_run_session, sessions_visible_to
from alongside.groups.api.common import LocalDateTimeField, deny_unless, local_start
from alongside.groups.models import GroupSession, SessionStatus
from alongside.groups.services import MAX_DURATION_MINUTES
from alongside.taxonomy import ACTIVITIES, KeyFunction

MANAGERS_ONLY = "Only administrators and coordinators of the program's organization change the schedule."


class GroupSessionSerializer(serializers.ModelSerializer[GroupSession]):
    series_title = serializers.CharField(source="series.title", read_only=True)
    timezone = serializers.CharField(source="series.timezone", read_only=True)
    local_start = serializers.SerializerMethodField(help_text="The start as the series' local clock time.")
    ends_at = serializers.DateTimeField(read_only=True)
    was_moved = serializers.BooleanField(read_only=True)
    functions = serializers.ListField(
        child=serializers.ChoiceField(choices=KeyFunction.choices),
        read_only=True,
        help_text="Key functions the session serves.",
    )
    activities = serializers.ListField(child=serializers.CharField(), read_only=True, help_text="Activity codes.")

    class Meta:
        model = GroupSession
        fields = [
            "id",
            "series",
            "series_title",
            "number",
            "starts_at",
            "ends_at",
            "local_start",
            "starts_on",
            "timezone",
            "duration_minutes",
            "status",
            "cancel_reason",
            "original_starts_at",
            "was_moved",
            "is_added",
            "topic",
            "description",
            "functions",
            "activities",
            "sequence",
        ]
        read_only_fields = fields

    def get_local_start(self, session: GroupSession) -> str:
        return local_start(session.starts_at, session.series.zone)


class SessionSummarySerializer(serializers.ModelSerializer[GroupSession]):
    """A session as a line of its series' schedule."""

    local_start = serializers.SerializerMethodField(help_text="The start as the series' local clock time.")
    was_moved = serializers.BooleanField(read_only=True)

    class Meta:
        model = GroupSession
        fields = ["id", "number", "starts_at", "local_start", "duration_minutes", "status", "topic", "was_moved"]
        read_only_fields = fields

    def get_local_start(self, session: GroupSession) -> str:
        return local_start(session.starts_at, session.series.zone)


class CancelInputSerializer(serializers.Serializer[dict[str, Any]]):
    reason = serializers.CharField(
        allow_blank=True, max_length=300, help_text="Why; participants and leaders see it (required)."
    )


class MoveInputSerializer(serializers.Serializer[dict[str, Any]]):
    starts_at = LocalDateTimeField(
        allow_offset=True,
        help_text="The new start: the series' local clock time (2025-03-04T18:00), or an instant with an offset.",
    )
    duration_minutes = serializers.IntegerField(
        required=False, allow_null=True, help_text=f"Optional new length, 1-{MAX_DURATION_MINUTES} minutes."
    )


class ContentInputSerializer(serializers.Serializer[dict[str, Any]]):
    topic = serializers.CharField(allow_blank=True, help_text="At most 200 characters.")
    description = serializers.CharField(allow_blank=True, default="")
    functions = CodeListField(choices=KeyFunction.choices, noun="key function", help_text="Key functions served.")
    activities = CodeListField(
        choices=[(a.code, a.label) for a in ACTIVITIES],
        noun="activity",
        required=False,
        help_text="Activity codes; leave out to keep the session's activities.",
    )


class GroupSessionFilter(django_filters.FilterSet):
    series = django_filters.NumberFilter()
    since = django_filters.DateFilter(field_name="starts_on", lookup_expr="gte", label="On or after (local day)")
    until = django_filters.DateFilter(field_name="starts_on", lookup_expr="lte", label="On or before (local day)")
    status = django_filters.ChoiceFilter(choices=SessionStatus.choices)

    class Meta:
        model = GroupSession
        fields = ["series", "since", "until", "status"]


@extend_schema_view(
    list=extend_schema(
        summary="Group sessions you can see",
        description="Filter by ?series=, ?since= and ?until= (days on the series' own calendar), ?status=.",
    ),
    retrieve=extend_schema(summary="One group session"),
)
class GroupSessionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[GroupSession]):
    """Sessions of the series you can see (participants: the series they are registered in). Times are
    given as instants (starts_at) and as the series' local clock time (local_start, in `timezone`)."""

    serializer_class = GroupSessionSerializer
    filterset_class = GroupSessionFilter

    def get_queryset(self) -> QuerySet[GroupSession]:
        return sessions_visible_to(self.request.user).select_related("series").order_by("starts_at", "pk")

    def _render(self, session: GroupSession, status: int = 200) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=session.pk)).data, status=status)

    @extend_schema(
        summary="Cancel a session",
        description="It stays on the schedule and in calendars, marked cancelled. A session with attendance "
        "was held and cannot be cancelled.",
        request=CancelInputSerializer,
        responses=GroupSessionSerializer,
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        session = self.get_object()
        deny_unless(can_manage_series(request.user, session.series), MANAGERS_ONLY)
        parsed = CancelInputSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        with service_errors():
            services.cancel_session(acting_user(request), session, parsed.validated_data["reason"])
        return self._render(session)

    @extend_schema(summary="Reinstate a cancelled session", request=None, responses=GroupSessionSerializer)
    @action(detail=True, methods=["post"])
    def reinstate(self, request: Request, pk: str) -> Response:
        session = self.get_object()
        deny_unless(can_manage_series(request.user, session.series), MANAGERS_ONLY)
        with service_errors():
            services.reinstate_session(acting_user(request), session)
        return self._render(session)

    @extend_schema(
        summary="Move a session",
        description="Only this session moves; it keeps its number. Not into the past, not once attendance is taken.",
        request=MoveInputSerializer,
        responses=GroupSessionSerializer,
    )
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str) -> Response:
        session = self.get_object()
        deny_unless(can_manage_series(request.user, session.series), MANAGERS_ONLY)
        parsed = MoveInputSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        data = parsed.validated_data
        with service_errors():
            services.move_session(acting_user(request), session, data["starts_at"], data.get("duration_minutes"))
        return self._render(session)

    @extend_schema(
        summary="Record what a session covers",
        description="Topic, notes, the key functions it serves and its activities. Facilitators and managers.",
        request=ContentInputSerializer,
        responses=GroupSessionSerializer,
    )
    @action(detail=True, methods=["post"])
    def content(self, request: Request, pk: str) -> Response:
        session = self.get_object()
        deny_unless(
            can_run_session(request.user, session.series),
            "Only the series' facilitators and managers can edit a session.",
        )
        parsed = ContentInputSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        data = parsed.validated_data
        with service_errors():
            services.edit_session_content(
                acting_user(request),
                session,
                topic=data["topic"],
                description=data["description"],
                functions=data["functions"],
                activities=data.get("activities"),
            )
        return self._render(session)


def register(router: DefaultRouter) -> None:
    router.register("group-sessions", GroupSessionViewSet, basename="group-session")
