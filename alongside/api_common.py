"""Pieces every API module shares: service errors as HTTP 400, the write permission, scoped id fields,
code-list fields and the participant access log.

The API is thin like the pages: serializers parse, `people.access` scopes, the services write, and a read
serializer renders. Services raise django's ValidationError (field -> messages) before writing anything;
`service_errors()` hands those to the client as HTTP 400 with the same field errors the web forms show.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from alongside.accounts.models import User
from alongside.audit.models import AccessChannel
from alongside.audit.services import log_access
from alongside.people.access import can_manage

_M = TypeVar("_M", bound=Model)
Scope = Callable[[User | AnonymousUser], "QuerySet[Any]"]


def acting_user(request: Request) -> User:
    """The authenticated user. The default permission (IsAuthenticated) already ran; this narrows the type."""
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated()
    return user


def field_errors(error: DjangoValidationError) -> dict[str, list[str]]:
    """A service's ValidationError as {field: [messages]}; errors without a field go under non_field_errors."""
    if hasattr(error, "error_dict"):
        return {
            (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): list(messages)
            for field, messages in error.message_dict.items()
        }
    return {api_settings.NON_FIELD_ERRORS_KEY: list(error.messages)}


@contextmanager
def service_errors() -> Iterator[None]:
    """Run a service call; its ValidationError becomes HTTP 400 with field errors. Services validate before
    they write and run in one transaction, so a 400 means nothing was saved."""
    try:
        yield
    except DjangoValidationError as error:
        raise serializers.ValidationError(field_errors(error)) from error


class ManagersMayWrite(BasePermission):
    """Reads are open to any signed-in user and scoped by `people.access` (out of scope is a 404).
    Writes need `can_manage` (administrators and coordinators), as on the pages."""

    message = "Only administrators and coordinators may change this."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in SAFE_METHODS or can_manage(request.user)


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField[Model]):
    """An id that must name a record the caller can see. Anything else reads as "does not exist", so the
    answer is the same for a record out of scope and for one that was never there."""

    default_error_messages = {
        "does_not_exist": "No {noun} with id {pk_value} that you can see.",
        "incorrect_type": "Expected an id (a whole number), got {data_type}.",
    }

    def __init__(self, scope: Scope, *, noun: str, **kwargs: Any) -> None:
        self.scope = scope
        self.noun = noun
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        return self.scope(self.context["request"].user)

    def fail(self, key: str, **kwargs: Any) -> NoReturn:
        super().fail(key, noun=self.noun, **kwargs)


class CodeListField(serializers.ListField):
    """A list of codes from one of the taxonomy's choices (the schema lists them as an enum). Unknown codes
    are reported together, in the services' wording ("Unknown key function: x, y."); repeats are dropped."""

    def __init__(self, *, choices: Sequence[tuple[Any, str]], noun: str, **kwargs: Any) -> None:
        self.noun = noun
        self.codes = {str(code) for code, _ in choices}
        super().__init__(child=serializers.ChoiceField(choices=choices), **kwargs)

    def to_internal_value(self, data: Any) -> list[Any]:
        if isinstance(data, list):
            unknown = sorted({str(v) for v in data if str(v) not in self.codes or isinstance(v, bool)})
            if unknown:
                raise serializers.ValidationError(f"Unknown {self.noun}: {', '.join(unknown)}.")
        return list(dict.fromkeys(super().to_internal_value(data)))


class ParticipantRecordViewSet(viewsets.GenericViewSet[_M]):
    """Base for resources that are part of a participant's record (participants, enrolments, contacts).

    Every response that shows such records writes the access log: one row per participant rendered, in
    one insert (audit.services.log_access), after the scoped fetch succeeded.
    """

    # The attribute of each row that holds the participant's id ("pk" for participants themselves).
    participant_id_attribute = "participant_id"

    def participant_ids(self, rows: Sequence[_M]) -> list[int]:
        return [getattr(row, self.participant_id_attribute) for row in rows]

    def log_participant_access(self, rows: Sequence[_M]) -> None:
        log_access(self.request.user, self.participant_ids(rows), AccessChannel.API, self.request.path)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        self.log_participant_access(rows)
        data = self.get_serializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.render(self.get_object())

    def render(self, instance: _M, status: int = 200) -> Response:
        """The read representation, fetched again through the scoped queryset so it is the same shape as
        a retrieve (prefetched history included)."""
        fresh = self.get_queryset().get(pk=instance.pk)
        self.log_participant_access([fresh])
        return Response(self.get_serializer(fresh).data, status=status)
