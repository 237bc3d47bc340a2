"""/api/v1/curricula/: a program's session plans per kind of series (topics, and the key functions and
activities of each session). New series copy one onto their sessions.

Staff of the program's organization read them; administrators and coordinators write them through
services.save_curriculum (a 400 saves nothing). /api/v1/curricula/defaults/ lists the built-in templates
(groups.curricula) to start from: post one back with a program to make it the program's own.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from alongside.api_common import CodeListField, ManagersMayWrite, ScopedPrimaryKeyField, acting_user, service_errors
from alongside.groups.api.common import curricula_visible_to
from alongside.groups.curricula import DEFAULT_CURRICULA
from alongside.groups.models import CurriculumItem, CurriculumTemplate, GroupKind
from alongside.groups.services import CurriculumSession, save_curriculum
from alongside.people.access import programs_visible_to
from alongside.programs.models import Program
from alongside.taxonomy import ACTIVITIES, KeyFunction

ACTIVITY_CHOICES = [(a.code, a.label) for a in ACTIVITIES]


class CurriculumItemSerializer(serializers.ModelSerializer[CurriculumItem]):
    functions = serializers.ListField(child=serializers.ChoiceField(choices=KeyFunction.choices), read_only=True)
    activities = serializers.ListField(child=serializers.CharField(), read_only=True, help_text="Activity codes.")

    class Meta:
        model = CurriculumItem
        fields = ["number", "topic", "description", "functions", "activities"]
        read_only_fields = fields


class CurriculumSerializer(serializers.ModelSerializer[CurriculumTemplate]):
    program_name = serializers.CharField(source="program.name", read_only=True)
    sessions = CurriculumItemSerializer(source="items", many=True, read_only=True)

    class Meta:
        model = CurriculumTemplate
        fields = ["id", "program", "program_name", "kind", "name", "description", "sessions", "created_at"]
        read_only_fields = fields


class DefaultSessionSerializer(serializers.Serializer[Any]):
    topic = serializers.CharField()
    description = serializers.CharField()
    functions = serializers.ListField(child=serializers.ChoiceField(choices=KeyFunction.choices))
    activities = serializers.ListField(child=serializers.CharField())


class DefaultCurriculumSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    kind = serializers.ChoiceField(choices=GroupKind.choices)
    name = serializers.CharField()
    description = serializers.CharField()
    sessions = DefaultSessionSerializer(many=True)


class CurriculumSessionInputSerializer(serializers.Serializer[dict[str, Any]]):
    topic = serializers.CharField(allow_blank=True, max_length=200)
    description = serializers.CharField(allow_blank=True, default="")
    functions = CodeListField(choices=KeyFunction.choices, noun="key function", help_text="At least one.")
    activities = CodeListField(choices=ACTIVITY_CHOICES, noun="activity", default=list)


class CurriculumTextSerializer(serializers.Serializer[dict[str, Any]]):
    kind = serializers.ChoiceField(choices=GroupKind.choices)
    name = serializers.CharField(allow_blank=True, max_length=200, help_text="Unique within the program.")
    description = serializers.CharField(allow_blank=True, default="")
    sessions = CurriculumSessionInputSerializer(many=True, help_text="In order; numbered from 1.")


class CurriculumInputSerializer(CurriculumTextSerializer):
    program = ScopedPrimaryKeyField(programs_visible_to, noun="program", queryset=Program.objects.none())


class CurriculumFilter(django_filters.FilterSet):
    program = django_filters.NumberFilter()
    kind = django_filters.ChoiceFilter(choices=GroupKind.choices)

    class Meta:
        model = CurriculumTemplate
        fields = ["program", "kind"]


def _sessions(data: list[dict[str, Any]]) -> list[CurriculumSession]:
    return [
        CurriculumSession(
            topic=s["topic"], functions=s["functions"], description=s["description"], activities=s["activities"]
        )
        for s in data
    ]


@extend_schema_view(
    list=extend_schema(summary="Curricula you can see", description="Filter by ?program=, ?kind=."),
    retrieve=extend_schema(summary="One curriculum"),
)
class CurriculumViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[CurriculumTemplate]):
    """Session plans: what each session of a workshop, group visit or support group covers, and which of
    the four key functions it serves. Series already made from a curriculum keep their own copy."""

    serializer_class = CurriculumSerializer
    permission_classes = [IsAuthenticated, ManagersMayWrite]
    filterset_class = CurriculumFilter
    http_method_names = ["get", "post", "put", "head", "options"]

    def get_queryset(self) -> QuerySet[CurriculumTemplate]:
        return (
            curricula_visible_to(self.request.user)
            .select_related("program")
            .prefetch_related(Prefetch("items", CurriculumItem.objects.order_by("number")))
            .order_by("program", "kind", "name", "pk")
        )

    def _render(self, template: CurriculumTemplate, status: int = 200) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=template.pk)).data, status=status)

    @extend_schema(
        summary="Create a curriculum", request=CurriculumInputSerializer, responses={201: CurriculumSerializer}
    )
    def create(self, request: Request) -> Response:
        parsed = CurriculumInputSerializer(data=request.data, context=self.get_serializer_context())
        parsed.is_valid(raise_exception=True)
        data = parsed.validated_data
        with service_errors():
            template = save_curriculum(
                acting_user(request),
                data["program"],
                data["kind"],
                data["name"],
                _sessions(data["sessions"]),
                description=data["description"],
            )
        return self._render(template, status=201)

    @extend_schema(
        summary="Replace a curriculum",
        description="Replaces its sessions; series made from it keep theirs.",
        request=CurriculumTextSerializer,
        responses=CurriculumSerializer,
    )
    def update(self, request: Request, pk: str) -> Response:
        template = self.get_object()
        parsed = CurriculumTextSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        data = parsed.validated_data
        with service_errors():
            save_curriculum(
                acting_user(request),
                template.program,
                data["kind"],
                data["name"],
                _sessions(data["sessions"]),
                description=data["description"],
                template=template,
            )
        return self._render(template)

    @extend_schema(
        summary="Built-in curricula to start from",
        responses=DefaultCurriculumSerializer(many=True),
        filters=False,
    )
    @action(detail=False, methods=["get"], filterset_class=None, pagination_class=None)
    def defaults(self, request: Request) -> Response:
        return Response(DefaultCurriculumSerializer(DEFAULT_CURRICULA, many=True).data)


def register(router: DefaultRouter) -> None:
    router.register("curricula", CurriculumViewSet, basename="curriculum")
