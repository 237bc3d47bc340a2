"""Two checks every page view starts with (after @login_required)."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from alongside.accounts.models import User


def current_user(request: HttpRequest) -> User:
    """The logged-in user. Precondition: the view is wrapped in @login_required."""
    assert isinstance(request.user, User)
    return request.user


def require(allowed: bool) -> None:
    """404 (not 403) when the role may not use the page, so nothing about it is disclosed."""
    if not allowed:
        raise Http404("Not available to your role.")
