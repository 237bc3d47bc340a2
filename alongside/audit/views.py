from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from alongside.audit.models import AccessLogEntry
from alongside.people.access import can_read_access_log


@login_required
def access_log(request: HttpRequest) -> HttpResponse:
    """Admins read who looked at which participant record; filter by participant or user."""
    user = request.user
    if not can_read_access_log(user):
        raise Http404("Not available to your role.")
    entries = AccessLogEntry.objects.select_related("user", "participant")
    if not user.is_superuser:
        entries = entries.filter(participant__organization=user.organization_id)  # type: ignore[union-attr]
    participant = request.GET.get("participant", "")
    username = request.GET.get("user", "")
    if participant.isdigit():
        entries = entries.filter(participant_id=int(participant))
    if username:
        entries = entries.filter(user__username=username)
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    return render(request, "audit/access_log.html", {"page": page, "participant": participant, "username": username})
