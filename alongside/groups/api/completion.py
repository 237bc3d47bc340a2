"""/api/v1/completion-rules/: each program's completion rule per kind of series ("attended at least N of
every M sessions"), addressed by the program's id. A kind without its own rule shows the default
(models.DEFAULT_COMPLETION, e.g. 4 of 6 for workshops) with is_default. New series copy the rule; series
already set up keep theirs. Administrators and coordinators change them, all kinds in one call, all or
nothing.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from alongside.api_common import ManagersMayWrite, acting_user, service_errors
from alongside.groups.models import GroupKind
from alongside.groups.program_settings import rule_lines, save_completion_rules
from alongside.people.access import programs_visible_to
from alongside.programs.models import Program


class RuleLineSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=GroupKind.choices)
    min_attended = serializers.IntegerField()
    of_sessions = serializers.IntegerField()
    is_default = serializers.BooleanField(help_text="True when the program has not set its own rule.")
    delivered = serializers.BooleanField(help_text="Whether the program delivers this kind's model.")
    default = serializers.ListField(child=serializers.IntegerField(), help_text="The default [min, of].")


class ProgramRulesSerializer(serializers.Serializer[Program]):
    program = serializers.IntegerField(source="pk")
    program_name = serializers.CharField(source="name")
    rules = serializers.SerializerMethodField()

    @extend_schema_field(RuleLineSerializer(many=True))
    def get_rules(self, program: Program) -> list[dict[str, Any]]:
        return list(RuleLineSerializer(rule_lines(program), many=True).data)


class RuleInputSerializer(serializers.Serializer[dict[str, Any]]):
    kind = serializers.ChoiceField(choices=GroupKind.choices)
    min_attended = serializers.IntegerField()
    of_sessions = serializers.IntegerField()


class RulesInputSerializer(serializers.Serializer[dict[str, Any]]):
    rules = RuleInputSerializer(many=True, allow_empty=False, help_text="Kinds left out keep their rule.")


PROGRAM_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The program's id.")


@extend_schema_view(
    list=extend_schema(summary="The completion rules of every program you can see"),
    retrieve=extend_schema(summary="A program's completion rules", parameters=[PROGRAM_ID]),
)
class CompletionRulesViewSet(viewsets.GenericViewSet[Any]):  # addressed by Program, renders its rules
    serializer_class = ProgramRulesSerializer
    permission_classes = [IsAuthenticated, ManagersMayWrite]
    http_method_names = ["get", "put", "head", "options"]

    def get_queryset(self) -> QuerySet[Program]:
        return programs_visible_to(self.request.user).order_by("pk")

    def list(self, request: Request) -> Response:
        programs = self.paginate_queryset(self.get_queryset())
        assert programs is not None  # pagination is on for every list
        return self.get_paginated_response(self.get_serializer(programs, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Set a program's completion rules",
        description="One rule per kind given; all or nothing (a 400 lists the problems per kind).",
        parameters=[PROGRAM_ID],
        request=RulesInputSerializer,
        responses=ProgramRulesSerializer,
    )
    def update(self, request: Request, pk: str) -> Response:
        program = self.get_object()
        parsed = RulesInputSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        rules = {r["kind"]: (r["min_attended"], r["of_sessions"]) for r in parsed.validated_data["rules"]}
        with service_errors():
            save_completion_rules(acting_user(request), program, rules)
        return Response(self.get_serializer(program).data)


def register(router: DefaultRouter) -> None:
    router.register("completion-rules", CompletionRulesViewSet, basename="completion-rules")
