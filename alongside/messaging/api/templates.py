"""/api/v1/message-templates/: the texts reminders and messages are made from, per program (or organization-
wide), purpose, language and channel.

Reads are for organization-wide roles (administrators, coordinators, supervisors) and scoped to their
organization (anything else is a 404); writes are for administrators and coordinators and go through
messaging.templates.save_template, whose ValidationError (an unknown variable, a malformed placeholder)
becomes a 400 with nothing saved. Templates hold no participant data, so reading them writes no access log.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from alongside.api_common import CodeListField, ManagersMayWrite, ScopedPrimaryKeyField, acting_user, service_errors
from alongside.messaging.models import Channel, MessageTemplate, Purpose
from alongside.messaging.templates import (
    TEMPLATED_PURPOSES,
    TemplateText,
    allowed_variables,
    check_template,
    preview,
    save_template,
)
from alongside.people.access import is_organization_wide, programs_visible_to
from alongside.programs.models import Program
from alongside.taxonomy import FUNCTION_FIELDS, LANGUAGE_CHOICES, KeyFunction


class MessageTemplateSerializer(serializers.ModelSerializer[MessageTemplate]):
    functions = serializers.SerializerMethodField(help_text="Key functions the messages serve.")
    variables = serializers.SerializerMethodField(help_text="The {{ name }} placeholders this template may use.")

    class Meta:
        model = MessageTemplate
        fields = [
            "id",
            "organization",
            "program",
            "purpose",
            "language",
            "channel",
            "subject",
            "body",
            "functions",
            "variables",
            "updated_by",
            "updated_at",
        ]
        read_only_fields = fields

    def get_functions(self, template: MessageTemplate) -> list[str]:
        return [code for code, field in FUNCTION_FIELDS.items() if getattr(template, field)]

    def get_variables(self, template: MessageTemplate) -> list[str]:
        return list(allowed_variables(template.purpose, template.channel))


class TemplateTextSerializer(serializers.Serializer[dict[str, Any]]):
    subject = serializers.CharField(allow_blank=True, required=False, default="", help_text="Emails only.")
    body = serializers.CharField(trim_whitespace=False, help_text="Text with {{ name }} placeholders.")
    functions = CodeListField(choices=KeyFunction.choices, noun="key function", required=False, default=list)


class MessageTemplateInputSerializer(TemplateTextSerializer):
    program = ScopedPrimaryKeyField(
        programs_visible_to,
        noun="program",
        queryset=Program.objects.none(),
        required=False,
        allow_null=True,
        help_text="Blank for the organization-wide template.",
    )
    purpose = serializers.ChoiceField(choices=[(p, Purpose(p).label) for p in TEMPLATED_PURPOSES])
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, help_text="ISO 639-1 code.")
    channel = serializers.ChoiceField(choices=Channel.choices)

    def text(self) -> TemplateText:
        data = self.validated_data
        return TemplateText(
            data["purpose"],
            data["language"],
            data["channel"],
            data["subject"],
            data["body"],
            tuple(data["functions"]),
            data.get("program"),
        )


class PreviewSerializer(serializers.Serializer[dict[str, str]]):
    subject = serializers.CharField()
    body = serializers.CharField()


class MessageTemplateFilter(django_filters.FilterSet):
    program = django_filters.NumberFilter()
    organization_wide = django_filters.BooleanFilter(field_name="program", lookup_expr="isnull")
    purpose = django_filters.ChoiceFilter(choices=Purpose.choices)
    language = django_filters.ChoiceFilter(choices=LANGUAGE_CHOICES)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)

    class Meta:
        model = MessageTemplate
        fields = ["program", "organization_wide", "purpose", "language", "channel"]


def _organization_id(request: Request, program: Program | None) -> int:
    user = acting_user(request)
    if program is not None:
        return program.organization_id
    if user.organization_id is None:
        raise serializers.ValidationError({"program": ["Give a program (you belong to no organization)."]})
    return user.organization_id


@extend_schema_view(
    list=extend_schema(
        summary="Message templates you can see",
        description="Filter by ?program=, ?organization_wide=true, ?purpose=, ?language=, ?channel=.",
    ),
    retrieve=extend_schema(summary="One message template"),
)
class MessageTemplateViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet[MessageTemplate]
):
    """A program's (or the organization's) text for one purpose, language and channel. Messages use the
    program's text, else the organization's, else the built-in default, in the person's language (English
    when there is none). Removing a template brings back the next one in that order."""

    serializer_class = MessageTemplateSerializer
    permission_classes = [IsAuthenticated, ManagersMayWrite]
    filterset_class = MessageTemplateFilter
    http_method_names = ["get", "post", "put", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[MessageTemplate]:
        user = self.request.user
        if not is_organization_wide(user):
            return MessageTemplate.objects.none()
        organization_id = getattr(user, "organization_id", None)
        return MessageTemplate.objects.filter(
            Q(program__in=programs_visible_to(user)) | Q(program__isnull=True, organization_id=organization_id)
        ).order_by("pk")

    @extend_schema(
        summary="Write a template",
        description="400 with field errors (nothing saved) for an unknown variable, a malformed placeholder, or "
        "when the program already has a template for this purpose, language and channel (PUT it instead).",
        request=MessageTemplateInputSerializer,
        responses={201: MessageTemplateSerializer},
    )
    def create(self, request: Request) -> Response:
        parsed = MessageTemplateInputSerializer(data=request.data, context=self.get_serializer_context())
        parsed.is_valid(raise_exception=True)
        text = parsed.text()
        with service_errors():
            template = save_template(acting_user(request), _organization_id(request, text.program), text)
        return Response(self.get_serializer(template).data, status=201)

    @extend_schema(
        summary="Rewrite a template's text", request=TemplateTextSerializer, responses=MessageTemplateSerializer
    )
    def update(self, request: Request, pk: str) -> Response:
        template = self.get_object()
        parsed = TemplateTextSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        data = parsed.validated_data
        text = TemplateText(
            template.purpose,
            template.language,
            template.channel,
            data["subject"],
            data["body"],
            tuple(data["functions"]),
            template.program,
        )
        with service_errors():
            template = save_template(acting_user(request), template.organization_id, text, template)
        return Response(self.get_serializer(template).data)

    @extend_schema(summary="Remove a template", responses={204: None})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().destroy(request, *args, **kwargs)

    @extend_schema(
        summary="Preview a text with sample values",
        description="Checks the text as saving would (400 with field errors when wrong) and renders it with "
        "sample values; saves nothing.",
        request=MessageTemplateInputSerializer,
        responses=PreviewSerializer,
    )
    @action(detail=False, methods=["post"])
    def preview(self, request: Request) -> Response:
        if not is_organization_wide(request.user):
            raise PermissionDenied("Only administrators, coordinators and supervisors preview templates.")
        parsed = MessageTemplateInputSerializer(data=request.data, context=self.get_serializer_context())
        parsed.is_valid(raise_exception=True)
        text = parsed.text()
        errors = check_template(text)
        if errors:
            raise serializers.ValidationError(errors)
        subject, body = preview(text)
        return Response({"subject": subject, "body": body})


def register(router: DefaultRouter) -> None:
    router.register("message-templates", MessageTemplateViewSet, basename="message-template")
