"""The coordinator's follow-up page: who is slipping away, per program, and what to do about it.

Administrators, coordinators and supervisors of the organization read it; administrators and
coordinators act on a line (reassign, pause, mark lost to follow-up); everyone else gets a 404. Views
parse and delegate: the figures come from followup.disengagement, the writes from followup.services,
which validate before writing, so a refused action changes nothing.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

from alongside.followup import disengagement
from alongside.followup.services import mark_lost_to_follow_up, pause, reassign
from alongside.people import access
from alongside.programs.models import Enrollment
from alongside.web.guards import current_user, require

REASON_MAX_LENGTH = 300  # EnrollmentTransition.reason


@login_required
def disengagement_page(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    require(access.is_organization_wide(user))
    flag = request.GET.get("flag", "")
    sort = request.GET.get("sort", "longest")
    if sort not in disengagement.SORTS:
        sort = "longest"
    program = None
    if request.GET.get("program"):
        program = access.access_program(user, request.GET["program"])
    rows = disengagement.program_counts(user)
    lines: list[disengagement.FlaggedLine] = []
    if flag and flag not in disengagement.FLAGS:
        messages.error(request, f"There is no list called “{flag}”. Choose one from the table.")
        flag = ""
    if flag:
        lines = disengagement.flagged(user, flag, program_id=program.pk if program else None, sort=sort)
    manage = access.can_manage(user)
    options = disengagement.reassignment_options(user) if manage and lines else {}
    for line in lines:
        line.options = options.get(line.program.organization_id, [])  # type: ignore[attr-defined]
    return render(
        request,
        "followup/disengagement.html",
        {
            "rows": rows,
            "table": disengagement.count_table(rows),
            "in_follow_up": sum(r.in_follow_up for r in rows),
            "flags": list(disengagement.FLAGS.values()),
            "flag": disengagement.FLAGS.get(flag),
            "program": program,
            "programs": [r.program for r in rows],
            "sort": sort,
            "sorts": disengagement.SORT_CHOICES,
            "lines": lines,
            "can_manage": manage,
            "reason_max_length": REASON_MAX_LENGTH,
        },
    )


def _back(request: HttpRequest) -> HttpResponse:
    """Back to the list the action was taken from; only known parameters are carried over."""
    query = {}
    if request.POST.get("flag", "") in disengagement.FLAGS:
        query["flag"] = request.POST["flag"]
    if request.POST.get("program", "").isdigit():
        query["program"] = request.POST["program"]
    if request.POST.get("sort", "") in disengagement.SORTS:
        query["sort"] = request.POST["sort"]
    url = reverse("followup:disengagement")
    return redirect(f"{url}?{urlencode(query)}" if query else url)


def _acting(request: HttpRequest, enrollment_id: int) -> Enrollment:
    user = current_user(request)
    require(access.can_manage(user))
    return access.access_enrollment(user, enrollment_id)


def _reason(request: HttpRequest) -> str | None:
    """The reason typed, or None (with a message) when it is too long to keep."""
    reason = request.POST.get("reason", "").strip()
    if len(reason) > REASON_MAX_LENGTH:
        messages.error(request, f"Keep the reason to {REASON_MAX_LENGTH} characters. Nothing was changed.")
        return None
    return reason


def _refused(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, f"{message} Nothing was changed.")


@login_required
@require_POST
def reassign_view(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    enrollment = _acting(request, enrollment_id)
    user = current_user(request)
    raw = request.POST.get("supporter", "")
    # Only supporters the coordinator may assign are found; anyone else reads as "not one of yours",
    # without saying whether such a supporter exists elsewhere.
    supporter = (
        access.supporters_visible_to(user)
        .filter(organization_id=enrollment.program.organization_id)
        .filter(pk=int(raw) if raw.isdigit() else 0)
        .first()
    )
    if supporter is None:
        messages.error(request, "Choose a supporter of the program's organization. Nothing was changed.")
        return _back(request)
    try:
        reassign(user, enrollment, supporter)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, f"{enrollment.participant} is now supported by {supporter}.")
    return _back(request)


@login_required
@require_POST
def pause_view(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    enrollment = _acting(request, enrollment_id)
    reason = _reason(request)
    if reason is None:
        return _back(request)
    try:
        pause(current_user(request), enrollment, reason)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, f"Follow-ups for {enrollment.participant} are paused.")
    return _back(request)


@login_required
@require_POST
def lost_view(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    enrollment = _acting(request, enrollment_id)
    reason = _reason(request)
    if reason is None:
        return _back(request)
    try:
        mark_lost_to_follow_up(current_user(request), enrollment, reason)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, f"{enrollment.participant} was marked lost to follow-up.")
    return _back(request)


urlpatterns: list[URLPattern] = [
    path("disengagement/", disengagement_page, name="disengagement"),
    path("disengagement/<int:enrollment_id>/reassign/", reassign_view, name="disengagement_reassign"),
    path("disengagement/<int:enrollment_id>/pause/", pause_view, name="disengagement_pause"),
    path("disengagement/<int:enrollment_id>/lost/", lost_view, name="disengagement_lost"),
]
