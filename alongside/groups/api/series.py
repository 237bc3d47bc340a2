"""/api/v1/group-series/: group visits, workshops and support groups with their schedule.

Reads are scoped by groups.access.series_visible_to (out of scope is a 404). Administrators and coordinators
create, change and cancel series and add sessions; the services check everything and a 400 saves nothing.
The registrations of a series (names) are for those who may see its roster, never for participants.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from alongside.accounts.models import Role, User
from alongside.api_common import CodeListField, ManagersMayWrite, ScopedPrimaryKeyField, acting_user, service_errors
from alongside.audit.models import AccessChannel
from alongside.audit.services import log_access
from alongside.groups import recurrence, services
from alongside.groups.access import can_manage_series, can_see_roster, series_visible_to
from alongside.groups.api.common import (
    LocalDateTimeField,
    colleagues_of,
    curricula_visible_to,
    deny_unless,
    registrations_visible_to,
)
from alongside.groups.api.registrations import RegistrationSerializer, with_waitlist_position
from alongside.groups.api.sessions import GroupSessionSerializer, SessionSummarySerializer
from alongside.groups.models import (
    DEFAULT_CAPACITY,
    DEFAULT_DURATION_MINUTES,
    CurriculumTemplate,
    Facilitator,
    FacilitatorRole,
    GroupKind,
    GroupSeries,
    GroupSession,
    Registration,
    RegistrationStatus,
)
from alongside.groups.queries import series_figures
from alongside.people.access import programs_visible_to
from alongside.programs.models import Program
from alongside.taxonomy import LANGUAGE_CHOICES, KeyFunction

# ------------------------------------------------------------------------------------------ representation


class FacilitatorSerializer(serializers.ModelSerializer[Facilitator]):
    name = serializers.CharField(source="user.display_name", read_only=True)

    class Meta:
        model = Facilitator
        fields = ["user", "name", "role"]
        read_only_fields = fields


class CompletionSerializer(serializers.Serializer[Any]):
    min_attended = serializers.IntegerField()
    of_sessions = serializers.IntegerField()
    text = serializers.CharField(help_text="The rule in words.")


class GroupSeriesSerializer(serializers.ModelSerializer[GroupSeries]):
    program_name = serializers.CharField(source="program.name", read_only=True)
    recurrence_description = serializers.SerializerMethodField(help_text="The schedule in words.")
    completion = serializers.SerializerMethodField()
    facilitators = FacilitatorSerializer(many=True, read_only=True)
    sessions = SessionSummarySerializer(many=True, read_only=True, help_text="The schedule, in order.")
    registered = serializers.IntegerField(read_only=True, help_text="People with a place.")
    waitlisted = serializers.IntegerField(read_only=True, help_text="People on the waiting list.")
    warnings = serializers.SerializerMethodField(
        help_text="What a coordinator should fix (shown to managers; empty for everyone else)."
    )

    class Meta:
        model = GroupSeries
        fields = [
            "id",
            "program",
            "program_name",
            "kind",
            "title",
            "description",
            "language",
            "venue",
            "online_url",
            "capacity",
            "registered",
            "waitlisted",
            "timezone",
            "duration_minutes",
            "recurrence",
            "recurrence_description",
            "curriculum",
            "completion",
            "is_cancelled",
            "facilitators",
            "sessions",
            "warnings",
            "created_at",
        ]
        read_only_fields = fields

    def get_recurrence_description(self, series: GroupSeries) -> str:
        return recurrence.describe(series.recurrence)

    @extend_schema_field(CompletionSerializer)
    def get_completion(self, series: GroupSeries) -> dict[str, Any]:
        return {
            "min_attended": series.completion_min_attended,
            "of_sessions": series.completion_of_sessions,
            "text": series.completion_rule_text,
        }

    def get_warnings(self, series: GroupSeries) -> list[str]:
        if not can_manage_series(self.context["request"].user, series):
            return []
        return services.series_warnings(series)


class WarningsSerializer(serializers.Serializer[Any]):
    warnings = serializers.ListField(child=serializers.CharField())


class SeriesFiguresSerializer(serializers.Serializer[Any]):
    planned = serializers.IntegerField(help_text="Sessions not cancelled.")
    held = serializers.IntegerField(help_text="Sessions already started.")
    finished = serializers.BooleanField()
    registered = serializers.IntegerField()
    waitlisted = serializers.IntegerField()
    dropped = serializers.IntegerField()
    starters = serializers.IntegerField(help_text="People who attended at least one session.")
    completers = serializers.IntegerField(help_text="Starters who meet the completion rule.")
    completion_rate = serializers.FloatField(allow_null=True, help_text="Completers among starters.")
    mean_attendance = serializers.FloatField(allow_null=True, help_text="Sessions attended per starter.")


# ------------------------------------------------------------------------------------------------- input


class FacilitatorInputSerializer(serializers.Serializer[dict[str, Any]]):
    user = ScopedPrimaryKeyField(colleagues_of, noun="user", queryset=User.objects.none())
    role = serializers.ChoiceField(choices=FacilitatorRole.choices)


class SeriesCreateSerializer(serializers.Serializer[dict[str, Any]]):
    """A new series. Session times are local clock times in `timezone`: give `first_session` and a
    recurrence rule, or `custom_dates`. Shapes only; groups.services checks the rest."""

    program = ScopedPrimaryKeyField(programs_visible_to, noun="program", queryset=Program.objects.none())
    kind = serializers.ChoiceField(choices=GroupKind.choices)
    title = serializers.CharField(allow_blank=True)
    description = serializers.CharField(allow_blank=True, default="")
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, default="en")
    venue = serializers.CharField(allow_blank=True, default="", max_length=300)
    online_url = serializers.CharField(allow_blank=True, default="", help_text="https:// video link.")
    capacity = serializers.IntegerField(required=False, allow_null=True, help_text="Places; default by kind.")
    timezone = serializers.CharField(
        allow_blank=True, default="", help_text="IANA zone of the session times; default: the organization's."
    )
    duration_minutes = serializers.IntegerField(required=False, allow_null=True, help_text="Default by kind.")
    recurrence = serializers.CharField(
        allow_blank=True, default="", help_text="RFC 5545 rule without DTSTART, e.g. FREQ=WEEKLY;COUNT=6."
    )
    first_session = LocalDateTimeField(
        required=False, allow_null=True, help_text="Local date-time of the first session, e.g. 2025-03-04T18:00."
    )
    custom_dates = serializers.ListField(
        child=LocalDateTimeField(), default=list, help_text="Local date-times, instead of a rule."
    )
    curriculum = ScopedPrimaryKeyField(
        curricula_visible_to,
        noun="curriculum",
        queryset=CurriculumTemplate.objects.none(),
        required=False,
        allow_null=True,
        help_text="Copied onto the sessions by number.",
    )
    facilitators = FacilitatorInputSerializer(many=True, default=list)
    completion = serializers.ListField(
        child=serializers.IntegerField(),
        min_length=2,
        max_length=2,
        required=False,
        allow_null=True,
        help_text="[min attended, of sessions]; default: the program's rule for the kind.",
    )


class SeriesUpdateSerializer(serializers.Serializer[dict[str, Any]]):
    """Any of these; facilitators, when given, replace the list."""

    title = serializers.CharField(allow_blank=True, required=False)
    description = serializers.CharField(allow_blank=True, required=False)
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, required=False)
    venue = serializers.CharField(allow_blank=True, required=False, max_length=300)
    online_url = serializers.CharField(allow_blank=True, required=False)
    capacity = serializers.IntegerField(
        required=False, help_text="Not below the people registered; raising it fills places from the waiting list."
    )
    completion = serializers.ListField(
        child=serializers.IntegerField(), min_length=2, max_length=2, required=False, help_text="[min, of]."
    )
    facilitators = FacilitatorInputSerializer(many=True, required=False)


class AddSessionSerializer(serializers.Serializer[dict[str, Any]]):
    starts_at = LocalDateTimeField(
        allow_offset=True, help_text="Local clock time (2025-03-04T18:00) or an instant with an offset."
    )
    topic = serializers.CharField(allow_blank=True, default="", max_length=200)
    functions = CodeListField(choices=KeyFunction.choices, noun="key function", default=list)


class CancelSeriesSerializer(serializers.Serializer[dict[str, Any]]):
    reason = serializers.CharField(allow_blank=True, max_length=300, help_text="Required; everyone sees it.")


class SeriesFilter(django_filters.FilterSet):
    program = django_filters.NumberFilter()
    kind = django_filters.ChoiceFilter(choices=GroupKind.choices)
    is_cancelled = django_filters.BooleanFilter()

    class Meta:
        model = GroupSeries
        fields = ["program", "kind", "is_cancelled"]


def _count(status: str) -> Coalesce:
    return Coalesce(
        Subquery(
            Registration.objects.filter(series=OuterRef("pk"), status=status)
            .values("series")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def _facilitators(data: list[dict[str, Any]]) -> list[tuple[User, str]]:
    return [(f["user"], f["role"]) for f in data]


# ------------------------------------------------------------------------------------------------ the view


@extend_schema_view(
    list=extend_schema(summary="Group series you can see", description="Filter by ?program=, ?kind=, ?is_cancelled=."),
    retrieve=extend_schema(summary="One group series with its schedule"),
)
class GroupSeriesViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[GroupSeries]):
    """Group visits (model 1), self-management workshops (model 2) and support groups (model 5): a run of
    sessions with facilitators, places and a waiting list. Administrators and coordinators create and
    change them; facilitators, clinical leads and the organization's staff read them; participants read
    the series they are registered in."""

    serializer_class = GroupSeriesSerializer
    permission_classes = [IsAuthenticated, ManagersMayWrite]
    filterset_class = SeriesFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[GroupSeries]:
        return (
            series_visible_to(self.request.user)
            .select_related("program")
            .prefetch_related(
                Prefetch("facilitators", Facilitator.objects.select_related("user")),
                Prefetch("sessions", GroupSession.objects.select_related("series").order_by("starts_at", "pk")),
            )
            .annotate(
                registered=_count(RegistrationStatus.REGISTERED), waitlisted=_count(RegistrationStatus.WAITLISTED)
            )
            .order_by("program", "title", "pk")
        )

    def _render(self, series: GroupSeries, status: int = 200) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=series.pk)).data, status=status)

    @extend_schema(
        summary="Create a series",
        description="Generates the sessions from the rule (or the dates) and copies the curriculum onto them. "
        "The answer lists what still needs fixing under `warnings`; the series is saved regardless.",
        request=SeriesCreateSerializer,
        responses={201: GroupSeriesSerializer},
    )
    def create(self, request: Request) -> Response:
        parsed = SeriesCreateSerializer(data=request.data, context=self.get_serializer_context())
        parsed.is_valid(raise_exception=True)
        data = parsed.validated_data
        kind = data["kind"]
        completion = data.get("completion")
        series_input = services.SeriesInput(
            program=data["program"],
            kind=kind,
            title=data["title"],
            first_session=data.get("first_session"),
            recurrence=data["recurrence"],
            custom_dates=data["custom_dates"],
            description=data["description"],
            language=data["language"],
            venue=data["venue"],
            online_url=data["online_url"],
            capacity=data["capacity"] if data.get("capacity") is not None else DEFAULT_CAPACITY[kind],
            timezone=data["timezone"],
            duration_minutes=(
                data["duration_minutes"] if data.get("duration_minutes") is not None else DEFAULT_DURATION_MINUTES[kind]
            ),
            curriculum=data.get("curriculum"),
            facilitators=_facilitators(data["facilitators"]),
            completion=(completion[0], completion[1]) if completion else None,
        )
        with service_errors():
            series = services.create_series(acting_user(request), series_input)
        return self._render(series, status=201)

    @extend_schema(
        summary="Change a series",
        description="Title, description, language, venue, online link, capacity, completion rule, facilitators. "
        "All or nothing.",
        request=SeriesUpdateSerializer,
        responses=GroupSeriesSerializer,
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        series = self.get_object()
        user = acting_user(request)
        deny_unless(can_manage_series(user, series), "Only the organization's managers change a series.")
        parsed = SeriesUpdateSerializer(data=request.data, context=self.get_serializer_context())
        parsed.is_valid(raise_exception=True)
        data = dict(parsed.validated_data)
        facilitators = data.pop("facilitators", None)
        # Both writes in one transaction: a bad facilitator list undoes the field changes too.
        with service_errors(), transaction.atomic():
            if data:
                services.update_series(user, series, data)
            if facilitators is not None:
                services.set_facilitators(user, series, _facilitators(facilitators))
        return self._render(series)

    @extend_schema(
        summary="Cancel a series",
        description="Cancels every session still to come; sessions already held keep their attendance.",
        request=CancelSeriesSerializer,
        responses=GroupSeriesSerializer,
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        series = self.get_object()
        parsed = CancelSeriesSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        with service_errors():
            services.cancel_series(acting_user(request), series, parsed.validated_data["reason"])
        return self._render(series)

    @extend_schema(
        summary="Add a session",
        description="An extra session (a make-up meeting, a booster); it takes the next number.",
        request=AddSessionSerializer,
        responses={201: GroupSessionSerializer},
    )
    @action(detail=True, methods=["post"])
    def add_session(self, request: Request, pk: str) -> Response:
        series = self.get_object()
        parsed = AddSessionSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        data = parsed.validated_data
        with service_errors():
            session = services.add_session(
                acting_user(request), series, data["starts_at"], topic=data["topic"], functions=data["functions"]
            )
        session = GroupSession.objects.select_related("series").get(pk=session.pk)
        return Response(GroupSessionSerializer(session, context=self.get_serializer_context()).data, status=201)

    @extend_schema(summary="What to fix before the series runs", request=None, responses=WarningsSerializer)
    @action(detail=True, methods=["get"])
    def warnings(self, request: Request, pk: str) -> Response:
        series = self.get_object()
        deny_unless(not _is_participant(request.user), "Participants do not see a series' set-up warnings.")
        return Response({"warnings": services.series_warnings(series)})

    @extend_schema(summary="The series' attendance and completion figures", responses=SeriesFiguresSerializer)
    @action(detail=True, methods=["get"])
    def figures(self, request: Request, pk: str) -> Response:
        series = self.get_object()
        deny_unless(not _is_participant(request.user), "Participants do not see a series' figures.")
        figures = series_figures(GroupSeries.objects.filter(pk=series.pk))[series.pk]
        return Response(SeriesFiguresSerializer(figures).data)

    @extend_schema(
        summary="The people registered and waiting",
        description="Names, for those who run, manage or clinically lead the series (not participants).",
        responses=RegistrationSerializer(many=True),
        filters=False,
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def registrations(self, request: Request, pk: str) -> Response:
        series = self.get_object()
        deny_unless(can_see_roster(request.user, series), "Your role does not see who is in this series.")
        rows = list(
            with_waitlist_position(registrations_visible_to(request.user).filter(series=series))
            .select_related("participant", "series")
            .order_by("status", "joined_at", "pk")
        )
        log_access(request.user, [r.participant_id for r in rows], AccessChannel.API, request.path)
        return Response(RegistrationSerializer(rows, many=True, context=self.get_serializer_context()).data)


def _is_participant(user: Any) -> bool:
    return isinstance(user, User) and user.role == Role.PARTICIPANT and not user.is_superuser


def register(router: DefaultRouter) -> None:
    router.register("group-series", GroupSeriesViewSet, basename="group-series")
