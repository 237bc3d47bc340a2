"""Group sessions in people's own calendar apps.

The calendar page shows the user's private feed addresses (made on the first visit) and lets them revoke
the address and get a new one. The feeds themselves are read by calendar apps, which cannot log in: the
secret token in the address stands for the user, and the feed shows exactly what that user may see
(groups.access.series_visible_to). An unknown or revoked token, or an inactive login, is a 404.
Feeds never carry participants' names (groups.calendar).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from alongside.accounts.models import Role
from alongside.groups import calendar
from alongside.groups.access import access_series, series_visible_to
from alongside.web.guards import current_user, require

# How long a calendar app (or a proxy in between) may reuse a feed before asking again.
FEED_MAX_AGE_SECONDS = 15 * 60


def _ics(body: bytes, filename: str, *, attachment: bool) -> HttpResponse:
    response = HttpResponse(body, content_type=calendar.CONTENT_TYPE)
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    # The address is a secret: shared caches must not keep a copy.
    response["Cache-Control"] = f"private, max-age={FEED_MAX_AGE_SECONDS}"
    response["X-Robots-Tag"] = "noindex"
    return response


def _webcal(url: str) -> str:
    """The same address with the webcal scheme, which phones open in their calendar app to subscribe."""
    return "webcal://" + url.split("://", 1)[1]


@login_required
def calendar_page(request: HttpRequest) -> HttpResponse:
    """GET: the feed addresses. POST: revoke the address and make a new one."""
    user = current_user(request)
    # Evaluators read aggregates only; they have no sessions to put in a calendar.
    require(user.is_superuser or user.role != Role.EVALUATOR)
    if request.method == "POST":
        calendar.renew_feed(user)
        messages.success(request, "Your old calendar address no longer works. Subscribe again with the new one below.")
        return redirect("groups:calendar")
    feed = calendar.live_feed(user)
    mine = request.build_absolute_uri(reverse("groups:feed_mine", args=[feed.token]))
    series = (
        series_visible_to(user)
        .filter(is_cancelled=False, sessions__starts_at__gte=timezone.now())
        .select_related("program")
        .distinct()
        .order_by("title", "pk")
    )
    series_feeds = [
        (
            s,
            request.build_absolute_uri(reverse("groups:feed_series", args=[feed.token, s.pk])),
            reverse("groups:series_ics", args=[s.pk]),
        )
        for s in series
    ]
    return render(
        request,
        "groups/calendar.html",
        {
            "feed": feed,
            "mine_url": mine,
            "mine_webcal": _webcal(mine),
            "series_feeds": [(s, url, _webcal(url), download) for s, url, download in series_feeds],
            "is_participant": user.role == Role.PARTICIPANT,
        },
    )


@require_safe
def feed_mine(request: HttpRequest, token: str) -> HttpResponse:
    user = calendar.feed_owner(token)
    if user is None:
        raise Http404("No such calendar.")
    return _ics(calendar.mine_ics(user), "my-group-sessions.ics", attachment=False)


@require_safe
def feed_series(request: HttpRequest, token: str, series_id: int) -> HttpResponse:
    user = calendar.feed_owner(token)
    if user is None:
        raise Http404("No such calendar.")
    series = access_series(user, series_id)
    return _ics(calendar.series_ics(series), f"group-series-{series.pk}.ics", attachment=False)


@login_required
@require_safe
def series_ics(request: HttpRequest, series_id: int) -> HttpResponse:
    """One series as a file to import (a snapshot; the feed address keeps up with changes)."""
    series = access_series(current_user(request), series_id)
    return _ics(calendar.series_ics(series), f"group-series-{series.pk}.ics", attachment=True)


urlpatterns: list[URLPattern] = [
    path("calendar/", calendar_page, name="calendar"),
    path("calendar/<str:token>/mine.ics", feed_mine, name="feed_mine"),
    path("calendar/<str:token>/series/<int:series_id>.ics", feed_series, name="feed_series"),
    path("series/<int:series_id>/calendar.ics", series_ics, name="series_ics"),
]
