"""/api/v1/worklist/ (who to contact today and why) and /api/v1/call-appointments/ (calls agreed with
participants). Thin like the pages: the worklist comes from followup.worklist, appointments are written by
followup.services, scoping is people.access. Every response that shows participants writes the access log.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from alongside.accounts.models import Role, User
from alongside.api_common import ParticipantRecordViewSet, ScopedPrimaryKeyField, acting_user, service_errors
from alongside.audit.models import AccessChannel
from alongside.audit.services import log_access
from alongside.followup.models import AppointmentStatus, CallAppointment
from alongside.followup.services import MAX_APPOINTMENT_DAYS_AHEAD, cancel_appointment, schedule_call
from alongside.followup.worklist import REASON_CHOICES, WorklistLine, worklist
from alongside.people.access import (
    enrollments_visible_to,
    is_organization_wide,
    programs_visible_to,
    supporters_visible_to,
)
from alongside.people.models import Supporter
from alongside.programs.models import Enrollment, Program

# ------------------------------------------------------------------------------------------ worklist


class WorklistQuerySerializer(serializers.Serializer[dict[str, Any]]):
    """The worklist's filters, the same as the Today page's."""

    supporter = serializers.IntegerField(
        required=False,
        help_text="Whose list (organization-wide roles: any supporter of the organization; supporters: only "
        "their own, anyone else's is a 404). Default: your own list, or everyone's for organization-wide roles.",
    )
    unassigned = serializers.BooleanField(
        required=False, default=False, help_text="Participants with no supporter (organization-wide roles)."
    )
    reason = serializers.ChoiceField(choices=REASON_CHOICES, required=False, allow_blank=True, default="")
    program = ScopedPrimaryKeyField(
        programs_visible_to, noun="program", queryset=Program.objects.none(), required=False, allow_null=True
    )
    search = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)


class WorklistReasonSerializer(serializers.Serializer[Any]):
    # Declared in get_fields because a class attribute named `label` would shadow Field.label.
    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        return {
            "code": serializers.ChoiceField(choices=REASON_CHOICES),
            "label": serializers.CharField(help_text="The reason in words."),
            "detail": serializers.CharField(help_text="For example '5 days past its window'."),
        }


class WorklistLineSerializer(serializers.Serializer[Any]):
    participant = serializers.IntegerField()
    participant_name = serializers.CharField()
    program = serializers.IntegerField()
    program_name = serializers.CharField()
    enrollment = serializers.IntegerField()
    supporter = serializers.IntegerField(allow_null=True)
    reasons = WorklistReasonSerializer(many=True)
    priority = serializers.IntegerField(help_text="0 is the most pressing (an emergency concern).")
    window_start = serializers.DateField(allow_null=True)
    window_end = serializers.DateField(allow_null=True)
    overdue_days = serializers.IntegerField(allow_null=True, help_text="Days past the window's end, if overdue.")
    last_reached_on = serializers.DateField(allow_null=True)
    failed_attempts = serializers.IntegerField(help_text="Unanswered attempts since the participant was last reached.")
    quiet_until = serializers.TimeField(
        allow_null=True, help_text="Set when it is quiet hours where the participant lives (their clock)."
    )


def line_data(line: WorklistLine, today: date) -> dict[str, Any]:
    state = line.state
    overdue = (today - state.window_end).days if state.window_end and state.window_end < today else None
    return {
        "participant": state.participant_id,
        "participant_name": state.participant.full_name,
        "program": state.program_id,
        "program_name": state.program.name,
        "enrollment": state.enrollment_id,
        "supporter": state.supporter_id,
        "reasons": [{"code": r.code, "label": r.label, "detail": r.detail} for r in line.reasons],
        "priority": line.priority,
        "window_start": state.window_start,
        "window_end": state.window_end,
        "overdue_days": overdue,
        "last_reached_on": state.last_reached_on,
        "failed_attempts": state.failed_attempts,
        "quiet_until": line.quiet_until,
    }


def chosen_supporter(user: User, supporter_id: int | None) -> Supporter | None:
    """Whose list: the same rule as the Today page. Out of scope is a 404."""
    own = Supporter.objects.filter(user=user).first() if user.role == Role.SUPPORTER else None
    if supporter_id is None:
        return own
    if is_organization_wide(user):
        found = supporters_visible_to(user).filter(pk=supporter_id).first()
    else:
        found = own if own is not None and own.pk == supporter_id else None
    if found is None:
        raise NotFound("No such supporter.")
    return found


class WorklistViewSet(viewsets.ViewSet):
    """Who to contact today, most pressing first; lines in the participant's quiet hours come last."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Today's worklist",
        description="Emergency and urgent concerns first, then overdue (most overdue first), call appointments, "
        "due, promised follow-ups, retries of unanswered calls, function gaps and disengagement flags. Each line "
        "lists every reason it is there. Lines in the participant's quiet hours come last. At most 500 lines. "
        "Supporters get their own list; administrators, coordinators and supervisors any supporter's, or the "
        "participants with no supporter; other roles get a 403. Reading writes the access log.",
        parameters=[WorklistQuerySerializer],
        responses={200: WorklistLineSerializer(many=True)},
    )
    def list(self, request: Request) -> Response:
        user = acting_user(request)
        if not (is_organization_wide(user) or user.role == Role.SUPPORTER):
            raise PermissionDenied("The worklist is for supporters and organization-wide roles.")
        query = WorklistQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        params = query.validated_data
        unassigned = bool(params["unassigned"])
        if unassigned and not is_organization_wide(user):
            raise NotFound("Only organization-wide roles see participants with no supporter.")  # as on the page
        supporter = None if unassigned else chosen_supporter(user, params.get("supporter"))
        if supporter is None and not unassigned and not is_organization_wide(user):
            return Response([])  # a supporter login without a supporter profile has no list
        program = params.get("program")
        now = timezone.now()
        lines = worklist(
            user,
            supporter=supporter,
            unassigned=unassigned,
            reason=params["reason"],
            program_id=program.pk if program else None,
            search=params["search"],
            now=now,
        )
        log_access(user, [line.state.participant_id for line in lines], AccessChannel.API, request.path)
        today = timezone.localdate(now)
        return Response(WorklistLineSerializer([line_data(line, today) for line in lines], many=True).data)


