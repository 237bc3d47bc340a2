"""/api/v1/contacts/: read the contact log in scope, log a contact through contacts.services.log_contact.

Contacts are a record of what happened, so the API does not edit or delete them (no PUT, PATCH or
DELETE); a correction is a new contact with a note.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from alongside.accounts.models import User
from alongside.api_common import (
    CodeListField,
    ParticipantRecordViewSet,
    ScopedPrimaryKeyField,
    acting_user,
    service_errors,
)
from alongside.contacts.models import MAX_DURATION_MINUTES, Contact
from alongside.contacts.services import ContactInput, log_contact
from alongside.people.access import contacts_visible_to, enrollments_visible_to
from alongside.programs.models import Enrollment
from alongside.safety.models import Concern
from alongside.taxonomy import ACTIVITIES, FUNCTION_FIELDS, ConcernTier, Initiation, KeyFunction, Modality, Outcome

NOT_EDITABLE = (
    "Contacts cannot be edited or deleted after the fact (no PUT, PATCH or DELETE): "
    "log a new contact to correct or add to one."
)


class ContactConcernSerializer(serializers.ModelSerializer[Concern]):
    class Meta:
        model = Concern
        fields = ["id", "tier", "reason", "raised_at", "acknowledged_at"]
        read_only_fields = fields


class ContactSerializer(serializers.ModelSerializer[Contact]):
    participant_name = serializers.CharField(source="participant.full_name", read_only=True)
    program = serializers.IntegerField(source="enrollment.program_id", read_only=True)
    supporter_name = serializers.CharField(source="supporter.user.display_name", read_only=True, allow_null=True)
    recorded_by_name = serializers.CharField(source="recorded_by.display_name", read_only=True)
    functions = serializers.ListField(
        child=serializers.ChoiceField(choices=KeyFunction.choices),
        read_only=True,
        help_text="Key functions the contact served (only reached contacts serve any).",
    )
    activities = serializers.ListField(child=serializers.CharField(), read_only=True)
    concern = ContactConcernSerializer(read_only=True, allow_null=True, help_text="Raised with this contact, if any.")

    class Meta:
        model = Contact
        fields = [
            "id",
            "participant",
            "participant_name",
            "enrollment",
            "program",
            "supporter",
            "supporter_name",
            "recorded_by",
            "recorded_by_name",
            "occurred_at",
            "modality",
            "initiated_by",
            "outcome",
            "duration_minutes",
            "functions",
            "activities",
            "topics",
            "note",
            "next_contact_due",
            "concern",
            "created_at",
        ]
        read_only_fields = fields


def loggable_enrollments(user: User | AnonymousUser) -> QuerySet[Enrollment]:
    return enrollments_visible_to(user).select_related("participant", "program")


class ContactInputSerializer(serializers.Serializer[dict[str, Any]]):
    """One contact as a supporter logs it. Checks shapes and codes; contacts.services.check_contact checks
    the rest (assignment, dates, consent, functions against the outcome)."""

    enrollment = ScopedPrimaryKeyField(
        loggable_enrollments,
        noun="enrolment",
        queryset=Enrollment.objects.none(),
        help_text="An enrolment you can see; supporters log for the enrolments they are assigned to.",
    )
    occurred_at = serializers.DateTimeField(help_text="Not in the future, not before the enrolment.")
    modality = serializers.ChoiceField(choices=Modality.choices, default=Modality.PHONE_CALL)
    initiated_by = serializers.ChoiceField(choices=Initiation.choices, default=Initiation.PROACTIVE)
    outcome = serializers.ChoiceField(choices=Outcome.choices, default=Outcome.REACHED)
    duration_minutes = serializers.IntegerField(min_value=0, max_value=MAX_DURATION_MINUTES, default=0)
    functions = CodeListField(
        choices=KeyFunction.choices,
        noun="key function",
        default=list,
        help_text="Key functions served; those implied by the activities are added.",
    )
    activities = CodeListField(choices=[(a.code, a.label) for a in ACTIVITIES], noun="activity", default=list)
    topics = serializers.CharField(max_length=300, allow_blank=True, default="")
    note = serializers.CharField(allow_blank=True, default="")
    next_contact_due = serializers.DateField(allow_null=True, default=None)
    concern_tier = serializers.ChoiceField(
        choices=ConcernTier.choices, allow_blank=True, default="", help_text="Raise a concern with this contact."
    )
    concern_reason = serializers.CharField(allow_blank=True, default="")


class ContactFilter(django_filters.FilterSet):
    participant = django_filters.NumberFilter()
    enrollment = django_filters.NumberFilter()
    since = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte", label="Occurred at or after")
    function = django_filters.ChoiceFilter(choices=KeyFunction.choices, method="filter_function", label="Served")
    outcome = django_filters.ChoiceFilter(choices=Outcome.choices)

    class Meta:
        model = Contact
        fields = ["participant", "enrollment", "since", "function", "outcome"]

    def filter_function(self, queryset: QuerySet[Contact], name: str, value: str) -> QuerySet[Contact]:
        return queryset.filter(**{FUNCTION_FIELDS[value]: True})


@extend_schema_view(
    list=extend_schema(
        summary="Contacts you can see",
        description="Newest first. Filter by ?participant=, ?enrollment=, ?since= (ISO 8601 date-time), "
        "?function=, ?outcome=. " + NOT_EDITABLE,
    ),
    retrieve=extend_schema(summary="One contact", description=NOT_EDITABLE),
)
class ContactViewSet(ParticipantRecordViewSet[Contact]):
    """The contact log: one row per touchpoint, with the key functions it served. Scoped through the
    enrolments the caller can see. Assigned supporters log contacts (coordinators and supervisors may log
    on a supporter's behalf). Contacts cannot be edited or deleted after the fact. Reading writes the
    access log."""

    serializer_class = ContactSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = ContactFilter

    def get_queryset(self) -> QuerySet[Contact]:
        return contacts_visible_to(self.request.user).select_related(
            "participant", "enrollment", "supporter__user", "recorded_by", "concern"
        )

    @extend_schema(
        summary="Log a contact",
        description="Bad input is a 400 with field errors and saves nothing. An enrolment you cannot see is a "
        "400 on enrollment; one you can see but may not log for is a 400 on participant. " + NOT_EDITABLE,
        request=ContactInputSerializer,
        responses={201: ContactSerializer},
    )
    def create(self, request: Request) -> Response:
        parsed = ContactInputSerializer(data=request.data, context=self.get_serializer_context())
        parsed.is_valid(raise_exception=True)
        data = dict(parsed.validated_data)
        enrollment = data.pop("enrollment")
        with service_errors():
            contact = log_contact(acting_user(request), enrollment, ContactInput(**data))
        return self.render(contact, status=201)
