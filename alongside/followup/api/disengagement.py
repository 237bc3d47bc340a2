"""/api/v1/disengagement/: the coordinator's follow-up figures per program, and the flagged lists.

Counts are aggregates (no participant named), so evaluators read them as they read the program
overview; the flagged lists name participants, so they are for administrators, coordinators and
supervisors only (anyone else gets a 404), and every participant listed goes into the access log.
Acting on a line uses the enrolment endpoints (transition, assign).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from alongside.api_common import ScopedPrimaryKeyField, acting_user
from alongside.audit.models import AccessChannel
from alongside.audit.services import log_access
from alongside.followup import disengagement
from alongside.people.access import can_see_aggregates, is_organization_wide, programs_visible_to
from alongside.programs.models import Program


class FlagCountSerializer(serializers.Serializer[Any]):
    flag = serializers.CharField(source="flag.code", help_text="Flag code; pass it as ?flag= to list the people.")
    flag_label = serializers.CharField(source="flag.label")
    count = serializers.IntegerField(allow_null=True, help_text="Null when the program has no rule for this flag.")
    threshold = serializers.CharField(help_text="The program's own rule, e.g. '30 d'; empty when it has none.")

    def to_representation(self, instance: disengagement.Cell) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        if not instance.applies:
            data["count"] = None
        return data


class ProgramCountsSerializer(serializers.Serializer[Any]):
    program = serializers.IntegerField(source="program.pk")
    program_name = serializers.CharField(source="program.name")
    in_follow_up = serializers.IntegerField(help_text="Enrolments in active follow-up (enrolled or active).")
    flags = FlagCountSerializer(many=True, source="cells")


class FlagReasonSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(help_text="A flag code.")
    detail = serializers.CharField()


class FlaggedLineSerializer(serializers.Serializer[Any]):
    enrollment = serializers.IntegerField(source="enrollment_id")
    participant = serializers.IntegerField(source="participant.pk")
    participant_name = serializers.CharField(source="participant.full_name")
    program = serializers.IntegerField(source="program.pk")
    program_name = serializers.CharField(source="program.name")
    supporter = serializers.IntegerField(source="supporter.pk", allow_null=True, default=None)
    supporter_name = serializers.CharField(source="supporter.user.display_name", allow_null=True, default=None)
    status = serializers.CharField(help_text="The enrolment's status.")
    enrolled_on = serializers.DateField()
    last_reached_on = serializers.DateField(allow_null=True)
    days_since_reached = serializers.IntegerField(allow_null=True, help_text="Null when never reached.")
    failed_attempts = serializers.IntegerField(
        allow_null=True, help_text="Unanswered attempts since last reached; null when not in active follow-up."
    )
    reasons = FlagReasonSerializer(many=True, help_text="Every flag the enrolment carries, not only the one asked.")


class FlaggedQuerySerializer(serializers.Serializer[dict[str, Any]]):
    flag = serializers.ChoiceField(choices=disengagement.FLAG_CHOICES, help_text="Which list.")
    program = ScopedPrimaryKeyField(
        programs_visible_to, noun="program", queryset=Program.objects.none(), required=False, allow_null=True
    )
    sort = serializers.ChoiceField(choices=disengagement.SORT_CHOICES, default="longest")


class DisengagementViewSet(viewsets.ViewSet):
    """Who is slipping away: per program, enrolments not reached within the program's window, with
    repeated failed attempts, never contacted since assignment, without a supporter, overdue, at the end
    of their cadence, with a gap in a key function, paused or lost to follow-up."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Follow-up flags per program",
        description="Counts only; administrators, coordinators, supervisors and evaluators.",
        responses=ProgramCountsSerializer(many=True),
    )
    def list(self, request: Request) -> Response:
        user = acting_user(request)
        if not can_see_aggregates(user):
            raise NotFound()
        rows = disengagement.program_counts(user)
        return Response(ProgramCountsSerializer(rows, many=True).data)

    @extend_schema(
        summary="Enrolments carrying a flag",
        description="Sorted by days since last reached (never reached first) unless ?sort= says otherwise; at "
        "most 500. Administrators, coordinators and supervisors; each participant listed is logged.",
        parameters=[FlaggedQuerySerializer],
        responses=FlaggedLineSerializer(many=True),
    )
    @action(detail=False, methods=["get"])
    def flagged(self, request: Request) -> Response:
        user = acting_user(request)
        if not is_organization_wide(user):
            raise NotFound()
        query = FlaggedQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        params = query.validated_data
        program = params.get("program")
        lines = disengagement.flagged(
            user, params["flag"], program_id=program.pk if program else None, sort=params["sort"]
        )
        log_access(user, [line.participant.pk for line in lines], AccessChannel.API, request.path)
        return Response(FlaggedLineSerializer(lines, many=True).data)


def register(router: DefaultRouter) -> None:
    router.register("disengagement", DisengagementViewSet, basename="disengagement")