# ------------------------------------------------------------------------------------------ appointments


class CallAppointmentSerializer(serializers.ModelSerializer[CallAppointment]):
    participant = serializers.IntegerField(source="enrollment.participant_id", read_only=True)
    program = serializers.IntegerField(source="enrollment.program_id", read_only=True)

    class Meta:
        model = CallAppointment
        fields = [
            "id",
            "enrollment",
            "participant",
            "program",
            "supporter",
            "scheduled_for",
            "note",
            "status",
            "contact",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


def bookable_enrollments(user: Any) -> QuerySet[Enrollment]:
    return enrollments_visible_to(user).select_related("participant", "program")


class CallAppointmentInputSerializer(serializers.Serializer[dict[str, Any]]):
    enrollment = ScopedPrimaryKeyField(
        bookable_enrollments,
        noun="enrolment",
        queryset=Enrollment.objects.none(),
        help_text="An enrolment you can see; supporters book for the enrolments they are assigned to.",
    )
    scheduled_for = serializers.DateTimeField(
        help_text=f"When to call (ISO 8601 with offset). Not in the past, at most {MAX_APPOINTMENT_DAYS_AHEAD} "
        "days ahead."
    )
    note = serializers.CharField(max_length=300, allow_blank=True, default="")


class CallAppointmentFilter(django_filters.FilterSet):
    enrollment = django_filters.NumberFilter()
    participant = django_filters.NumberFilter(field_name="enrollment__participant")
    status = django_filters.ChoiceFilter(choices=AppointmentStatus.choices)

    class Meta:
        model = CallAppointment
        fields = ["enrollment", "participant", "status"]


@extend_schema_view(
    list=extend_schema(
        summary="Call appointments you can see",
        description="Soonest first. Filter by ?enrollment=, ?participant=, ?status=.",
    ),
    retrieve=extend_schema(summary="One call appointment"),
)
class CallAppointmentViewSet(ParticipantRecordViewSet[CallAppointment]):
    """Calls agreed with a participant for a given time. They show on the worklist on their day; logging the
    call from the call screen closes them. Reading writes the access log."""

    serializer_class = CallAppointmentSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = CallAppointmentFilter

    def get_queryset(self) -> QuerySet[CallAppointment]:
        return (
            CallAppointment.objects.filter(enrollment__in=enrollments_visible_to(self.request.user))
            .select_related("enrollment")
            .order_by("scheduled_for", "pk")
        )

    def participant_ids(self, rows: Any) -> list[int]:
        return [row.enrollment.participant_id for row in rows]

    @extend_schema(
        summary="Book a call",
        description="Bad input is a 400 with field errors and saves nothing. An enrolment you cannot see is a "
        "400 on enrollment; one you can see but may not log calls for is a 400 on participant.",
        request=CallAppointmentInputSerializer,
        responses={201: CallAppointmentSerializer},
    )
    def create(self, request: Request) -> Response:
        parsed = CallAppointmentInputSerializer(data=request.data, context=self.get_serializer_context())
        parsed.is_valid(raise_exception=True)
        data = parsed.validated_data
        with service_errors():
            appointment = schedule_call(acting_user(request), data["enrollment"], data["scheduled_for"], data["note"])
        return self.render(appointment, status=201)

    @extend_schema(
        summary="Cancel a call",
        description="Only a scheduled appointment can be cancelled (400 otherwise); only those who may log "
        "calls for the enrolment may cancel it (400 on non_field_errors).",
        request=None,
        responses={200: CallAppointmentSerializer},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        appointment = self.get_object()
        with service_errors():
            cancel_appointment(acting_user(request), appointment)
        return self.render(appointment)


def register(router: DefaultRouter) -> None:
    router.register("worklist", WorklistViewSet, basename="worklist")
    router.register("call-appointments", CallAppointmentViewSet, basename="call-appointment")
