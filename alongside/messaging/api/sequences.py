"""/api/v1/email-sequences/: email programs with their steps, and /api/v1/email-sequences/{id}/members/ to
list and add members.

Reads are for organization-wide roles, scoped through messaging.sequences.sequences_visible_to (out of scope
is a 404); writes are for administrators and coordinators (403 otherwise) and go through
messaging.sequences, whose ValidationError becomes a 400 with the same field errors the pages show.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from alongside.api_common import CodeListField, ManagersMayWrite, acting_user, service_errors
from alongside.audit.models import AccessChannel
from alongside.audit.services import log_access
from alongside.messaging import sequences as services
from alongside.messaging.models import EmailSequence, EmailSequenceStep, SequenceMembership
from alongside.people.access import programs_visible_to
from alongside.programs.models import Program
from alongside.taxonomy import FUNCTION_FIELDS, KeyFunction


class StepSerializer(serializers.ModelSerializer[EmailSequenceStep]):
    class Meta:
        model = EmailSequenceStep
        fields = ["number", "days_after_start", "subject", "body"]
        read_only_fields = ["number"]


class EmailSequenceSerializer(serializers.ModelSerializer[EmailSequence]):
    program = serializers.PrimaryKeyRelatedField(queryset=Program.objects.none())
    functions = CodeListField(choices=KeyFunction.choices, noun="key function", required=False)
    steps = StepSerializer(many=True)

    class Meta:
        model = EmailSequence
        fields = ["id", "program", "name", "language", "is_active", "functions", "steps"]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            program = fields["program"]
            assert isinstance(program, serializers.PrimaryKeyRelatedField)
            program.queryset = programs_visible_to(request.user)
        return fields

    def to_representation(self, instance: EmailSequence) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["functions"] = [code for code, field in FUNCTION_FIELDS.items() if getattr(instance, field)]
        return data


class MembershipSerializer(serializers.ModelSerializer[SequenceMembership]):
    class Meta:
        model = SequenceMembership
        fields = ["id", "participant", "enrollment", "started_on", "status", "unsubscribed_at"]


class AddMembersSerializer(serializers.Serializer[Any]):
    participants = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)


class EmailSequenceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[EmailSequence]):
    serializer_class = EmailSequenceSerializer
    permission_classes = [IsAuthenticated, ManagersMayWrite]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return EmailSequence.objects.none()
        return (
            services.sequences_visible_to(acting_user(self.request))
            .prefetch_related("steps")
            .order_by("program_id", "name")
        )

    def _save(self, request: Request, sequence: EmailSequence | None) -> EmailSequence:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with service_errors():
            return services.save_sequence(
                acting_user(request),
                data["program"],
                name=data["name"],
                language=data.get("language", "en"),
                functions=data.get("functions", []),
                steps=[services.StepDraft(s["days_after_start"], s["subject"], s["body"]) for s in data["steps"]],
                is_active=data.get("is_active", True),
                sequence=sequence,
            )

    def create(self, request: Request) -> Response:
        sequence = self._save(request, None)
        return Response(self.get_serializer(self.get_queryset().get(pk=sequence.pk)).data, status=201)

    def update(self, request: Request, pk: str) -> Response:
        sequence = self._save(request, self.get_object())
        return Response(self.get_serializer(self.get_queryset().get(pk=sequence.pk)).data)

    @extend_schema(request=AddMembersSerializer, responses=MembershipSerializer(many=True))
    @action(detail=True, methods=["get", "post"], serializer_class=MembershipSerializer)
    def members(self, request: Request, pk: str) -> Response:
        """GET: the members (with their status and unsubscribe time). POST {"participants": [ids]}: adds
        them (each needs an open enrolment, consent to contact and an email address; all or nothing)."""
        sequence = self.get_object()
        if request.method == "POST":
            body = AddMembersSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            with service_errors():
                services.add_members(acting_user(request), sequence, body.validated_data["participants"])
        rows = list(sequence.memberships.order_by("pk"))
        log_access(request.user, [m.participant_id for m in rows], AccessChannel.API, request.path)
        return Response(MembershipSerializer(rows, many=True).data, status=201 if request.method == "POST" else 200)


def register(router: DefaultRouter) -> None:
    router.register("email-sequences", EmailSequenceViewSet, basename="email-sequence")
