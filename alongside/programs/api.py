"""/api/v1/programs/ and /api/v1/enrollments/: parse, scope through people.access, call programs.services,
render. Reads are scoped like the pages; writes are for administrators and coordinators."""

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

from alongside.api_common import (
    CodeListField,
    ManagersMayWrite,
    ParticipantRecordViewSet,
    ScopedPrimaryKeyField,
    acting_user,
    service_errors,
)
from alongside.people.access import (
    enrollments_visible_to,
    participants_visible_to,
    programs_visible_to,
    supporters_visible_to,
)
from alongside.people.models import Participant, Supporter
from alongside.programs.models import Assignment, Enrollment, EnrollmentStatus, EnrollmentTransition, Program
from alongside.programs.services import assign_supporter, change_status, enroll, organization_of, save_program
from alongside.taxonomy import ACTIVITIES, LANGUAGE_CHOICES, Condition, PeerSupportModel

# ---------------------------------------------------------------------------------------------- programs


class ProgramSerializer(serializers.ModelSerializer[Program]):
    models = serializers.ListField(
        child=serializers.IntegerField(),
        source="model_numbers",
        read_only=True,
        help_text="The peer support models delivered, numbers 1-7.",
    )
    model_labels = serializers.ListField(child=serializers.CharField(), read_only=True)
    conditions = serializers.ListField(child=serializers.CharField(), read_only=True)
    languages = serializers.ListField(child=serializers.CharField(), read_only=True)
    activities = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        read_only=True,
        help_text="Activity codes the program uses, keyed by key function.",
    )

    class Meta:
        model = Program
        fields = [
            "id",
            "name",
            "description",
            "models",
            "model_labels",
            "conditions",
            "languages",
            "activities",
            "is_active",
            "created_at",
        ]
        read_only_fields = fields


class ProgramInputSerializer(serializers.Serializer[dict[str, Any]]):
    """What a manager sends. Checks shapes and codes; programs.services.save_program checks the rest."""

    name = serializers.CharField(max_length=200)
    description = serializers.CharField(allow_blank=True, default="")
    models = CodeListField(
        choices=PeerSupportModel.choices, noun="model", help_text="Peer support models delivered (1-7)."
    )
    conditions = CodeListField(choices=Condition.choices, noun="condition")
    languages = CodeListField(choices=LANGUAGE_CHOICES, noun="language code", help_text="ISO 639-1 codes.")
    activities = serializers.DictField(
        child=CodeListField(choices=[(a.code, a.label) for a in ACTIVITIES], noun="activity"),
        help_text="Activity codes keyed by key function (daily_management, social_emotional, linkage, ongoing).",
    )
    is_active = serializers.BooleanField(default=True)


class ProgramFilter(django_filters.FilterSet):
    model = django_filters.TypedChoiceFilter(
        choices=PeerSupportModel.choices, coerce=int, field_name="delivery_models__model", label="Delivers model"
    )
    condition = django_filters.ChoiceFilter(choices=Condition.choices, method="filter_condition", label="Serves")
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = Program
        fields = ["model", "condition", "is_active"]

    def filter_condition(self, queryset: QuerySet[Program], name: str, value: str) -> QuerySet[Program]:
        # JSON containment is not portable (SQLite lacks it); a quoted code matches one list element.
        return queryset.filter(conditions__icontains=f'"{value}"')


def _program_data(program: Program) -> dict[str, Any]:
    return {
        "name": program.name,
        "description": program.description,
        "models": program.model_numbers,
        "conditions": program.conditions,
        "languages": program.languages,
        "activities": program.activities,
        "is_active": program.is_active,
    }


