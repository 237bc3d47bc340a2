"""/api/v1/group-registrations/: who has a place in a series, and who is waiting.

Names go only to those who may see a series' roster (groups.access.can_see_roster); a participant lists
their own registrations and nobody else's. Administrators and coordinators register people (a place if
one is free, else the end of the waiting list; the answer says which) and drop them (the first person
waiting takes the place). Every answer that names participants writes the access log.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from alongside.api_common import (
    ManagersMayWrite,
    ParticipantRecordViewSet,
    ScopedPrimaryKeyField,
    acting_user,
    service_errors,
)
from alongside.groups import services
from alongside.groups.access import series_visible_to
from alongside.groups.api.common import registrations_visible_to
from alongside.groups.models import GroupSeries, Registration, RegistrationStatus
from alongside.people.access import participants_visible_to
from alongside.people.models import Participant


def with_waitlist_position(registrations: QuerySet[Registration]) -> QuerySet[Registration]:
    """Annotates waitlist_position: 1 for the first person waiting (first come, first served, as
    services._promote_waiting fills places), null for everyone not waiting. One subquery."""
    ahead = (
        Registration.objects.filter(series=OuterRef("series"), status=RegistrationStatus.WAITLISTED)
        .filter(Q(joined_at__lt=OuterRef("joined_at")) | Q(joined_at=OuterRef("joined_at"), pk__lte=OuterRef("pk")))
        .values("series")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return registrations.annotate(
        waitlist_position=Coalesce(Subquery(ahead, output_field=IntegerField()), Value(0)),
    )


class RegistrationSerializer(serializers.ModelSerializer[Registration]):
    series_title = serializers.CharField(source="series.title", read_only=True)
    participant_name = serializers.CharField(source="participant.full_name", read_only=True)
    waitlist_position = serializers.SerializerMethodField(
        help_text="Place on the waiting list (1 = next to get a place); null when not waiting."
    )

    class Meta:
        model = Registration
        fields = [
            "id",
            "series",
            "series_title",
            "participant",
            "participant_name",
            "enrollment",
            "status",
            "waitlist_position",
            "joined_at",
            "promoted_at",
            "dropped_at",
            "drop_reason",
        ]
        read_only_fields = fields

    def get_waitlist_position(self, registration: Registration) -> int | None:
        if registration.status != RegistrationStatus.WAITLISTED:
            return None
        return int(getattr(registration, "waitlist_position", 0)) or None


class RegistrationResultSerializer(RegistrationSerializer):
    message = serializers.SerializerMethodField(help_text="Registered or waitlisted, in words.")

    class Meta(RegistrationSerializer.Meta):
        fields = [*RegistrationSerializer.Meta.fields, "message"]
        read_only_fields = fields

    def get_message(self, registration: Registration) -> str:
        name = registration.participant.full_name
        if registration.status == RegistrationStatus.WAITLISTED:
            position = self.get_waitlist_position(registration)
            return f"The series is full: {name} is number {position} on the waiting list."
        return f"{name} has a place in {registration.series.title}."


class RegistrationInputSerializer(serializers.Serializer[dict[str, Any]]):
    series = ScopedPrimaryKeyField(series_visible_to, noun="group series", queryset=GroupSeries.objects.none())
    participant = ScopedPrimaryKeyField(
        participants_visible_to, noun="participant", queryset=Participant.objects.none()
    )


class DropInputSerializer(serializers.Serializer[dict[str, Any]]):
    reason = serializers.CharField(allow_blank=True, default="", max_length=300)


class RegistrationFilter(django_filters.FilterSet):
    series = django_filters.NumberFilter()
    participant = django_filters.NumberFilter()
    status = django_filters.ChoiceFilter(choices=RegistrationStatus.choices)

    class Meta:
        model = Registration
        fields = ["series", "participant", "status"]


@extend_schema_view(
    list=extend_schema(
        summary="Registrations you can see",
        description="Filter by ?series=, ?participant=, ?status=. Participants see their own only.",
    ),
    retrieve=extend_schema(summary="One registration"),
)
class RegistrationViewSet(ParticipantRecordViewSet[Registration]):
    """A participant's place in a group series, or on its waiting list. One per participant and series:
    dropping out keeps the row (and the attendance already taken)."""

    serializer_class = RegistrationSerializer
    permission_classes = [IsAuthenticated, ManagersMayWrite]
    filterset_class = RegistrationFilter
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[Registration]:
        return (
            with_waitlist_position(registrations_visible_to(self.request.user))
            .select_related("participant", "series")
            .order_by("series", "joined_at", "pk")
        )

    @extend_schema(
        summary="Register a participant",
        description="A place if one is free, otherwise the end of the waiting list: `status` and `message` say "
        "which. Someone who dropped out can be registered again.",
        request=RegistrationInputSerializer,
        responses={201: RegistrationResultSerializer},
    )
    def create(self, request: Request) -> Response:
        parsed = RegistrationInputSerializer(data=request.data, context=self.get_serializer_context())
        parsed.is_valid(raise_exception=True)
        data = parsed.validated_data
        with service_errors():
            registration = services.register(acting_user(request), data["series"], data["participant"])
        fresh = self.get_queryset().get(pk=registration.pk)
        self.log_participant_access([fresh])
        return Response(RegistrationResultSerializer(fresh, context=self.get_serializer_context()).data, status=201)

    @extend_schema(
        summary="Drop a participant",
        description="Takes them off the series or its waiting list; the first person waiting gets the place.",
        request=DropInputSerializer,
        responses=RegistrationSerializer,
    )
    @action(detail=True, methods=["post"])
    def drop(self, request: Request, pk: str) -> Response:
        registration = self.get_object()
        parsed = DropInputSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        with service_errors():
            services.drop(acting_user(request), registration, parsed.validated_data["reason"])
        return self.render(registration)


def register(router: DefaultRouter) -> None:
    router.register("group-registrations", RegistrationViewSet, basename="group-registration")
