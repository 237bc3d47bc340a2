"""/api/v1/action-plans/, /api/v1/measurements/ and /api/v1/measurement-thresholds/.

Thin like the pages: serializers parse, selfcare.access scopes, selfcare.services write. Out-of-scope
records are 404 (an id in the body that names one is a 400 on that field, as everywhere in the API); bad
input is a 400 with the services' field errors and saves nothing; a role that may not write is a 403.
Every response that shows a participant's plans or readings writes the access log.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.views import APIView

from alongside.accounts.models import Role, User
from alongside.api_common import (
    ManagersMayWrite,
    ParticipantRecordViewSet,
    ScopedPrimaryKeyField,
    acting_user,
    service_errors,
)
from alongside.contacts.models import Contact
from alongside.groups.access import sessions_visible_to
from alongside.groups.models import GroupSession
from alongside.people.access import contacts_visible_to, programs_visible_to
from alongside.programs.models import Enrollment, Program
from alongside.safety.models import Concern
from alongside.selfcare.access import (
    can_see_thresholds,
    may_record_some_measurement,
    may_write_some_plan,
    measurements_visible_to,
    plans_visible_to,
    selfcare_enrollments_visible_to,
)
from alongside.selfcare.models import (
    ActionPlan,
    ActionPlanStatus,
    GlucoseContext,
    Measurement,
    MeasurementKind,
    MeasurementThresholds,
    ReviewOutcome,
)
from alongside.selfcare.services import (
    THRESHOLD_LIMITS,
    ActionPlanInput,
    create_action_plan,
    record_measurement,
    review_action_plan,
    save_thresholds,
    withdraw_action_plan,
)
from alongside.selfcare.units import CANONICAL_UNIT, UNITS, canonical_display
from alongside.taxonomy import KeyFunction


def _enrollments(user: User | AnonymousUser) -> QuerySet[Enrollment]:
    return selfcare_enrollments_visible_to(user).select_related("participant", "program__organization")


def _contacts(user: User | AnonymousUser) -> QuerySet[Contact]:
    return contacts_visible_to(user)


def _sessions(user: User | AnonymousUser) -> QuerySet[GroupSession]:
    return sessions_visible_to(user).select_related("series__program")


def _plans(user: User | AnonymousUser) -> QuerySet[ActionPlan]:
    return plans_visible_to(user)


def _contact_field(help_text: str) -> ScopedPrimaryKeyField:
    return ScopedPrimaryKeyField(
        _contacts, noun="contact", queryset=Contact.objects.none(), required=False, allow_null=True, help_text=help_text
    )


def _session_field(help_text: str) -> ScopedPrimaryKeyField:
    return ScopedPrimaryKeyField(
        _sessions,
        noun="group session",
        queryset=GroupSession.objects.none(),
        required=False,
        allow_null=True,
        help_text=help_text,
    )


# ------------------------------------------------------------------------------------------- action plans


class PlansWritable(BasePermission):
    message = "Your role cannot set or review action plans."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in SAFE_METHODS or may_write_some_plan(request.user)


class ActionPlanSerializer(serializers.ModelSerializer[ActionPlan]):
    participant_name = serializers.CharField(source="participant.full_name", read_only=True)
    program = serializers.IntegerField(source="enrollment.program_id", read_only=True)
    summary = serializers.CharField(read_only=True, help_text="What, how much, when, how often, in words.")
    functions = serializers.SerializerMethodField(
        help_text="Plans serve daily management; they do not count as deliveries by themselves."
    )

    class Meta:
        model = ActionPlan
        fields = [
            "id",
            "participant",
            "participant_name",
            "enrollment",
            "program",
            "what",
            "how_much",
            "when",
            "days_per_week",
            "confidence",
            "low_confidence_kept",
            "summary",
            "functions",
            "status",
            "set_in_contact",
            "set_in_session",
            "revises",
            "created_by",
            "created_at",
            "review_outcome",
            "review_note",
            "reviewed_by",
            "reviewed_at",
            "reviewed_in_contact",
            "reviewed_in_session",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=KeyFunction.choices)))
    def get_functions(self, plan: ActionPlan) -> list[str]:
        return [KeyFunction.DAILY_MANAGEMENT.value]


class ActionPlanInputSerializer(serializers.Serializer[dict[str, Any]]):
    """A new plan. Shapes only; selfcare.services checks the rest (and words the low-confidence prompt)."""

    enrollment = ScopedPrimaryKeyField(
        _enrollments, noun="enrolment", queryset=Enrollment.objects.none(), help_text="The enrolment the plan is in."
    )
    what = serializers.CharField(allow_blank=True, default="", help_text="The action, e.g. “walk”.")
    how_much = serializers.CharField(allow_blank=True, default="", help_text="e.g. “around the block”.")
    when = serializers.CharField(allow_blank=True, default="", help_text="e.g. “after lunch”.")
    days_per_week = serializers.IntegerField(help_text="How often: 1-7.")
    confidence = serializers.IntegerField(help_text="0 (not at all) to 10 (totally sure). Below 7 asks to revise.")
    keep_low_confidence = serializers.BooleanField(
        default=False, help_text="Keep the plan although confidence is below 7 (the person chose to)."
    )
    contact = _contact_field("The contact the plan was made in, if any.")
    session = _session_field("The group session the plan was made at, if any.")
    revises = ScopedPrimaryKeyField(
        _plans,
        noun="action plan",
        queryset=ActionPlan.objects.none(),
        required=False,
        allow_null=True,
        help_text="The active plan, set today, that this one replaces (it becomes withdrawn).",
    )


class ReviewInputSerializer(serializers.Serializer[dict[str, Any]]):
    outcome = serializers.ChoiceField(choices=ReviewOutcome.choices)
    note = serializers.CharField(allow_blank=True, default="", max_length=300)
    contact = _contact_field("The contact the plan was reviewed in, if any.")
    session = _session_field("The group session the plan was reviewed at, if any.")


class WithdrawInputSerializer(serializers.Serializer[dict[str, Any]]):
    note = serializers.CharField(allow_blank=True, default="", max_length=300, help_text="Why (optional).")


class ActionPlanFilter(django_filters.FilterSet):
    participant = django_filters.NumberFilter()
    enrollment = django_filters.NumberFilter()
    status = django_filters.ChoiceFilter(choices=ActionPlanStatus.choices)

    class Meta:
        model = ActionPlan
        fields = ["participant", "enrollment", "status"]


@extend_schema_view(
    list=extend_schema(
        summary="Action plans you can see", description="Filter by ?participant=, ?enrollment=, ?status="
    ),
    retrieve=extend_schema(summary="One action plan"),
)
class ActionPlanViewSet(ParticipantRecordViewSet[ActionPlan]):
    """Action plans: what, how much, when, how often and confidence 0-10; one active plan per enrolment,
    reviewed (done, partly, not done) at the next session or contact. The participant sets their own;
    assigned supporters in any channel; facilitators at a session of their series; coordinators,
    supervisors and admins for their organization. Reading writes the access log."""

    serializer_class = ActionPlanSerializer
    permission_classes = [IsAuthenticated, PlansWritable]
    filterset_class = ActionPlanFilter
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[ActionPlan]:
        plans = plans_visible_to(self.request.user).select_related("participant", "enrollment")
        return plans.order_by("-created_at", "-pk")

    @extend_schema(
        summary="Set an action plan",
        description="Confidence below 7 is a 400 on confidence asking to make the plan smaller or easier, unless "
        "keep_low_confidence. With an active plan, it must be reviewed first (400 on revises) or, if set today, "
        "named in revises. Nothing is saved on a 400. A role that may not set plans here is a 403.",
        request=ActionPlanInputSerializer,
        responses={201: ActionPlanSerializer},
    )
    def create(self, request: Request) -> Response:
        parsed = ActionPlanInputSerializer(data=request.data, context=self.get_serializer_context())
        parsed.is_valid(raise_exception=True)
        data = parsed.validated_data
        plan_input = ActionPlanInput(
            what=data["what"],
            how_much=data["how_much"],
            when=data["when"],
            days_per_week=data["days_per_week"],
            confidence=data["confidence"],
        )
        with service_errors():
            plan = create_action_plan(
                acting_user(request),
                data["enrollment"],
                plan_input,
                contact=data.get("contact"),
                session=data.get("session"),
                keep_low_confidence=data["keep_low_confidence"],
                revises=data.get("revises"),
            )
        return self.render(plan, status=201)

    @extend_schema(
        summary="Review an action plan",
        description="Closes the active plan with how it went. 400 when it is not active.",
        request=ReviewInputSerializer,
        responses={200: ActionPlanSerializer},
    )
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str) -> Response:
        plan = self.get_object()
        parsed = ReviewInputSerializer(data=request.data, context=self.get_serializer_context())
        parsed.is_valid(raise_exception=True)
        data = parsed.validated_data
        with service_errors():
            plan = review_action_plan(
                acting_user(request),
                plan,
                data["outcome"],
                data["note"],
                contact=data.get("contact"),
                session=data.get("session"),
            )
        return self.render(plan)

    @extend_schema(
        summary="Withdraw an action plan",
        description="Closes the active plan without a review. 400 when it is not active.",
        request=WithdrawInputSerializer,
        responses={200: ActionPlanSerializer},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        plan = self.get_object()
        parsed = WithdrawInputSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        with service_errors():
            plan = withdraw_action_plan(acting_user(request), plan, parsed.validated_data["note"])
        return self.render(plan)


# ------------------------------------------------------------------------------------------- measurements


class MeasurementsWritable(BasePermission):
    message = "Your role cannot record readings."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in SAFE_METHODS or may_record_some_measurement(request.user)


class MeasurementConcernSerializer(serializers.ModelSerializer[Concern]):
    class Meta:
        model = Concern
        fields = ["id", "tier", "reason", "raised_at", "acknowledged_at"]
        read_only_fields = fields


UNITS_HELP = "; ".join(f"{MeasurementKind(kind).label}: {' or '.join(units)}" for kind, units in UNITS.items())


class MeasurementSerializer(serializers.ModelSerializer[Measurement]):
    participant_name = serializers.CharField(source="participant.full_name", read_only=True)
    program = serializers.IntegerField(source="enrollment.program_id", read_only=True, allow_null=True)
    canonical_unit = serializers.SerializerMethodField(help_text="mmHg, kg, % or mg/dL.")
    canonical_display = serializers.SerializerMethodField(help_text="e.g. “8.0 %”.")
    display_value = serializers.CharField(read_only=True, help_text="As entered, e.g. “64 mmol/mol”.")
    concern = serializers.SerializerMethodField(help_text="The concern this reading raised, if any.")

    class Meta:
        model = Measurement
        fields = [
            "id",
            "participant",
            "participant_name",
            "enrollment",
            "program",
            "kind",
            "value",
            "value2",
            "unit",
            "display_value",
            "canonical_value",
            "canonical_unit",
            "canonical_display",
            "glucose_context",
            "taken_at",
            "session",
            "contact",
            "recorded_by",
            "recorded_at",
            "concern",
        ]
        read_only_fields = fields

    def get_canonical_unit(self, m: Measurement) -> str:
        return CANONICAL_UNIT[m.kind]

    def get_canonical_display(self, m: Measurement) -> str:
        return canonical_display(m.kind, m.canonical_value, m.value2)

    @extend_schema_field(MeasurementConcernSerializer(allow_null=True))
    def get_concern(self, m: Measurement) -> dict[str, Any] | None:
        request = self.context.get("request")
        # Concerns are staff's working notes (as on the timeline): the person's own view leaves them out.
        if m.concern is None or (request is not None and getattr(request.user, "role", "") == Role.PARTICIPANT):
            return None
        return dict(MeasurementConcernSerializer(m.concern).data)


class MeasurementInputSerializer(serializers.Serializer[dict[str, Any]]):
    """One reading. Shapes only; selfcare.services checks the unit for the kind, the plausible range and
    the context, converts to the canonical unit and raises a concern past the program's thresholds."""

    enrollment = ScopedPrimaryKeyField(
        _enrollments, noun="enrolment", queryset=Enrollment.objects.none(), help_text="Whose reading, in which program."
    )
    kind = serializers.ChoiceField(choices=MeasurementKind.choices)
    value = serializers.DecimalField(max_digits=7, decimal_places=2, help_text="The systolic, for blood pressure.")
    value2 = serializers.DecimalField(
        max_digits=7, decimal_places=2, required=False, allow_null=True, help_text="Diastolic (blood pressure only)."
    )
    unit = serializers.CharField(help_text=UNITS_HELP)
    glucose_context = serializers.ChoiceField(
        choices=GlucoseContext.choices, required=False, allow_blank=True, default="", help_text="Glucose only."
    )
    taken_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="Default: the session's or contact's time, or now."
    )
    contact = _contact_field("The contact the reading was taken in, if any.")
    session = _session_field("The group session the reading was taken at, if any.")


