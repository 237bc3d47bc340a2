"""/api/v1/group-figures/: completion figures per program and kind of series, over finished series
(queries.program_figures). Aggregates only, never a name, so evaluators read them too.

Administrators, coordinators, supervisors and evaluators get their organization's programs; facilitators
and clinical leads the series they see; participants none (a 403).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from alongside.accounts.models import Role, User
from alongside.groups.access import series_visible_to
from alongside.groups.api.common import deny_unless
from alongside.groups.models import GroupKind, GroupSeries
from alongside.groups.queries import ProgramGroupFigures, program_figures
from alongside.people.access import can_see_aggregates, programs_visible_to
from alongside.programs.models import Program


class ProgramFiguresSerializer(serializers.Serializer[Any]):
    program = serializers.IntegerField(source="program_id")
    program_name = serializers.CharField()
    kind = serializers.ChoiceField(choices=GroupKind.choices)
    series_finished = serializers.IntegerField(help_text="Series whose every session has been held.")
    series_running = serializers.IntegerField(help_text="Series still running (not in the rates).")
    starters = serializers.IntegerField(help_text="People who attended at least one session.")
    completers = serializers.IntegerField(help_text="Starters who met their series' completion rule.")
    completion_rate = serializers.FloatField(allow_null=True, help_text="Completers among starters.")
    mean_attendance = serializers.FloatField(allow_null=True, help_text="Sessions attended per starter.")
    mean_planned = serializers.FloatField(allow_null=True, help_text="Sessions planned per starter (the 'of').")


def series_for_figures(user: User | Any) -> QuerySet[GroupSeries]:
    """The series whose figures the user may read (see the module docstring)."""
    if can_see_aggregates(user):
        return GroupSeries.objects.filter(program__in=programs_visible_to(user))
    return series_visible_to(user)


PARAMETERS = [
    OpenApiParameter("program", OpenApiTypes.INT, OpenApiParameter.QUERY, description="One program's figures."),
    OpenApiParameter("kind", OpenApiTypes.STR, OpenApiParameter.QUERY, enum=GroupKind.values, description="One kind."),
]


class GroupFiguresViewSet(viewsets.ViewSet):
    """Completion rate and mean attendance per program and kind of series, the way published workshop
    programs report them (completers among starters; sessions attended per starter)."""

    @extend_schema(
        summary="Completion figures per program and kind",
        parameters=PARAMETERS,
        responses=ProgramFiguresSerializer(many=True),
    )
    def list(self, request: Request) -> Response:
        user = request.user
        deny_unless(
            not (isinstance(user, User) and user.role == Role.PARTICIPANT and not user.is_superuser),
            "Participants do not see program figures.",
        )
        series = series_for_figures(user)
        program = request.query_params.get("program")
        if program:
            if not program.isdigit():
                raise ValidationError({"program": ["Give a program id (a whole number)."]})
            series = series.filter(program=int(program))
        kind = request.query_params.get("kind")
        if kind:
            if kind not in GroupKind.values:
                raise ValidationError({"kind": [f"Unknown kind: {kind}. Use one of {', '.join(GroupKind.values)}."]})
            series = series.filter(kind=kind)
        figures = program_figures(series)
        names = dict(Program.objects.filter(pk__in=[f.program_id for f in figures]).values_list("pk", "name"))
        rows = [{**_as_dict(f), "program_name": names.get(f.program_id, "")} for f in figures]
        return Response(ProgramFiguresSerializer(rows, many=True).data)


def _as_dict(figures: ProgramGroupFigures) -> dict[str, Any]:
    return {
        **asdict(figures),
        "completion_rate": figures.completion_rate,
        "mean_attendance": figures.mean_attendance,
        "mean_planned": figures.mean_planned,
    }


def register(router: DefaultRouter) -> None:
    router.register("group-figures", GroupFiguresViewSet, basename="group-figures")
