"""One session: its page (what it covers, when and where, who leads it), editing its content, and the
schedule changes a manager makes from the series page (cancel, reinstate, move, add).

A schedule change that fails re-shows the series page with that session's form open, its errors beside
the fields and what was typed kept.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_POST

from alongside.accounts.models import User
from alongside.groups import services
from alongside.groups.access import access_series, access_session, can_manage_series, can_run_session
from alongside.groups.forms import ReasonForm, SessionAddForm, SessionContentForm, SessionTimeForm
from alongside.groups.models import GroupSession
from alongside.groups.views.series import _staff_only, render_series_page
from alongside.web.guards import current_user, require


def _when(session: GroupSession) -> str:
    local = session.local_start()
    return f"{local:%a} {local.day} {local:%b at %H:%M}"


@login_required
def session_detail(request: HttpRequest, session_id: int) -> HttpResponse:
    user = current_user(request)
    _staff_only(user)
    session = access_session(user, session_id)
    series = session.series
    today = timezone.localdate(timezone=series.zone)
    context = {
        "session": session,
        "series": series,
        "facilitators": list(series.facilitators.select_related("user")),
        "run": can_run_session(user, series),
        "manage": can_manage_series(user, series),
        "marked": session.attendance.count(),
        "is_today": session.starts_on == today,
        "is_future": session.starts_on > today,
    }
    return render(request, "groups/session_detail.html", context)


@login_required
def session_edit(request: HttpRequest, session_id: int) -> HttpResponse:
    user = current_user(request)
    session = access_session(user, session_id)
    require(can_run_session(user, session.series))
    form = SessionContentForm(request.POST or None, session=session)
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_session_content(
                user,
                session,
                topic=form.cleaned_data["topic"],
                description=form.cleaned_data["description"],
                functions=form.cleaned_data["functions"],
                activities=form.activities(),
            )
        except ValidationError as error:
            form.show_errors(error)
        else:
            messages.success(request, f"Session {session.number} saved.")
            return redirect("groups:session", session.pk)
    return render(request, "groups/session_edit.html", {"form": form, "session": session, "series": session.series})


def _managed_session(user: User, session_id: int) -> GroupSession:
    session = access_session(user, session_id)
    require(can_manage_series(user, session.series))
    return session


@login_required
@require_POST
def session_cancel(request: HttpRequest, session_id: int) -> HttpResponse:
    user = current_user(request)
    session = _managed_session(user, session_id)
    form = ReasonForm(request.POST, prefix=f"s{session.pk}")
    if form.is_valid():
        try:
            services.cancel_session(user, session, form.cleaned_data["reason"])
        except ValidationError as error:
            form.show_errors(error)
        else:
            messages.success(request, f"Session {session.number} ({_when(session)}) is cancelled.")
            return redirect("groups:series", session.series_id)
    return render_series_page(request, user, session.series, session_id=session.pk, cancel_form=form)


@login_required
@require_POST
def session_reinstate(request: HttpRequest, session_id: int) -> HttpResponse:
    user = current_user(request)
    session = _managed_session(user, session_id)
    try:
        services.reinstate_session(user, session)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Session {session.number} ({_when(session)}) is back on the schedule.")
    return redirect("groups:series", session.series_id)


@login_required
@require_POST
def session_move(request: HttpRequest, session_id: int) -> HttpResponse:
    user = current_user(request)
    session = _managed_session(user, session_id)
    form = SessionTimeForm(request.POST, prefix=f"s{session.pk}")
    if form.is_valid():
        try:
            moved = services.move_session(user, session, form.local_start())
        except ValidationError as error:
            form.show_errors(error)
        else:
            messages.success(request, f"Session {moved.number} moved to {_when(moved)}.")
            return redirect("groups:series", session.series_id)
    return render_series_page(request, user, session.series, session_id=session.pk, move_form=form)


@login_required
@require_POST
def session_add(request: HttpRequest, series_id: int) -> HttpResponse:
    user = current_user(request)
    series = access_series(user, series_id)
    require(can_manage_series(user, series))
    form = SessionAddForm(request.POST, prefix="add")
    if form.is_valid():
        try:
            added = services.add_session(user, series, form.local_start(), topic=form.cleaned_data["topic"])
        except ValidationError as error:
            form.show_errors(error)
        else:
            messages.success(request, f"Session {added.number} added on {_when(added)}.")
            return redirect("groups:series", series.pk)
    return render_series_page(request, user, series, add_form=form)


urlpatterns: list[URLPattern] = [
    path("sessions/<int:session_id>/", session_detail, name="session"),
    path("sessions/<int:session_id>/edit/", session_edit, name="session_edit"),
    path("sessions/<int:session_id>/cancel/", session_cancel, name="session_cancel"),
    path("sessions/<int:session_id>/reinstate/", session_reinstate, name="session_reinstate"),
    path("sessions/<int:session_id>/move/", session_move, name="session_move"),
    path("series/<int:series_id>/sessions/add/", session_add, name="session_add"),
]
