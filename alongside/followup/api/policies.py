"""/api/v1/cadence-policies/, /api/v1/follow-up-rules/ and /api/v1/call-guides/: a program's (or one
enrolment's) cadence, a program's follow-up rules, and its call guides per language.

Like programs.api: reads are scoped through people.access (out of scope is a 404), writes are for
administrators and coordinators and go through followup.services, whose ValidationError becomes a 400 with
the same field errors the settings pages show; a 400 saves nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.settings import api_settings

from alongside.api_common import (
    ManagersMayWrite,
    ParticipantRecordViewSet,
    ScopedPrimaryKeyField,
    acting_user,
    service_errors,
)
from alongside.followup.cadence import PRESETS, CadenceKind
from alongside.followup.models import GAP_FIELDS, CadencePolicy, CallGuide, FollowUpRules
from alongside.followup.services import (
    GAP_LIMITS,
    RULE_LIMITS,
    cadence_from_form,
    clear_enrollment_cadence,
    save_cadence,
    save_call_guide,
    save_rules,
)
from alongside.people.access import enrollments_visible_to, programs_visible_to
from alongside.programs.models import Enrollment, Program
from alongside.taxonomy import LANGUAGE_CHOICES, KeyFunction

# ------------------------------------------------------------------------------------------------ cadences


class CadencePhaseSerializer(serializers.Serializer[Any]):
    every_days = serializers.IntegerField()
    until_day = serializers.IntegerField()


class CadenceWindowSerializer(serializers.Serializer[Any]):
    start_day = serializers.IntegerField()
    end_day = serializers.IntegerField()


class CadencePolicySerializer(serializers.ModelSerializer[CadencePolicy]):
    description = serializers.SerializerMethodField(help_text="The cadence in words.")
    phases = serializers.SerializerMethodField()
    windows = serializers.SerializerMethodField(
        help_text="Windows in days since enrolment (phases expanded); empty for an interval cadence."
    )

    class Meta:
        model = CadencePolicy
        fields = [
            "id",
            "program",
            "enrollment",
            "kind",
            "preset",
            "description",
            "interval_days",
            "grace_days",
            "phases",
            "windows",
            "updated_by",
            "updated_at",
        ]
        read_only_fields = fields

    def get_description(self, policy: CadencePolicy) -> str:
        return policy.as_cadence().describe()

    @extend_schema_field(CadencePhaseSerializer(many=True))
    def get_phases(self, policy: CadencePolicy) -> list[dict[str, int]]:
        return [{"every_days": p.every_days, "until_day": p.until_day} for p in policy.as_cadence().phases]

    @extend_schema_field(CadenceWindowSerializer(many=True))
    def get_windows(self, policy: CadencePolicy) -> list[dict[str, int]]:
        return [{"start_day": w.start_day, "end_day": w.end_day} for w in policy.windows.all()]


class CadenceInputSerializer(serializers.Serializer[dict[str, Any]]):
    """A cadence: a preset, or kind with its fields. Shapes only; followup.services checks the rest (and
    says what is wrong in the same words as the settings page)."""

    preset = serializers.ChoiceField(
        choices=[(p.code, p.label) for p in PRESETS],
        required=False,
        allow_blank=True,
        help_text="A published protocol; when given, the other cadence fields are ignored.",
    )
    kind = serializers.ChoiceField(choices=CadenceKind.choices, required=False)
    interval_days = serializers.IntegerField(required=False, allow_null=True, help_text="Interval cadences.")
    grace_days = serializers.IntegerField(
        required=False, allow_null=True, help_text="Days late before overdue (interval and phases)."
    )
    phases = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Phases cadences: e.g. “every 7 days until day 56; every 30 days until day 300”.",
    )
    windows = serializers.CharField(
        required=False, allow_blank=True, help_text="Windows cadences: days since enrolment, e.g. “7-10, 14-18”."
    )


class CadencePolicyInputSerializer(CadenceInputSerializer):
    program = ScopedPrimaryKeyField(
        programs_visible_to,
        noun="program",
        queryset=Program.objects.none(),
        required=False,
        allow_null=True,
        help_text="The program whose cadence this is; or give enrollment instead.",
    )
    enrollment = ScopedPrimaryKeyField(
        enrollments_visible_to,
        noun="enrolment",
        queryset=Enrollment.objects.none(),
        required=False,
        allow_null=True,
        help_text="One enrolment's own cadence, replacing its program's.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if (attrs.get("program") is None) == (attrs.get("enrollment") is None):
            raise serializers.ValidationError("Give either program or enrollment (one of them).")
        return attrs


class CadencePolicyFilter(django_filters.FilterSet):
    program = django_filters.NumberFilter(
        method="filter_program", label="The program's cadence and its enrolments' own cadences"
    )
    enrollment = django_filters.NumberFilter()
    kind = django_filters.ChoiceFilter(choices=CadenceKind.choices)

    class Meta:
        model = CadencePolicy
        fields = ["program", "enrollment", "kind"]

    def filter_program(self, queryset: QuerySet[CadencePolicy], name: str, value: int) -> QuerySet[CadencePolicy]:
        return queryset.filter(Q(program=value) | Q(enrollment__program=value))


def _save_cadence_from(request: Request, data: dict[str, Any], policy: CadencePolicy | None = None) -> CadencePolicy:
    program = data.get("program") if policy is None else policy.program
    enrollment = data.get("enrollment") if policy is None else policy.enrollment
    with service_errors():
        cadence = cadence_from_form(data)
        return save_cadence(
            acting_user(request), cadence, program=program, enrollment=enrollment, preset=data.get("preset") or ""
        )


@extend_schema_view(
    list=extend_schema(
        summary="Cadences you can see", description="Filter by ?program= (with its enrolments'), ?enrollment=, ?kind="
    ),
    retrieve=extend_schema(summary="One cadence"),
)
class CadencePolicyViewSet(ParticipantRecordViewSet[CadencePolicy]):
    """How often participants are contacted: one cadence per program, and optionally one per enrolment
    that replaces its program's. Saving one recalculates the due windows of everyone it applies to.
    Reading an enrolment's own cadence writes the access log."""

    serializer_class = CadencePolicySerializer
    permission_classes = [IsAuthenticated, ManagersMayWrite]
    filterset_class = CadencePolicyFilter
    http_method_names = ["get", "post", "put", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[CadencePolicy]:
        user = self.request.user
        return (
            CadencePolicy.objects.filter(
                Q(program__in=programs_visible_to(user)) | Q(enrollment__in=enrollments_visible_to(user))
            )
            .select_related("enrollment")
            .prefetch_related("windows")
            .order_by("pk")
        )

    def participant_ids(self, rows: Sequence[CadencePolicy]) -> list[int]:
        # Program cadences name nobody; an enrolment's own cadence is part of that participant's record.
        return [row.enrollment.participant_id for row in rows if row.enrollment is not None]

    @extend_schema(
        summary="Set a program's or an enrolment's cadence",
        description="Replaces the cadence the program (or enrolment) has, if any: 201 when new, 200 when replaced.",
        request=CadencePolicyInputSerializer,
        responses={201: CadencePolicySerializer, 200: CadencePolicySerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        parsed = CadencePolicyInputSerializer(data=request.data, context=self.get_serializer_context())
        parsed.is_valid(raise_exception=True)
        data = parsed.validated_data
        existed = CadencePolicy.objects.filter(
            Q(program=data["program"]) if data.get("program") else Q(enrollment=data["enrollment"])
        ).exists()
        policy = _save_cadence_from(request, data)
        return self.render(policy, status=200 if existed else 201)

    @extend_schema(summary="Change a cadence", request=CadenceInputSerializer, responses=CadencePolicySerializer)
    def update(self, request: Request, pk: str) -> Response:
        policy = self.get_object()
        parsed = CadenceInputSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        return self.render(_save_cadence_from(request, parsed.validated_data, policy))

    @extend_schema(
        summary="Remove an enrolment's own cadence",
        description="The enrolment follows its program's cadence again. A program's cadence cannot be removed.",
        responses={204: None},
    )
    def destroy(self, request: Request, pk: str) -> Response:
        policy = self.get_object()
        if policy.enrollment is None:
            raise serializers.ValidationError(
                {api_settings.NON_FIELD_ERRORS_KEY: ["A program's cadence can be changed but not removed."]}
            )
        with service_errors():
            clear_enrollment_cadence(acting_user(request), policy.enrollment)
        return Response(status=204)


# --------------------------------------------------------------------------------------------------- rules


def _rules_help(name: str) -> str:
    low, high = RULE_LIMITS[name]
    help_text = getattr(FollowUpRules._meta.get_field(name), "help_text", "")
    return f"{help_text} ({low}-{high})"


class FollowUpRulesSerializer(serializers.ModelSerializer[FollowUpRules]):
    is_default = serializers.SerializerMethodField(help_text="True when the program has not set its own rules.")

    class Meta:
        model = FollowUpRules
        fields = [
            "program",
            *RULE_LIMITS,
            *GAP_FIELDS.values(),
            "quiet_start",
            "quiet_end",
            "is_default",
            "updated_by",
            "updated_at",
        ]
        read_only_fields = fields

    def get_is_default(self, rules: FollowUpRules) -> bool:
        return rules.pk is None


class FollowUpRulesInputSerializer(serializers.Serializer[dict[str, Any]]):
    """PUT needs every field, PATCH any of them. Ranges are checked by followup.services."""

    retry_after_days = serializers.IntegerField(allow_null=True, help_text=_rules_help("retry_after_days"))
    max_failed_attempts = serializers.IntegerField(allow_null=True, help_text=_rules_help("max_failed_attempts"))
    failed_attempts_window_days = serializers.IntegerField(
        allow_null=True, help_text=_rules_help("failed_attempts_window_days")
    )
    no_contact_days = serializers.IntegerField(allow_null=True, help_text=_rules_help("no_contact_days"))
    never_contacted_days = serializers.IntegerField(allow_null=True, help_text=_rules_help("never_contacted_days"))
    quiet_start = serializers.TimeField(help_text="No calls from this time (participant's local time) ...")
    quiet_end = serializers.TimeField(help_text="... until this time; must differ from quiet_start.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for function in KeyFunction:
            self.fields[GAP_FIELDS[function.value]] = serializers.IntegerField(
                allow_null=True,
                help_text=f"{function.label}: flag after this many days without it "
                f"({GAP_LIMITS[0]}-{GAP_LIMITS[1]}); null for no check.",
            )


def _rules_of(programs: Sequence[Program]) -> list[FollowUpRules]:
    saved = {r.program_id: r for r in FollowUpRules.objects.filter(program__in=programs)}
    return [saved.get(p.pk) or FollowUpRules(program=p) for p in programs]


PROGRAM_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The program's id.")


@extend_schema_view(
    list=extend_schema(summary="The follow-up rules of every program you can see"),
    retrieve=extend_schema(summary="A program's follow-up rules", parameters=[PROGRAM_ID]),
)
class FollowUpRulesViewSet(viewsets.GenericViewSet[Any]):  # addressed by Program, renders FollowUpRules
    """A program's retry, disengagement, function-gap and quiet-hours rules, addressed by the program's id.
    A program that never saved rules shows the defaults (is_default). Administrators and coordinators
    change them; saving recalculates the follow-up state of the program's enrolments."""

    serializer_class = FollowUpRulesSerializer
    permission_classes = [IsAuthenticated, ManagersMayWrite]
    http_method_names = ["get", "put", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Program]:
        return programs_visible_to(self.request.user).order_by("pk")

    def list(self, request: Request) -> Response:
        programs = self.paginate_queryset(self.get_queryset())
        assert programs is not None  # pagination is on for every list
        return self.get_paginated_response(self.get_serializer(_rules_of(programs), many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.get_serializer(_rules_of([self.get_object()])[0]).data)

    @extend_schema(
        summary="Replace a program's follow-up rules",
        parameters=[PROGRAM_ID],
        request=FollowUpRulesInputSerializer,
        responses=FollowUpRulesSerializer,
    )
    def update(self, request: Request, pk: str) -> Response:
        return self._save(request, partial=False)

    @extend_schema(
        summary="Change some of a program's follow-up rules",
        parameters=[PROGRAM_ID],
        request=FollowUpRulesInputSerializer,
        responses=FollowUpRulesSerializer,
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        return self._save(request, partial=True)

    def _save(self, request: Request, *, partial: bool) -> Response:
        program = self.get_object()
        parsed = FollowUpRulesInputSerializer(data=request.data, partial=partial)
        parsed.is_valid(raise_exception=True)
        with service_errors():
            rules = save_rules(acting_user(request), program, dict(parsed.validated_data))
        return Response(self.get_serializer(rules).data)


# ------------------------------------------------------------------------------------------------ call guides


class CallGuideSerializer(serializers.ModelSerializer[CallGuide]):
    prompt_lines = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = CallGuide
        fields = ["id", "program", "language", "script", "prompts", "prompt_lines", "updated_by", "updated_at"]
        read_only_fields = fields


class CallGuideTextSerializer(serializers.Serializer[dict[str, Any]]):
    script = serializers.CharField(allow_blank=True, trim_whitespace=False, help_text="Opening and closing.")
    prompts = serializers.CharField(
        allow_blank=True, required=False, default="", trim_whitespace=False, help_text="One prompt per line."
    )


class CallGuideInputSerializer(CallGuideTextSerializer):
    program = ScopedPrimaryKeyField(programs_visible_to, noun="program", queryset=Program.objects.none())
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, help_text="ISO 639-1 code.")


class CallGuideFilter(django_filters.FilterSet):
    program = django_filters.NumberFilter()
    language = django_filters.ChoiceFilter(choices=LANGUAGE_CHOICES)

    class Meta:
        model = CallGuide
        fields = ["program", "language"]


@extend_schema_view(
    list=extend_schema(summary="Call guides you can see", description="Filter by ?program=, ?language=."),
    retrieve=extend_schema(summary="One call guide"),
)
class CallGuideViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[CallGuide]):
    """What supporters say on a call, per program and language: a script and prompts. Administrators and
    coordinators write them; there is one per program and language."""

    serializer_class = CallGuideSerializer
    permission_classes = [IsAuthenticated, ManagersMayWrite]
    filterset_class = CallGuideFilter
    http_method_names = ["get", "post", "put", "head", "options"]

    def get_queryset(self) -> QuerySet[CallGuide]:
        return CallGuide.objects.filter(program__in=programs_visible_to(self.request.user)).order_by("pk")

    @extend_schema(
        summary="Write a program's call guide in a language",
        description="Replaces the guide in that language if there is one: 201 when new, 200 when replaced.",
        request=CallGuideInputSerializer,
        responses={201: CallGuideSerializer, 200: CallGuideSerializer},
    )
    def create(self, request: Request) -> Response:
        parsed = CallGuideInputSerializer(data=request.data, context=self.get_serializer_context())
        parsed.is_valid(raise_exception=True)
        data = parsed.validated_data
        existed = CallGuide.objects.filter(program=data["program"], language=data["language"]).exists()
        with service_errors():
            guide = save_call_guide(
                acting_user(request), data["program"], data["language"], data["script"], data["prompts"]
            )
        return Response(self.get_serializer(guide).data, status=200 if existed else 201)

    @extend_schema(summary="Rewrite a call guide", request=CallGuideTextSerializer, responses=CallGuideSerializer)
    def update(self, request: Request, pk: str) -> Response:
        guide = self.get_object()
        parsed = CallGuideTextSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        data = parsed.validated_data
        with service_errors():
            guide = save_call_guide(
                acting_user(request), guide.program, guide.language, data["script"], data["prompts"]
            )
        return Response(self.get_serializer(guide).data)


def register(router: DefaultRouter) -> None:
    router.register("cadence-policies", CadencePolicyViewSet, basename="cadence-policy")
    router.register("follow-up-rules", FollowUpRulesViewSet, basename="follow-up-rules")
    router.register("call-guides", CallGuideViewSet, basename="call-guide")