class MeasurementFilter(django_filters.FilterSet):
    participant = django_filters.NumberFilter()
    enrollment = django_filters.NumberFilter()
    session = django_filters.NumberFilter()
    kind = django_filters.ChoiceFilter(choices=MeasurementKind.choices)
    since = django_filters.IsoDateTimeFilter(field_name="taken_at", lookup_expr="gte", label="Taken at or after")

    class Meta:
        model = Measurement
        fields = ["participant", "enrollment", "session", "kind", "since"]


@extend_schema_view(
    list=extend_schema(
        summary="Readings you can see",
        description="Newest first. Filter by ?participant=, ?enrollment=, ?session=, ?kind=, ?since=.",
    ),
    retrieve=extend_schema(summary="One reading"),
)
class MeasurementViewSet(ParticipantRecordViewSet[Measurement]):
    """Readings (blood pressure, weight, HbA1c, glucose) kept as entered and in canonical units. Recorded
    by facilitators at their sessions, assigned supporters, clinical leads and organization-wide roles;
    participants read their own. A reading past the program's thresholds raises a concern at once.
    Readings are a record: no edit or delete. Reading writes the access log."""

    serializer_class = MeasurementSerializer
    permission_classes = [IsAuthenticated, MeasurementsWritable]
    filterset_class = MeasurementFilter
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[Measurement]:
        return (
            measurements_visible_to(self.request.user)
            .select_related("participant", "enrollment", "concern")
            .order_by("-taken_at", "-pk")
        )

    @extend_schema(
        summary="Record a reading",
        description="A wrong unit, an implausible value or a bad context is a 400 with field errors and saves "
        "nothing. The response includes the concern raised, if the value is past the program's thresholds. "
        f"Units: {UNITS_HELP}.",
        request=MeasurementInputSerializer,
        responses={201: MeasurementSerializer},
    )
    def create(self, request: Request) -> Response:
        parsed = MeasurementInputSerializer(data=request.data, context=self.get_serializer_context())
        parsed.is_valid(raise_exception=True)
        data = parsed.validated_data
        enrollment: Enrollment = data["enrollment"]
        with service_errors():
            measurement = record_measurement(
                acting_user(request),
                enrollment.participant,
                enrollment,
                data["kind"],
                data["value"],
                data.get("value2"),
                unit=data["unit"],
                taken_at=data.get("taken_at"),
                session=data.get("session"),
                contact=data.get("contact"),
                glucose_context=data.get("glucose_context") or "",
            )
        return self.render(measurement, status=201)


