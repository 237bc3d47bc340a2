"""/api/v1/participants/ and /api/v1/supporters/: parse, scope through people.access, call
people.services, render. Reads are scoped like the pages; writes are for administrators and coordinators.
Every response that shows a participant writes the access log."""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, Q, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from alongside.accounts.models import User
from alongside.api_common import (
    CodeListField,
    ManagersMayWrite,
    ParticipantRecordViewSet,
    ScopedPrimaryKeyField,
    acting_user,
    service_errors,
)
from alongside.people.access import participants_visible_to, supporters_visible_to
from alongside.people.models import (
    BestTime,
    ConsentKind,
    ConsentMethod,
    ConsentRecord,
    Gender,
    Participant,
    Supporter,
    SupporterKind,
    TrainingStatus,
)
from alongside.people.services import (
    CONSENT_FIELDS,
    PARTICIPANT_FIELDS,
    ConsentChange,
    create_participant,
    create_supporter,
    update_participant,
    update_supporter,
)
from alongside.programs.services import organization_of
from alongside.taxonomy import LANGUAGE_CHOICES, Condition

# ------------------------------------------------------------------------------------------ participants


class ConsentRecordSerializer(serializers.ModelSerializer[ConsentRecord]):
    recorded_by_name = serializers.CharField(source="recorded_by.display_name", read_only=True)

    class Meta:
        model = ConsentRecord
        fields = ["kind", "granted", "method", "note", "recorded_by", "recorded_by_name", "recorded_at"]
        read_only_fields = fields


class ParticipantSerializer(serializers.ModelSerializer[Participant]):
    conditions = serializers.ListField(child=serializers.CharField(), read_only=True)
    best_times = serializers.ListField(child=serializers.CharField(), read_only=True)
    consent_history = ConsentRecordSerializer(
        source="consent_records",
        many=True,
        read_only=True,
        help_text="Every consent decision, newest first: who recorded it, when and how.",
    )

    class Meta:
        model = Participant
        fields = [
            "id",
            "full_name",
            *PARTICIPANT_FIELDS,
            *CONSENT_FIELDS.values(),
            "consent_history",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ConsentInputSerializer(serializers.Serializer[dict[str, Any]]):
    kind = serializers.ChoiceField(choices=ConsentKind.choices)
    granted = serializers.BooleanField()
    method = serializers.ChoiceField(choices=ConsentMethod.choices, default=ConsentMethod.VERBAL)
    note = serializers.CharField(max_length=300, allow_blank=True, default="")


class ParticipantInputSerializer(serializers.Serializer[dict[str, Any]]):
    """What a manager sends. Checks shapes and codes; people.services checks the rest (the phone number
    is normalised to E.164 there)."""

    preferred_name = serializers.CharField(max_length=120)
    family_name = serializers.CharField(max_length=120, allow_blank=True, default="")
    date_of_birth = serializers.DateField(allow_null=True, default=None)
    gender = serializers.ChoiceField(choices=Gender.choices, default=Gender.UNDISCLOSED)
    preferred_language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, default="en")
    conditions = CodeListField(choices=Condition.choices, noun="condition", default=list)
    phone = serializers.CharField(
        max_length=40, allow_blank=True, default="", help_text="Any dialable form; stored as E.164."
    )
    email = serializers.EmailField(allow_blank=True, default="")
    locality = serializers.CharField(max_length=120, allow_blank=True, default="")
    timezone = serializers.CharField(max_length=64, allow_blank=True, default="", help_text="IANA time zone.")
    best_times = CodeListField(choices=BestTime.choices, noun="best time", default=list)
    best_times_note = serializers.CharField(max_length=200, allow_blank=True, default="")
    consents = ConsentInputSerializer(
        many=True,
        default=list,
        help_text="Consent decisions to record now. An unchanged decision adds no history row.",
    )


def _participant_input(validated: dict[str, Any]) -> tuple[dict[str, Any], list[ConsentChange]]:
    data = dict(validated)
    consents = [ConsentChange(**c) for c in data.pop("consents", [])]
    return data, consents


