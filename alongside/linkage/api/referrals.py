"""/api/v1/referrals/: closed-loop referrals.

Thin like the pages: linkage.referral_access scopes (out of scope is a 404), linkage.services writes (its
ValidationError is a 400 with field errors and nothing saved; its PermissionDenied a 403). Every response
that shows referrals writes the access log.

    GET  /referrals/                 the referrals you may see (?participant= ?enrollment= ?program=
                                     ?status= ?open= ?to_me=); professionals get those addressed to them
    GET  /referrals/{id}/            one, with every step (participants: without the team's notes)
    POST /referrals/                 make one (supporters of the enrolment, organization-wide roles)
    POST /referrals/{id}/status/     one step along the loop
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from alongside.accounts.models import User
from alongside.api_common import (
    CodeListField,
    ParticipantRecordViewSet,
    ScopedPrimaryKeyField,
    acting_user,
    service_errors,
)
from alongside.contacts.models import Contact
from alongside.linkage.models import (
    OPEN_REFERRAL_STATUSES,
    Referral,
    ReferralEvent,
    ReferralKind,
    ReferralStatus,
    ReferralUrgency,
    Service,
    SharedItem,
)
from alongside.linkage.referral_access import (
    may_refer_at_all,
    referable_enrollments,
    referrals_visible_to,
    sees_team_notes,
    statuses_for,
)
from alongside.linkage.services import MAX_NOTE_LENGTH, MAX_REASON_LENGTH, change_status, create_referral
from alongside.people.access import contacts_visible_to
from alongside.programs.models import Enrollment


class ReferralEventSerializer(serializers.ModelSerializer[ReferralEvent]):
    note = serializers.SerializerMethodField(help_text="The team's note on this step (empty for participants).")

    class Meta:
        model = ReferralEvent
        fields = ["from_status", "to_status", "changed_by", "changed_at", "note"]
        read_only_fields = fields

    def get_note(self, event: ReferralEvent) -> str:
        return event.note if self.context.get("show_notes", True) else ""


class ReferralSerializer(serializers.ModelSerializer[Referral]):
    program = serializers.IntegerField(source="enrollment.program_id", read_only=True)
    receiver = serializers.CharField(read_only=True, help_text="The service's, professional's or given name.")
    is_open = serializers.BooleanField(read_only=True)
    next_statuses = serializers.SerializerMethodField(
        help_text="The steps you may take next (empty when you may take none, or the loop is closed)."
    )
    events = serializers.SerializerMethodField(help_text="Every step, oldest first.")
    shared_items = serializers.ListField(
        child=serializers.ChoiceField(choices=SharedItem.choices),
        read_only=True,
        help_text="What the participant agreed to share with the receiver.",
    )

    class Meta:
        model = Referral
        fields = [
            "id",
            "participant",
            "enrollment",
            "program",
            "kind",
            "service",
            "to_professional",
            "to_name",
            "receiver",
            "reason",
            "urgency",
            "consent_to_share",
            "shared_items",
            "status",
            "is_open",
            "status_changed_at",
            "appointment_at",
            "from_contact",
            "is_incoming",
            "external_id",
            "created_by",
            "created_at",
            "created_on",
            "next_statuses",
            "events",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=ReferralStatus.choices)))
    def get_next_statuses(self, referral: Referral) -> list[str]:
        request = self.context.get("request")
        return statuses_for(request.user, referral) if request is not None else []

    @extend_schema_field(ReferralEventSerializer(many=True))
    def get_events(self, referral: Referral) -> Any:
        return ReferralEventSerializer(referral.events.all(), many=True, context=self.context).data


def _services(user: User | AnonymousUser) -> QuerySet[Service]:
    return (
        Service.objects.filter(organization=user.organization_id) if isinstance(user, User) else Service.objects.none()
    )


def _colleagues(user: User | AnonymousUser) -> QuerySet[User]:
    """Users of the caller's organization; linkage.services says which of them may receive a referral."""
    return User.objects.filter(organization=user.organization_id) if isinstance(user, User) else User.objects.none()


def _contacts(user: User | AnonymousUser) -> QuerySet[Contact]:
    return contacts_visible_to(user)


class ReferralInputSerializer(serializers.Serializer[dict[str, Any]]):
    """A new referral. Shapes and scope only; linkage.services checks the rest (consent, one receiver, ...)
    in the same words as the page."""

    enrollment = ScopedPrimaryKeyField(
        referable_enrollments,
        noun="open enrolment",
        queryset=Enrollment.objects.none(),
        help_text="An open enrolment you work on (supporters: those they are assigned to).",
    )
    kind = serializers.ChoiceField(choices=ReferralKind.choices)
    reason = serializers.CharField(allow_blank=True, max_length=MAX_REASON_LENGTH)
    urgency = serializers.ChoiceField(choices=ReferralUrgency.choices, default=ReferralUrgency.ROUTINE)
    consent_to_share = serializers.BooleanField(
        default=False, help_text="The participant agreed to share shared_items with the receiver. Required."
    )
    shared_items = CodeListField(choices=SharedItem.choices, noun="shared item", required=False, default=list)
    service = ScopedPrimaryKeyField(
        _services,
        noun="service",
        queryset=Service.objects.none(),
        required=False,
        allow_null=True,
        help_text="One receiver: a service of your organization's directory ...",
    )
    to_professional = ScopedPrimaryKeyField(
        _colleagues,
        noun="user",
        queryset=User.objects.none(),
        required=False,
        allow_null=True,
        help_text="... or an active professional of your organization ...",
    )
    to_name = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=300, help_text="... or a name (outside the directory)."
    )
    from_contact = ScopedPrimaryKeyField(
        _contacts,
        noun="contact",
        queryset=Contact.objects.none(),
        required=False,
        allow_null=True,
        help_text="The contact the referral was made in (same enrolment).",
    )
    send = serializers.BooleanField(default=True, help_text="Send now (default) or keep as a draft.")


