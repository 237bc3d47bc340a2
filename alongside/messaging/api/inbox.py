"""/api/v1/inbound-messages/: the texts participants sent, as in the Messages inbox (same scope: a supporter
sees their assigned participants' texts, organization-wide roles their organization's), and marking one read.
Keyword texts (STOP/START/HELP) are not listed; unknown numbers are handled on the coordinators' page."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from alongside.api_common import ParticipantRecordViewSet, acting_user
from alongside.messaging import inbound
from alongside.messaging.models import InboundMessage
from alongside.messaging.views.inbox import inbox_messages, may_use_inbox


class InboundMessageSerializer(serializers.ModelSerializer[InboundMessage]):
    participant_name = serializers.CharField(source="participant.full_name", read_only=True)
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = InboundMessage
        fields = [
            "id",
            "participant",
            "participant_name",
            "from_address",
            "body",
            "received_at",
            "contact",
            "red_flag",
            "concern",
            "is_read",
            "handled_by",
            "handled_at",
        ]
        read_only_fields = fields

    def get_is_read(self, obj: InboundMessage) -> bool:
        return obj.handled_at is not None


@extend_schema_view(
    list=extend_schema(parameters=[OpenApiParameter("unread", bool, description="Only texts nobody has marked read.")])
)
class InboundMessageViewSet(ParticipantRecordViewSet[InboundMessage]):
    serializer_class = InboundMessageSerializer
    queryset = InboundMessage.objects.none()  # the schema's model; get_queryset scopes every request

    def get_queryset(self) -> QuerySet[InboundMessage]:
        if getattr(self, "swagger_fake_view", False):
            return InboundMessage.objects.none()
        user = acting_user(self.request)
        if not may_use_inbox(user):
            return InboundMessage.objects.none()
        rows = inbox_messages(user).order_by("-received_at", "-id")
        if self.action == "list" and self.request.query_params.get("unread") in ("1", "true"):
            rows = rows.filter(handled_at__isnull=True)
        return rows

    @extend_schema(request=None, responses=InboundMessageSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        message = self.get_object()
        inbound.mark_read(acting_user(request), message)
        return self.render(message)


def register(router: DefaultRouter) -> None:
    router.register("inbound-messages", InboundMessageViewSet, basename="inbound-message")
