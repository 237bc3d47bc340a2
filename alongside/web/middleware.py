from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from alongside.accounts.models import User


class OrganizationTimezoneMiddleware:
    """Shows and reads dates in the organization's time zone, not the server's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if isinstance(user, User) and user.organization is not None:
            timezone.activate(user.organization.timezone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
