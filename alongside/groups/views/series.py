"""Group series pages: the facilitator's sessions, the list of series, a new series, a series with its
schedule, editing it, and its registrations with the waiting list.

Who may open what comes from groups.access (out of scope is a 404); every write goes through
groups.services, whose ValidationError is shown beside the fields with everything typed kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Min, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_POST

from alongside.accounts.models import Role, User
from alongside.audit.models import AccessChannel
from alongside.audit.services import log_access
from alongside.groups import recurrence, services
from alongside.groups.access import (
    access_series,
    can_manage_series,
    can_run_session,
    can_see_roster,
    series_visible_to,
)
from alongside.groups.forms import (
    DropForm,
    ReasonForm,
    RegisterForm,
    SeriesEditForm,
    SeriesForm,
    SessionAddForm,
    SessionTimeForm,
)
from alongside.groups.models import (
    ATTENDED_STATUSES,
    MODEL_OF_KIND,
    GroupKind,
    GroupSeries,
    GroupSession,
    Registration,
    RegistrationStatus,
    SessionStatus,
)
from alongside.groups.queries import SeriesFigures, series_figures, sessions_led_by, upcoming_sessions_led_by
from alongside.groups.services import REGISTRABLE_STATUSES
from alongside.people import access as people_access
from alongside.people.models import Participant
from alongside.programs.models import Program
from alongside.web.guards import current_user, require

# --- shared helpers ----------------------------------------------------------------------------------


def organization_zone(user: User) -> str:
    """The user's organization's IANA zone (a superuser without one uses the site's)."""
    organization = user.organization
    return organization.timezone if organization is not None else settings.TIME_ZONE


def organization_today(user: User) -> date:
    return timezone.localdate(timezone=ZoneInfo(organization_zone(user)))


def leads_any_series(user: User) -> bool:
    return user.role in (Role.SUPPORTER, Role.PROFESSIONAL) and user.facilitations.exists()


def group_programs(user: User) -> QuerySet[Program]:
    """The programs a manager may start a series in: theirs, active, delivering a group model."""
    return (
        people_access.programs_visible_to(user)
        .filter(is_active=True, delivery_models__model__in=list(MODEL_OF_KIND.values()))
        .distinct()
        .order_by("name")
    )


def _staff_only(user: User) -> None:
    """Series and session pages are for the people who run and manage groups; a participant sees their
    own groups on My record, an evaluator the report."""
    require(user.is_superuser or user.role not in (Role.PARTICIPANT, Role.EVALUATOR))


# --- the facilitator's sessions ----------------------------------------------------------------------


@login_required
def my_sessions(request: HttpRequest) -> HttpResponse:
    """Today's sessions the user leads, one tap from attendance; then what is coming. Organization-wide
    roles also see every session today in their organization and the way to all series."""
    user = current_user(request)
    _staff_only(user)
    today = organization_today(user)
    organization_wide = people_access.is_organization_wide(user)
    everyone_today: list[GroupSession] = []
    if organization_wide:
        everyone_today = list(
            GroupSession.objects.filter(series__in=series_visible_to(user), starts_on=today, series__is_cancelled=False)
            .select_related("series__program")
            .order_by("starts_at")
        )
    context = {
        "today": today,
        "led_today": list(sessions_led_by(user, today)),
        "upcoming": [s for s in upcoming_sessions_led_by(user) if s.starts_on != today],
        "everyone_today": everyone_today,
        "organization_wide": organization_wide,
        "can_manage": can_manage_series(user),
    }
    return render(request, "groups/my_sessions.html", context)


# --- the list of series ------------------------------------------------------------------------------


class SeriesFilterForm(forms.Form):
    program = forms.ModelChoiceField(
        queryset=Program.objects.none(), required=False, empty_label="All programs", label="Program"
    )
    kind = forms.ChoiceField(choices=[("", "Every kind"), *GroupKind.choices], required=False, label="Kind")

    def __init__(self, *args: Any, programs: QuerySet[Program], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["program"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = programs


@dataclass
class SeriesLine:
    series: GroupSeries
    figures: SeriesFigures
    next_start: Any


@login_required
def series_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    require(people_access.is_organization_wide(user))
    visible = series_visible_to(user)
    programs = people_access.programs_visible_to(user).filter(group_series__in=visible).distinct().order_by("name")
    form = SeriesFilterForm(request.GET, programs=programs)
    form.is_valid()  # a stale filter is dropped, never fatal
    program = form.cleaned_data.get("program")
    kind = form.cleaned_data.get("kind") or ""
    chosen = visible
    if program is not None:
        chosen = chosen.filter(program=program)
    if kind:
        chosen = chosen.filter(kind=kind)
    now = timezone.now()
    rows = list(
        chosen.select_related("program")
        .annotate(
            next_start=Min(
                "sessions__starts_at",
                filter=Q(sessions__status=SessionStatus.SCHEDULED, sessions__starts_at__gte=now),
            )
        )
        .order_by("is_cancelled", "program__name", "title", "pk")
    )
    figures = series_figures(GroupSeries.objects.filter(pk__in=[s.pk for s in rows]), now)
    context = {
        "form": form,
        "lines": [SeriesLine(s, figures[s.pk], s.next_start) for s in rows],
        "filtered": bool(program or kind),
        "can_manage": can_manage_series(user),
    }
    return render(request, "groups/series_list.html", context)


# --- a new series ------------------------------------------------------------------------------------


@login_required
def series_new(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    require(can_manage_series(user))
    programs = group_programs(user)
    initial = {k: request.GET[k] for k in ("program", "kind") if request.GET.get(k)}
    form = SeriesForm(
        request.POST or None,
        initial=initial,
        programs=programs,
        organization_zone=organization_zone(user),
        organization_id=user.organization_id,
    )
    if request.method == "POST" and form.is_valid():
        try:
            series = services.create_series(user, form.series_input())
        except ValidationError as error:
            form.show_errors(error)
        else:
            count = series.sessions.count()
            messages.success(request, f"Series “{series.title}” created with {count} session{'s' * (count != 1)}.")
            return redirect("groups:series", series.pk)
    return render(request, "groups/series_form.html", {"form": form, "no_programs": not programs.exists()})


# --- one series --------------------------------------------------------------------------------------


@dataclass
class SessionRow:
    session: GroupSession
    attended: int
    marked: int
    move_form: SessionTimeForm | None = None
    cancel_form: ReasonForm | None = None
    open: bool = False


def render_series_page(
    request: HttpRequest,
    user: User,
    series: GroupSeries,
    *,
    session_id: int | None = None,
    move_form: SessionTimeForm | None = None,
    cancel_form: ReasonForm | None = None,
    add_form: SessionAddForm | None = None,
) -> HttpResponse:
    """The series page; a form that failed (for one session, or adding one) is shown bound, with errors."""
    manage = can_manage_series(user, series)
    sessions = series.sessions.annotate(
        attended=Count("attendance", filter=Q(attendance__status__in=ATTENDED_STATUSES)),
        marked=Count("attendance"),
    ).order_by("starts_at", "number")
    rows: list[SessionRow] = []
    for session in sessions:
        failed = session.pk == session_id
        row = SessionRow(session, session.attended, session.marked, open=failed)
        if manage:
            prefix = f"s{session.pk}"
            row.move_form = move_form if failed and move_form is not None else SessionTimeForm(prefix=prefix)
            row.cancel_form = cancel_form if failed and cancel_form is not None else ReasonForm(prefix=prefix)
        rows.append(row)
    figures = series_figures(GroupSeries.objects.filter(pk=series.pk))[series.pk]
    context = {
        "series": series,
        "program": series.program,
        "figures": figures,
        "facilitators": list(series.facilitators.select_related("user")),
        "rows": rows,
        "schedule": recurrence.describe(series.recurrence),
        "manage": manage,
        "run": can_run_session(user, series),
        "roster": can_see_roster(user, series),
        "warnings": services.series_warnings(series) if manage else [],
        "add_form": add_form or SessionAddForm(prefix="add"),
        "adding": add_form is not None,
        "today": timezone.localdate(timezone=series.zone),
    }
    return render(request, "groups/series_detail.html", context)


@login_required
def series_detail(request: HttpRequest, series_id: int) -> HttpResponse:
    user = current_user(request)
    _staff_only(user)
    series = access_series(user, series_id)
    return render_series_page(request, user, series)


@login_required
def series_edit(request: HttpRequest, series_id: int) -> HttpResponse:
    user = current_user(request)
    series = access_series(user, series_id)
    require(can_manage_series(user, series))
    form = SeriesEditForm(request.POST or None, series=series)
    if request.method == "POST" and form.is_valid():
        # The series fields and the facilitators are two service calls: one transaction, so a problem
        # with either saves neither, and both sets of errors show at once.
        problems: list[ValidationError] = []
        with transaction.atomic():
            try:
                services.update_series(user, series, form.series_changes())
            except ValidationError as error:
                problems.append(error)
            try:
                services.set_facilitators(user, series, form.cleaned_data["facilitators"])
            except ValidationError as error:
                problems.append(error)
            if problems:
                transaction.set_rollback(True)
        for problem in problems:
            form.show_errors(problem)
        if not problems:
            messages.success(request, "Series saved.")
            return redirect("groups:series", series.pk)
    return render(request, "groups/series_edit.html", {"form": form, "series": series})


@login_required
@require_POST
def series_cancel(request: HttpRequest, series_id: int) -> HttpResponse:
    """Cancels every session still to come (held sessions keep their attendance)."""
    user = current_user(request)
    series = access_series(user, series_id)
    require(can_manage_series(user, series) and not series.is_cancelled)
    reason = request.POST.get("reason", "")
    try:
        services.cancel_series(user, series, reason)
    except ValidationError as error:
        form = SeriesEditForm(None, series=series)
        return render(
            request,
            "groups/series_edit.html",
            {"form": form, "series": series, "cancel_error": " ".join(error.messages), "cancel_reason": reason},
            status=400,
        )
    messages.success(request, "Series cancelled: every session still to come is marked cancelled.")
    return redirect("groups:series", series.pk)


# --- registrations and the waiting list --------------------------------------------------------------


def _candidates(user: User, series: GroupSeries) -> QuerySet[Participant]:
    """People the user can see with an open enrolment in the series' program, not already in it."""
    taken = Registration.objects.filter(
        series=series, status__in=(RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED)
    ).values("participant")
    return (
        people_access.participants_visible_to(user)
        .filter(enrollments__program=series.program_id, enrollments__status__in=REGISTRABLE_STATUSES)
        .exclude(pk__in=taken)
        .distinct()
        .order_by("preferred_name", "family_name", "pk")
    )


def render_registrations(
    request: HttpRequest, user: User, series: GroupSeries, form: RegisterForm | None = None
) -> HttpResponse:
    registrations = list(series.registrations.select_related("participant", "added_by").order_by("joined_at", "pk"))
    registered = [r for r in registrations if r.status == RegistrationStatus.REGISTERED]
    waiting = [r for r in registrations if r.status == RegistrationStatus.WAITLISTED]
    dropped = sorted(
        (r for r in registrations if r.status == RegistrationStatus.DROPPED),
        key=lambda r: r.dropped_at or r.joined_at,
        reverse=True,
    )
    candidates = _candidates(user, series)
    form = form or RegisterForm(candidates=candidates)
    shown = {r.participant_id for r in registrations} | {p.pk for p in candidates}
    log_access(user, sorted(shown), AccessChannel.PAGE, request.path)
    context = {
        "series": series,
        "registered": registered,
        "waiting": waiting,
        "dropped": dropped,
        "form": form,
        "places_left": max(series.capacity - len(registered), 0),
        "drop_form": DropForm(),
    }
    return render(request, "groups/registrations.html", context)


def _managed_series(user: User, series_id: int) -> GroupSeries:
    series = access_series(user, series_id)
    require(can_manage_series(user, series))
    return series


@login_required
def registrations(request: HttpRequest, series_id: int) -> HttpResponse:
    user = current_user(request)
    series = _managed_series(user, series_id)
    return render_registrations(request, user, series)


@login_required
@require_POST
def register(request: HttpRequest, series_id: int) -> HttpResponse:
    user = current_user(request)
    series = _managed_series(user, series_id)
    form = RegisterForm(request.POST, candidates=_candidates(user, series))
    if form.is_valid():
        participant = form.cleaned_data["participant"]
        try:
            registration = services.register(user, series, participant)
        except ValidationError as error:
            form.show_errors(error)
        else:
            if registration.status == RegistrationStatus.REGISTERED:
                messages.success(request, f"{participant.full_name} is registered.")
            else:
                position = series.registrations.filter(
                    status=RegistrationStatus.WAITLISTED, joined_at__lte=registration.joined_at
                ).count()
                messages.success(
                    request, f"The series is full: {participant.full_name} is number {position} on the waiting list."
                )
            return redirect("groups:registrations", series.pk)
    return render_registrations(request, user, series, form)


@login_required
@require_POST
def drop(request: HttpRequest, registration_id: int) -> HttpResponse:
    user = current_user(request)
    registration = (
        Registration.objects.filter(pk=registration_id, series__in=series_visible_to(user))
        .select_related("participant", "series__program")
        .first()
    )
    if registration is None:
        raise Http404("No such registration.")
    series = registration.series
    require(can_manage_series(user, series))
    form = DropForm(request.POST)
    reason = form.cleaned_data.get("reason", "") if form.is_valid() else ""
    waiting_before = set(series.registrations.filter(status=RegistrationStatus.WAITLISTED).values_list("pk", flat=True))
    was_waiting = registration.status == RegistrationStatus.WAITLISTED
    try:
        services.drop(user, registration, reason)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return redirect("groups:registrations", series.pk)
    name = registration.participant.full_name
    messages.success(request, f"{name} is off the waiting list." if was_waiting else f"{name} dropped out.")
    promoted = Registration.objects.filter(pk__in=waiting_before, status=RegistrationStatus.REGISTERED).select_related(
        "participant"
    )
    for moved_up in promoted:
        messages.success(
            request, f"{moved_up.participant.full_name} moved up from the waiting list and now has a place."
        )
    return redirect("groups:registrations", series.pk)


urlpatterns: list[URLPattern] = [
    path("", my_sessions, name="my_sessions"),
    path("series/", series_list, name="series_list"),
    path("series/new/", series_new, name="series_new"),
    path("series/<int:series_id>/", series_detail, name="series"),
    path("series/<int:series_id>/edit/", series_edit, name="series_edit"),
    path("series/<int:series_id>/cancel/", series_cancel, name="series_cancel"),
    path("series/<int:series_id>/registrations/", registrations, name="registrations"),
    path("series/<int:series_id>/registrations/add/", register, name="register"),
    path("registrations/<int:registration_id>/drop/", drop, name="drop"),
]
