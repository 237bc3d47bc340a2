"""The attendance screen: a peer leader on a phone in the room taps Present, Absent or Excused beside each
name. Each tap is one POST; with htmx only that person's line is swapped (and the "n of m marked"
count), without JavaScript the form posts and the page comes back at the same line.

Showing the roster is access to those participants' records, so every request writes the access log.
A refused mark (someone not registered, a session still to come) saves nothing and says why.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone

from alongside.accounts.models import User
from alongside.audit.models import AccessChannel
from alongside.audit.services import log_access
from alongside.groups import services
from alongside.groups.access import access_session, can_run_session, can_see_roster
from alongside.groups.forms import MarkForm
from alongside.groups.models import Attendance, AttendanceStatus, GroupSession
from alongside.groups.queries import RosterLine, roster
from alongside.groups.services import AttendanceMark
from alongside.groups.views.series import _staff_only
from alongside.web.guards import current_user, require


def _screen(user: User, session: GroupSession, lines: list[RosterLine]) -> dict[str, Any]:
    """What every part of the screen needs: whether marks can be taken now, and the count."""
    series = session.series
    today = timezone.localdate(timezone=series.zone)
    return {
        "session": session,
        "series": series,
        "lines": lines,
        "marked": sum(1 for line in lines if line.attendance is not None),
        "total": len(lines),
        "may_mark": can_run_session(user, series) and not session.is_cancelled and session.starts_on <= today,
        "is_future": session.starts_on > today,
        "is_past": session.starts_on < today,
        "today": today,
    }


@login_required
def attendance(request: HttpRequest, session_id: int) -> HttpResponse:
    user = current_user(request)
    _staff_only(user)
    session = access_session(user, session_id)
    require(can_see_roster(user, session.series))
    if request.method == "POST":
        return _mark(request, user, session)
    lines = roster(session)
    log_access(user, [line.registration.participant_id for line in lines], AccessChannel.PAGE, request.path)
    return render(request, "groups/attendance.html", _screen(user, session, lines))


def _mark(request: HttpRequest, user: User, session: GroupSession) -> HttpResponse:
    require(can_run_session(user, session.series))
    form = MarkForm(request.POST)
    problem = ""
    raw_id = request.POST.get("registration", "")
    registration_id = int(raw_id) if raw_id.isdigit() else None
    if form.is_valid():
        data = form.cleaned_data
        status = data["status"]
        minutes_late = data["minutes_late"]
        if minutes_late is None and status == AttendanceStatus.PRESENT:
            # Tapping Present again keeps the minutes late already recorded.
            minutes_late = (
                Attendance.objects.filter(session=session, registration_id=data["registration"], status=status)
                .values_list("minutes_late", flat=True)
                .first()
            )
        mark = AttendanceMark(
            registration_id=data["registration"],
            status=status,
            minutes_late=minutes_late or 0,
            made_up_on=data["made_up_on"] if status == AttendanceStatus.MADE_UP else None,
        )
        try:
            services.record_attendance(user, session, [mark])
        except ValidationError as error:
            problem = " ".join(error.messages)
    else:
        problem = form.problems()

    lines = roster(session)
    line = next((x for x in lines if x.registration.pk == registration_id), None)
    if line is not None:
        log_access(user, [line.registration.participant_id], AccessChannel.PAGE, request.path)
    if request.htmx:  # type: ignore[attr-defined]
        context = {**_screen(user, session, lines), "line": line, "problem": problem, "oob": True}
        if line is None:
            # Nobody's line to swap: the message goes to the screen's alert region only.
            response = render(request, "groups/_attendance_problem.html", context)
            response["HX-Reswap"] = "none"
            return response
        return render(request, "groups/_attendance_line.html", context)
    if problem:
        messages.error(request, problem)
    elif line is not None and line.attendance is not None:
        late = f", {line.attendance.minutes_late} min late" if line.attendance.minutes_late else ""
        status_label = line.attendance.get_status_display().lower()
        messages.success(request, f"{line.registration.participant.full_name}: {status_label}{late}.")
    anchor = f"#line-{registration_id}" if line is not None else ""
    return redirect(reverse("groups:attendance", args=[session.pk]) + anchor)


urlpatterns: list[URLPattern] = [path("sessions/<int:session_id>/attendance/", attendance, name="attendance")]