@extend_schema_view(
    list=extend_schema(summary="Programs you can see", description="Filter by ?model=, ?condition=, ?is_active=."),
    retrieve=extend_schema(summary="One program"),
)
class ProgramViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Program]):
    """Peer support programs: the models they deliver, whom they serve, the activities they use under each
    of the four key functions. Anyone signed in reads the programs of their organization (participants:
    their own programs); administrators and coordinators create and change them. Programs are never
    deleted: set is_active to false."""

    serializer_class = ProgramSerializer
    permission_classes = [IsAuthenticated, ManagersMayWrite]
    filterset_class = ProgramFilter

    def get_queryset(self) -> QuerySet[Program]:
        return programs_visible_to(self.request.user).prefetch_related("delivery_models")

    def _render(self, program: Program, status: int = 200) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=program.pk)).data, status=status)

    @extend_schema(summary="Create a program", request=ProgramInputSerializer, responses={201: ProgramSerializer})
    def create(self, request: Request) -> Response:
        parsed = ProgramInputSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        user = acting_user(request)
        with service_errors():
            program = save_program(user, organization_of(user), parsed.validated_data)
        return self._render(program, status=201)

    @extend_schema(summary="Replace a program", request=ProgramInputSerializer, responses=ProgramSerializer)
    def update(self, request: Request, pk: str) -> Response:
        return self._save(request, partial=False)

    @extend_schema(
        summary="Change some fields of a program", request=ProgramInputSerializer, responses=ProgramSerializer
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        return self._save(request, partial=True)

    def _save(self, request: Request, *, partial: bool) -> Response:
        program = self.get_object()
        parsed = ProgramInputSerializer(data=request.data, partial=partial)
        parsed.is_valid(raise_exception=True)
        # save_program takes a whole program; a PATCH fills in the fields it leaves out.
        data = {**_program_data(program), **parsed.validated_data} if partial else parsed.validated_data
        with service_errors():
            save_program(acting_user(request), program.organization, data, program)
        return self._render(program)


# -------------------------------------------------------------------------------------------- enrolments


class AssignmentSerializer(serializers.ModelSerializer[Assignment]):
    supporter_name = serializers.CharField(source="supporter.user.display_name", read_only=True)
    assigned_by = serializers.IntegerField(source="assigned_by_id", read_only=True)

    class Meta:
        model = Assignment
        fields = ["id", "supporter", "supporter_name", "is_primary", "assigned_at", "assigned_by", "ended_at"]
        read_only_fields = fields


class TransitionSerializer(serializers.ModelSerializer[EnrollmentTransition]):
    changed_by_name = serializers.CharField(source="changed_by.display_name", read_only=True)

    class Meta:
        model = EnrollmentTransition
        fields = ["id", "from_status", "to_status", "changed_by", "changed_by_name", "changed_at", "reason"]
        read_only_fields = fields


class EnrollmentSerializer(serializers.ModelSerializer[Enrollment]):
    participant_name = serializers.CharField(source="participant.full_name", read_only=True)
    program_name = serializers.CharField(source="program.name", read_only=True)
    allowed_next_statuses = serializers.ListField(
        child=serializers.ChoiceField(choices=EnrollmentStatus.choices), read_only=True
    )
    assignments = AssignmentSerializer(many=True, read_only=True, help_text="Current and ended, primary first.")
    transitions = TransitionSerializer(many=True, read_only=True, help_text="Status history, newest first.")

    class Meta:
        model = Enrollment
        fields = [
            "id",
            "participant",
            "participant_name",
            "program",
            "program_name",
            "status",
            "status_changed_at",
            "allowed_next_statuses",
            "enrolled_on",
            "assignments",
            "transitions",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class EnrollmentInputSerializer(serializers.Serializer[dict[str, Any]]):
    participant = ScopedPrimaryKeyField(
        participants_visible_to, noun="participant", queryset=Participant.objects.none()
    )
    program = ScopedPrimaryKeyField(programs_visible_to, noun="program", queryset=Program.objects.none())
    status = serializers.ChoiceField(
        choices=[
            (s.value, s.label) for s in (EnrollmentStatus.REFERRED, EnrollmentStatus.ENROLLED, EnrollmentStatus.ACTIVE)
        ],
        default=EnrollmentStatus.ENROLLED,
        help_text="Enrolled or active needs the participant's consent to be contacted.",
    )
    enrolled_on = serializers.DateField(required=False, help_text="Defaults to today; cannot be in the future.")
    supporters = serializers.ListField(
        child=ScopedPrimaryKeyField(supporters_visible_to, noun="supporter", queryset=Supporter.objects.none()),
        default=list,
        help_text="Supporter ids; the first is the primary supporter.",
    )
    reason = serializers.CharField(max_length=300, allow_blank=True, default="")


class TransitionInputSerializer(serializers.Serializer[dict[str, Any]]):
    status = serializers.ChoiceField(choices=EnrollmentStatus.choices)
    reason = serializers.CharField(
        max_length=300, allow_blank=True, default="", help_text="Required for paused, withdrawn, lost to follow-up."
    )


class AssignInputSerializer(serializers.Serializer[dict[str, Any]]):
    supporter = ScopedPrimaryKeyField(supporters_visible_to, noun="supporter", queryset=Supporter.objects.none())
    is_primary = serializers.BooleanField(default=False)


class EnrollmentFilter(django_filters.FilterSet):
    program = django_filters.NumberFilter()
    participant = django_filters.NumberFilter()
    status = django_filters.ChoiceFilter(choices=EnrollmentStatus.choices)

    class Meta:
        model = Enrollment
        fields = ["program", "participant", "status"]


@extend_schema_view(
    list=extend_schema(summary="Enrolments you can see", description="Filter by ?program=, ?participant=, ?status=."),
    retrieve=extend_schema(summary="One enrolment, with its assignments and status history"),
)
class EnrollmentViewSet(ParticipantRecordViewSet[Enrollment]):
    """A participant in a program: status lifecycle, assigned supporters and the history of both. Scoped like
    the pages (supporters: the enrolments they are assigned to). Administrators and coordinators enrol,
    move an enrolment along its lifecycle (transition) and assign supporters. Reading writes the access log.
    Enrolments are not edited or deleted; status changes go through transition."""

    serializer_class = EnrollmentSerializer
    permission_classes = [IsAuthenticated, ManagersMayWrite]
    filterset_class = EnrollmentFilter

    def get_queryset(self) -> QuerySet[Enrollment]:
        return (
            enrollments_visible_to(self.request.user)
            .select_related("participant", "program")
            .prefetch_related(
                Prefetch("assignments", queryset=Assignment.objects.select_related("supporter__user")),
                Prefetch("transitions", queryset=EnrollmentTransition.objects.select_related("changed_by")),
            )
        )

    @extend_schema(
        summary="Enrol a participant", request=EnrollmentInputSerializer, responses={201: EnrollmentSerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        parsed = EnrollmentInputSerializer(data=request.data, context=self.get_serializer_context())
        parsed.is_valid(raise_exception=True)
        data = parsed.validated_data
        with service_errors():
            enrollment = enroll(
                acting_user(request),
                data["participant"],
                data["program"],
                status=data["status"],
                enrolled_on=data.get("enrolled_on"),
                supporters=data["supporters"],
                reason=data["reason"],
            )
        return self.render(enrollment, status=201)

    @extend_schema(
        summary="Move an enrolment to another status",
        description="Allowed moves are listed in allowed_next_statuses; anything else is a 400 on status.",
        request=TransitionInputSerializer,
        responses=EnrollmentSerializer,
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str) -> Response:
        enrollment = self.get_object()
        parsed = TransitionInputSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        with service_errors():
            change_status(
                acting_user(request), enrollment, parsed.validated_data["status"], parsed.validated_data["reason"]
            )
        return self.render(enrollment)

    @extend_schema(
        summary="Assign a supporter",
        request=AssignInputSerializer,
        responses={201: EnrollmentSerializer},
    )
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str) -> Response:
        enrollment = self.get_object()
        parsed = AssignInputSerializer(data=request.data, context=self.get_serializer_context())
        parsed.is_valid(raise_exception=True)
        with service_errors():
            assign_supporter(
                acting_user(request),
                enrollment,
                parsed.validated_data["supporter"],
                is_primary=parsed.validated_data["is_primary"],
            )
        return self.render(enrollment, status=201)