class ReferralStatusInputSerializer(serializers.Serializer[dict[str, Any]]):
    status = serializers.ChoiceField(choices=ReferralStatus.choices, help_text="The next status (see next_statuses).")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=MAX_NOTE_LENGTH)
    appointment_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="Required to book (status scheduled), only then."
    )


class ReferralFilter(django_filters.FilterSet):
    participant = django_filters.NumberFilter()
    enrollment = django_filters.NumberFilter()
    program = django_filters.NumberFilter(field_name="enrollment__program")
    status = django_filters.ChoiceFilter(choices=ReferralStatus.choices)
    open = django_filters.BooleanFilter(method="filter_open", label="Open (not declined, completed or cancelled)")
    to_me = django_filters.BooleanFilter(method="filter_to_me", label="Addressed to you (professionals)")

    class Meta:
        model = Referral
        fields = ["participant", "enrollment", "program", "status", "open", "to_me"]

    def filter_open(self, queryset: QuerySet[Referral], name: str, value: bool | None) -> QuerySet[Referral]:
        if value is None:
            return queryset
        return (
            queryset.filter(status__in=OPEN_REFERRAL_STATUSES)
            if value
            else queryset.exclude(status__in=OPEN_REFERRAL_STATUSES)
        )

    def filter_to_me(self, queryset: QuerySet[Referral], name: str, value: bool | None) -> QuerySet[Referral]:
        return queryset.filter(to_professional=self.request.user) if value else queryset


@extend_schema_view(
    list=extend_schema(
        summary="Referrals you can see",
        description="Newest first. Supporters: the enrolments they are assigned to; administrators, coordinators "
        "and supervisors: their organization's; professionals: those addressed to them (never drafts); "
        "participants: their own, without the team's notes; evaluators: none. Reading writes the access log.",
    ),
    retrieve=extend_schema(summary="One referral, with every step"),
)
class ReferralViewSet(ParticipantRecordViewSet[Referral]):
    """Referrals to clinical care or community services, followed until the loop closes."""

    serializer_class = ReferralSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = ReferralFilter
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[Referral]:
        return (
            referrals_visible_to(self.request.user)
            .select_related("enrollment")
            .prefetch_related("events")
            .order_by("-created_at", "-pk")
        )

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "show_notes": sees_team_notes(self.request.user)}

    @extend_schema(
        summary="Make a referral",
        description="Consent to share is required; exactly one receiver (service, to_professional or to_name); a "
        "clinical referral to a directory service needs a clinical service. Bad input is a 400 with field errors "
        "(a missing or double receiver under `receiver`) and saves nothing. Roles that do not refer (professionals, "
        "participants, evaluators) get a 403.",
        request=ReferralInputSerializer,
        responses={201: ReferralSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = acting_user(request)
        if not may_refer_at_all(user):
            raise PermissionDenied("Only supporters and organization-wide roles make referrals.")
        parsed = ReferralInputSerializer(data=request.data, context=self.get_serializer_context())
        parsed.is_valid(raise_exception=True)
        data = parsed.validated_data
        with service_errors():
            referral = create_referral(
                user,
                data["enrollment"],
                kind=data["kind"],
                reason=data["reason"],
                urgency=data["urgency"],
                consent_to_share=data["consent_to_share"],
                shared_items=data["shared_items"],
                service=data.get("service"),
                to_professional=data.get("to_professional"),
                to_name=data["to_name"],
                from_contact=data.get("from_contact"),
                send=data["send"],
            )
        return self.render(referral, status=201)

    @extend_schema(
        summary="Take the next step",
        description="Moves the referral one step along the loop: draft → sent → accepted or declined → scheduled "
        "(appointment_at required) → completed or no-show (a no-show can be booked again); cancelled ends it from "
        "any open status. A step the loop does not allow is a 400 naming the allowed ones. Professionals answer "
        "referrals addressed to them (accept, decline, book, complete, no-show); participants get a 403.",
        request=ReferralStatusInputSerializer,
        responses={200: ReferralSerializer},
    )
    @action(detail=True, methods=["post"])
    def status(self, request: Request, pk: str | None = None) -> Response:
        referral = self.get_object()
        parsed = ReferralStatusInputSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        data = parsed.validated_data
        with service_errors():
            change_status(
                acting_user(request),
                referral,
                data["status"],
                note=data["note"],
                appointment_at=data["appointment_at"],
            )
        return self.render(referral)


def register(router: DefaultRouter) -> None:
    router.register("referrals", ReferralViewSet, basename="referral")
