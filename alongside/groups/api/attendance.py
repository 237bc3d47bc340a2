"""/api/v1/group-attendance/: a session's roster with everyone's mark, and the marks of a whole session
in one call (all or nothing, through services.record_attendance).

The roster names participants, so it is for those who may see the series' roster (never participants);
marks are taken by the series' facilitators and the organization's coordinators, supervisors and admins.
Reading or writing it writes the access log.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from alongside.api_common import ScopedPrimaryKeyField, acting_user, service_errors
from alongside.audit.models import AccessChannel
from alongside.audit.services import log_access
from alongside.groups import services
from alongside.groups.access import access_session, can_run_session, can_see_roster, sessions_visible_to
from alongside.groups.api.common import deny_unless, local_start, may_run_sessions
from alongside.groups.models import AttendanceStatus, GroupSession, RegistrationStatus
from alongside.groups.queries import RosterLine, roster


class RosterLineSerializer(serializers.Serializer[RosterLine]):
    registration = serializers.IntegerField(source="registration.pk")
    participant = serializers.IntegerField(source="registration.participant_id")
    participant_name = serializers.CharField(source="registration.participant.full_name")
    registration_status = serializers.ChoiceField(source="registration.status", choices=RegistrationStatus.choices)
    status = serializers.ChoiceField(
        source="attendance.status",
        choices=AttendanceStatus.choices,
        allow_null=True,
        default=None,
        help_text="This session's mark; null when not marked yet.",
    )
    minutes_late = serializers.IntegerField(source="attendance.minutes_late", allow_null=True, default=None)
    made_up_on = serializers.DateField(source="attendance.made_up_on", allow_null=True, default=None)
    note = serializers.CharField(source="attendance.note", allow_null=True, default=None)
    recorded_at = serializers.DateTimeField(source="attendance.recorded_at", allow_null=True, default=None)
    attended_so_far = serializers.IntegerField(help_text="Sessions of the series this person has attended.")


class AttendanceSheetSerializer(serializers.Serializer[Any]):
    session = serializers.IntegerField()
    series = serializers.IntegerField()
    number = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    local_start = serializers.CharField(help_text="The series' local clock time.")
    session_status = serializers.CharField(help_text="scheduled or cancelled.")
    lines = RosterLineSerializer(many=True, help_text="Everyone expected at the session, by name.")


class MarkSerializer(serializers.Serializer[dict[str, Any]]):
    registration = serializers.IntegerField(help_text="A registration in the session's series.")
    status = serializers.ChoiceField(choices=AttendanceStatus.choices)
    minutes_late = serializers.IntegerField(default=0, help_text="Only for someone present.")
    made_up_on = serializers.DateField(allow_null=True, default=None, help_text="Only with status made_up.")
    note = serializers.CharField(allow_blank=True, default="", trim_whitespace=False)


class AttendanceInputSerializer(serializers.Serializer[dict[str, Any]]):
    session = ScopedPrimaryKeyField(sessions_visible_to, noun="session", queryset=GroupSession.objects.none())
    marks = MarkSerializer(many=True, help_text="One per person; people left out keep their marks.")


SESSION = OpenApiParameter(
    "session", OpenApiTypes.INT, OpenApiParameter.QUERY, required=True, description="The session's id."
)


class AttendanceViewSet(viewsets.ViewSet):
    """Attendance per session. GET ?session= gives the roster with marks; POST records marks for several
    people at once: every mark is checked first, and one bad mark saves none."""

    def _sheet(self, request: Request, session: GroupSession) -> Response:
        lines = roster(session)
        log_access(request.user, [line.registration.participant_id for line in lines], AccessChannel.API, request.path)
        sheet = {
            "session": session.pk,
            "series": session.series_id,
            "number": session.number,
            "starts_at": session.starts_at,
            "local_start": local_start(session.starts_at, session.series.zone),
            "session_status": session.status,
            "lines": lines,
        }
        return Response(AttendanceSheetSerializer(sheet).data)

    @extend_schema(
        summary="A session's roster with marks",
        parameters=[SESSION],
        responses=AttendanceSheetSerializer,
    )
    def list(self, request: Request) -> Response:
        if not request.query_params.get("session"):
            raise ValidationError({"session": ["Give ?session=<id>."]})
        session = access_session(request.user, request.query_params["session"])
        deny_unless(can_see_roster(request.user, session.series), "Your role does not see who attends.")
        return self._sheet(request, session)

    @extend_schema(
        summary="Record marks for a session",
        description="All or nothing: a 400 lists every problem and saves no mark. Marks can be corrected later "
        "by sending them again.",
        request=AttendanceInputSerializer,
        responses=AttendanceSheetSerializer,
    )
    def create(self, request: Request) -> Response:
        deny_unless(may_run_sessions(request.user), "Your role does not take attendance.")
        parsed = AttendanceInputSerializer(data=request.data, context={"request": request})
        parsed.is_valid(raise_exception=True)
        data = parsed.validated_data
        session = access_session(request.user, data["session"].pk)
        deny_unless(
            can_run_session(request.user, session.series),
            "Only the series' facilitators and managers take attendance.",
        )
        marks = [
            services.AttendanceMark(
                registration_id=m["registration"],
                status=m["status"],
                minutes_late=m["minutes_late"],
                made_up_on=m["made_up_on"],
                note=m["note"],
            )
            for m in data["marks"]
        ]
        with service_errors():
            services.record_attendance(acting_user(request), session, marks)
        return self._sheet(request, session)


def register(router: DefaultRouter) -> None:
    router.register("group-attendance", AttendanceViewSet, basename="group-attendance")