class ParticipantFilter(django_filters.FilterSet):
    program = django_filters.NumberFilter(method="filter_program", label="Enrolled in program (id)")
    search = django_filters.CharFilter(method="filter_search", label="Name or phone contains")
    language = django_filters.ChoiceFilter(choices=LANGUAGE_CHOICES, field_name="preferred_language")

    class Meta:
        model = Participant
        fields = ["program", "search", "language"]

    def filter_program(self, queryset: QuerySet[Participant], name: str, value: int) -> QuerySet[Participant]:
        return queryset.filter(enrollments__program=value).distinct()

    def filter_search(self, queryset: QuerySet[Participant], name: str, value: str) -> QuerySet[Participant]:
        value = value.strip()
        return queryset.filter(
            Q(preferred_name__icontains=value) | Q(family_name__icontains=value) | Q(phone__contains=value)
        )


@extend_schema_view(
    list=extend_schema(
        summary="Participants you can see",
        description="Filter by ?program=, ?search= (name or phone), ?language=. "
        "Writes one access-log row per participant on the page.",
    ),
    retrieve=extend_schema(summary="One participant", description="Writes an access-log row."),
)
class ParticipantViewSet(ParticipantRecordViewSet[Participant]):
    """People receiving peer support, with their consent and its history. Organization staff see their
    organization's participants, professionals those in programs they lead, supporters those they are
    assigned to, a participant themself; evaluators see aggregates only, never a participant here.
    Anything else is a 404. Administrators and coordinators create and change participants. Every response
    that shows a participant is written to the access log."""

    serializer_class = ParticipantSerializer
    permission_classes = [IsAuthenticated, ManagersMayWrite]
    filterset_class = ParticipantFilter

    def get_queryset(self) -> QuerySet[Participant]:
        return participants_visible_to(self.request.user).prefetch_related(
            Prefetch("consent_records", queryset=ConsentRecord.objects.select_related("recorded_by"))
        )

    participant_id_attribute = "pk"

    @extend_schema(
        summary="Add a participant", request=ParticipantInputSerializer, responses={201: ParticipantSerializer}
    )
    def create(self, request: Request) -> Response:
        parsed = ParticipantInputSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        data, consents = _participant_input(parsed.validated_data)
        user = acting_user(request)
        with service_errors():
            participant = create_participant(user, organization_of(user), data, consents)
        return self.render(participant, status=201)

    @extend_schema(summary="Replace a participant's details", request=ParticipantInputSerializer)
    def update(self, request: Request, pk: str) -> Response:
        return self._save(request, partial=False)

    @extend_schema(summary="Change some of a participant's details", request=ParticipantInputSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        return self._save(request, partial=True)

    def _save(self, request: Request, *, partial: bool) -> Response:
        participant = self.get_object()
        parsed = ParticipantInputSerializer(data=request.data, partial=partial)
        parsed.is_valid(raise_exception=True)
        data, consents = _participant_input(parsed.validated_data)
        with service_errors():
            update_participant(acting_user(request), participant, data, consents)
        return self.render(participant)


# -------------------------------------------------------------------------------------------- supporters


class SupporterSerializer(serializers.ModelSerializer[Supporter]):
    username = serializers.CharField(source="user.username", read_only=True)
    first_name = serializers.CharField(source="user.first_name", read_only=True)
    last_name = serializers.CharField(source="user.last_name", read_only=True)
    display_name = serializers.CharField(source="user.display_name", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    lived_experience = serializers.ListField(child=serializers.CharField(), read_only=True)
    languages = serializers.ListField(child=serializers.CharField(), read_only=True)
    training_tier = serializers.CharField(read_only=True, help_text="none, short (<= 12 h), medium or long (> 30 h).")

    class Meta:
        model = Supporter
        fields = [
            "id",
            "user",
            "username",
            "first_name",
            "last_name",
            "display_name",
            "email",
            "kind",
            "lived_experience",
            "languages",
            "culture_community",
            "training_status",
            "training_hours",
            "training_tier",
            "max_caseload",
            "supervisor",
            "is_active",
            "created_at",
        ]
        read_only_fields = fields


def colleagues_of(user: User | AnonymousUser) -> QuerySet[User]:
    """Logins of the caller's organization (for the supporter's supervisor; services check the role)."""
    if not isinstance(user, User) or user.organization_id is None:
        return User.objects.none()
    return User.objects.filter(organization=user.organization_id, is_active=True)


class SupporterInputSerializer(serializers.Serializer[dict[str, Any]]):
    """A supporter's profile. Checks shapes and codes; people.services checks ranges and the supervisor."""

    kind = serializers.ChoiceField(choices=SupporterKind.choices)
    lived_experience = CodeListField(
        choices=Condition.choices, noun="condition", default=list, help_text="Conditions lived with."
    )
    languages = CodeListField(choices=LANGUAGE_CHOICES, noun="language code", help_text="At least one.")
    culture_community = serializers.CharField(max_length=200, allow_blank=True, default="")
    training_status = serializers.ChoiceField(choices=TrainingStatus.choices, default=TrainingStatus.NOT_STARTED)
    training_hours = serializers.IntegerField(default=0, help_text="0 to 2000.")
    max_caseload = serializers.IntegerField(default=10, help_text="1 to 200.")
    supervisor = ScopedPrimaryKeyField(
        colleagues_of,
        noun="user",
        queryset=User.objects.none(),
        allow_null=True,
        default=None,
        help_text="A supervisor or coordinator of the organization (user id).",
    )
    is_active = serializers.BooleanField(default=True)


class NewSupporterSerializer(SupporterInputSerializer):
    """A new supporter: their login (role supporter) and profile, created together."""

    username = serializers.CharField(max_length=150)
    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150, allow_blank=True, default="")
    email = serializers.EmailField(allow_blank=True, default="")
    password = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        style={"input_type": "password"},
        help_text="Optional; without one the login cannot be used until an administrator sets it.",
    )


class SupporterFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=SupporterKind.choices)
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = Supporter
        fields = ["kind", "is_active"]


@extend_schema_view(
    list=extend_schema(summary="Supporters you can see", description="Filter by ?kind=, ?is_active=."),
    retrieve=extend_schema(summary="One supporter"),
)
class SupporterViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Supporter]):
    """Peer supporters: lived experience, languages, training, capacity, supervisor. Organization staff and
    professionals see their organization's supporters, a supporter themself, a participant the supporters
    assigned to them. Administrators and coordinators add supporters (login and profile together) and
    change profiles; a login's name and username are changed by an administrator, not here. Supporters
    are never deleted: set is_active to false."""

    serializer_class = SupporterSerializer
    permission_classes = [IsAuthenticated, ManagersMayWrite]
    filterset_class = SupporterFilter

    def get_queryset(self) -> QuerySet[Supporter]:
        return supporters_visible_to(self.request.user)

    def _render(self, supporter: Supporter, status: int = 200) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=supporter.pk)).data, status=status)

    @extend_schema(summary="Add a supporter", request=NewSupporterSerializer, responses={201: SupporterSerializer})
    def create(self, request: Request) -> Response:
        parsed = NewSupporterSerializer(data=request.data, context=self.get_serializer_context())
        parsed.is_valid(raise_exception=True)
        data = dict(parsed.validated_data)
        account = {key: data.pop(key) for key in ("username", "first_name", "last_name", "email")}
        password = data.pop("password", None)
        user = acting_user(request)
        with service_errors():
            supporter = create_supporter(user, organization_of(user), password=password, data=data, **account)
        return self._render(supporter, status=201)

    @extend_schema(summary="Replace a supporter's profile", request=SupporterInputSerializer)
    def update(self, request: Request, pk: str) -> Response:
        return self._save(request, partial=False)

    @extend_schema(summary="Change some of a supporter's profile", request=SupporterInputSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        return self._save(request, partial=True)

    def _save(self, request: Request, *, partial: bool) -> Response:
        supporter = self.get_object()
        parsed = SupporterInputSerializer(data=request.data, partial=partial, context=self.get_serializer_context())
        parsed.is_valid(raise_exception=True)
        with service_errors():
            update_supporter(acting_user(request), supporter, dict(parsed.validated_data))
        return self._render(supporter)