# ------------------------------------------------------------------------------------------- thresholds


class MeasurementThresholdsSerializer(serializers.ModelSerializer[MeasurementThresholds]):
    is_default = serializers.SerializerMethodField(help_text="True when the program has not saved its own.")

    class Meta:
        model = MeasurementThresholds
        fields = ["program", *THRESHOLD_LIMITS, "is_default", "updated_by", "updated_at"]
        read_only_fields = fields

    def get_is_default(self, t: MeasurementThresholds) -> bool:
        return t.pk is None


def _threshold_help(name: str) -> str:
    low, high = THRESHOLD_LIMITS[name]
    help_text = getattr(MeasurementThresholds._meta.get_field(name), "help_text", "")
    return f"{help_text} ({low}-{high})"


class MeasurementThresholdsInputSerializer(serializers.Serializer[dict[str, Any]]):
    """PUT needs every threshold, PATCH any of them. Ranges and order are checked by selfcare.services."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in THRESHOLD_LIMITS:
            self.fields[name] = serializers.IntegerField(help_text=_threshold_help(name))


PROGRAM_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The program's id.")


def _thresholds_of(programs: list[Program]) -> list[MeasurementThresholds]:
    saved = {t.program_id: t for t in MeasurementThresholds.objects.filter(program__in=programs)}
    return [saved.get(p.pk) or MeasurementThresholds(program=p) for p in programs]


@extend_schema_view(
    list=extend_schema(summary="The reading thresholds of every program you can see"),
    retrieve=extend_schema(summary="A program's reading thresholds", parameters=[PROGRAM_ID]),
)
class MeasurementThresholdsViewSet(viewsets.GenericViewSet[Any]):  # addressed by Program
    """A program's safety thresholds for readings (mg/dL and mmHg), addressed by the program's id. A program
    that never saved its own shows the defaults (is_default). Administrators and coordinators change them."""

    serializer_class = MeasurementThresholdsSerializer
    permission_classes = [IsAuthenticated, ManagersMayWrite]
    http_method_names = ["get", "put", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Program]:
        if not can_see_thresholds(self.request.user):
            return Program.objects.none()
        return programs_visible_to(self.request.user).order_by("pk")

    def list(self, request: Request) -> Response:
        programs = self.paginate_queryset(self.get_queryset())
        assert programs is not None  # pagination is on for every list
        return self.get_paginated_response(self.get_serializer(_thresholds_of(list(programs)), many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.get_serializer(_thresholds_of([self.get_object()])[0]).data)

    @extend_schema(
        summary="Replace a program's reading thresholds",
        parameters=[PROGRAM_ID],
        request=MeasurementThresholdsInputSerializer,
        responses=MeasurementThresholdsSerializer,
    )
    def update(self, request: Request, pk: str) -> Response:
        return self._save(request, partial=False)

    @extend_schema(
        summary="Change some of a program's reading thresholds",
        parameters=[PROGRAM_ID],
        request=MeasurementThresholdsInputSerializer,
        responses=MeasurementThresholdsSerializer,
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        return self._save(request, partial=True)

    def _save(self, request: Request, *, partial: bool) -> Response:
        program = self.get_object()
        parsed = MeasurementThresholdsInputSerializer(data=request.data, partial=partial)
        parsed.is_valid(raise_exception=True)
        with service_errors():
            thresholds = save_thresholds(acting_user(request), program, dict(parsed.validated_data))
        return Response(self.get_serializer(thresholds).data)


def register(router: DefaultRouter) -> None:
    router.register("action-plans", ActionPlanViewSet, basename="action-plan")
    router.register("measurements", MeasurementViewSet, basename="measurement")
    router.register("measurement-thresholds", MeasurementThresholdsViewSet, basename="measurement-thresholds")
