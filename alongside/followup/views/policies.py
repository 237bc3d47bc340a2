"""Ongoing support settings: a program's cadence, follow-up rules and call guides, and one enrolment's own
cadence. Administrators, coordinators and supervisors of the program's organization read them; only
administrators and coordinators change them (everyone else gets a 404, as on the other pages). Views
parse and delegate to followup.services, which validates everything before writing anything."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from alongside.accounts.models import User
from alongside.audit.models import AccessChannel
from alongside.audit.services import log_access
from alongside.followup.cadence import Cadence, CadenceKind, DueWindow, check_cadence
from alongside.followup.forms import CadenceForm, CallGuideForm, RulesForm
from alongside.followup.models import CadencePolicy, CallGuide, FollowUpState
from alongside.followup.services import (
    cadence_from_form,
    clear_enrollment_cadence,
    rules_for,
    save_cadence,
    save_call_guide,
    save_rules,
)
from alongside.people import access
from alongside.programs.models import Enrollment, Program
from alongside.taxonomy import LANGUAGE_NAMES, KeyFunction
from alongside.web.forms import add_service_errors
from alongside.web.guards import current_user, require

PREVIEW_WINDOWS = 8


# ---- what a cadence produces ----


@dataclass(frozen=True)
class PreviewRow:
    days: str
    start: date
    end: date


@dataclass(frozen=True)
class Preview:
    description: str
    start: date
    rows: list[PreviewRow]
    more: int
    rolling: bool
    from_day: date | None


def preview(cadence: Cadence, start: date, count: int = PREVIEW_WINDOWS, from_day: date | None = None) -> Preview:
    """The first windows a cadence produces for someone whose support starts on `start` (only those not
    over by `from_day`, when given). An interval cadence rolls with each contact, so its rows assume every
    contact is made on the day it falls due."""
    if cadence.kind == CadenceKind.INTERVAL:
        first = 1
        if from_day is not None:
            elapsed = (from_day - start).days - cadence.grace_days
            first = max(1, -(-elapsed // cadence.interval_days))  # the first window not over by from_day
        spans = [
            (n * cadence.interval_days, n * cadence.interval_days + cadence.grace_days)
            for n in range(first, first + count)
        ]
        more = 0
    else:
        windows = cadence.expanded_windows()
        if from_day is not None:
            windows = [w for w in windows if start + timedelta(days=w.end_day) >= from_day]
        spans = [(w.start_day, w.end_day) for w in windows[:count]]
        more = max(len(windows) - count, 0)
    rows = [
        PreviewRow(
            f"Day {first_day}" if first_day == last_day else f"Days {first_day}-{last_day}",
            start + timedelta(days=first_day),
            start + timedelta(days=last_day),
        )
        for first_day, last_day in spans
    ]
    return Preview(cadence.describe(), start, rows, more, cadence.kind == CadenceKind.INTERVAL, from_day)


# ---- access ----


def _readable_program(user: User, program_id: int) -> Program:
    require(access.is_organization_wide(user))
    return access.access_program(user, program_id)


def _managed_program(user: User, program_id: int) -> Program:
    require(access.can_manage(user))
    return access.access_program(user, program_id)


def _readable_enrollment(user: User, enrollment_id: int) -> Enrollment:
    require(access.is_organization_wide(user))
    return access.access_enrollment(user, enrollment_id)


# ---- the program's settings page ----


def _settings_page(
    request: HttpRequest,
    user: User,
    program: Program,
    *,
    cadence_form: CadenceForm | None = None,
    rules_form: RulesForm | None = None,
    cadence_preview: Preview | None = None,
) -> HttpResponse:
    policy = CadencePolicy.objects.filter(program=program).first()
    rules = rules_for(program)
    guides = {g.language: g for g in CallGuide.objects.filter(program=program)}
    languages = list(dict.fromkeys([*program.languages, *guides]))
    today = timezone.localdate()
    return render(
        request,
        "followup/policies/program_settings.html",
        {
            "program": program,
            "policy": policy,
            "current": preview(policy.as_cadence(), today) if policy else None,
            "overrides": CadencePolicy.objects.filter(enrollment__program=program).count(),
            "cadence_form": cadence_form or CadenceForm.for_policy(policy),
            "cadence_preview": cadence_preview,
            "rules": rules,
            "rules_form": rules_form or RulesForm.for_rules(rules),
            "gaps": [(f.label, rules.gap_days(f.value)) for f in KeyFunction],
            "guides": [(code, LANGUAGE_NAMES.get(code, code), guides.get(code)) for code in languages],
            "can_manage": access.can_manage(user),
            "preview_url": f"{reverse('followup:cadence_preview')}?program={program.pk}",
        },
    )


@login_required
def program_settings(request: HttpRequest, program_id: int) -> HttpResponse:
    user = current_user(request)
    return _settings_page(request, user, _readable_program(user, program_id))


@login_required
def program_cadence(request: HttpRequest, program_id: int) -> HttpResponse:
    """Saves the program's cadence, or (the "Preview" button, for browsers without htmx) only shows
    the windows it would produce."""
    user = current_user(request)
    if request.method != "POST":
        _readable_program(user, program_id)
        return redirect("followup:program_settings", program_id)
    program = _managed_program(user, program_id)
    form = CadenceForm(request.POST)
    shown: Preview | None = None
    if form.is_valid():
        try:
            cadence = cadence_from_form(form.cleaned_data)
            if "preview" in request.POST:
                shown = preview(check_cadence(cadence), timezone.localdate())
            else:
                save_cadence(user, cadence, program=program, preset=form.cleaned_data["preset"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if shown is None:
                messages.success(request, "Cadence saved; everyone's next due window was recalculated.")
                return redirect("followup:program_settings", program.pk)
    return _settings_page(request, user, program, cadence_form=form, cadence_preview=shown)


@login_required
@require_POST
def cadence_preview(request: HttpRequest) -> HttpResponse:
    """The htmx fragment under the cadence form: the windows the typed cadence would produce, or why it
    cannot be saved. Dates count from today, or from the enrolment's start when one is given."""
    user = current_user(request)
    require(access.can_manage(user))
    start = today = timezone.localdate()
    from_day: date | None = None
    if request.GET.get("enrollment"):
        start, from_day = access.access_enrollment(user, request.GET["enrollment"]).enrolled_on, today
    elif request.GET.get("program"):
        access.access_program(user, request.GET["program"])
    form = CadenceForm(request.POST)
    errors: list[str] = []
    shown: Preview | None = None
    if form.is_valid():
        try:
            shown = preview(check_cadence(cadence_from_form(form.cleaned_data)), start, from_day=from_day)
        except ValidationError as error:
            errors = list(error.messages)
    else:
        errors = [str(message) for field_errors in form.errors.values() for message in field_errors]
    return render(request, "followup/policies/_cadence_preview.html", {"cadence_preview": shown, "errors": errors})


@login_required
@require_POST
def program_rules(request: HttpRequest, program_id: int) -> HttpResponse:
    user = current_user(request)
    program = _managed_program(user, program_id)
    form = RulesForm(request.POST)
    if form.is_valid():
        try:
            save_rules(user, program, form.rules_data())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Follow-up rules saved.")
            return redirect("followup:program_settings", program.pk)
    return _settings_page(request, user, program, rules_form=form)


# ---- call guides ----


@login_required
def call_guide(request: HttpRequest, program_id: int, language: str) -> HttpResponse:
    user = current_user(request)
    program = _readable_program(user, program_id)
    if language not in LANGUAGE_NAMES:
        raise Http404("No such language.")
    guide = CallGuide.objects.filter(program=program, language=language).first()
    form = CallGuideForm.for_guide(guide, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        require(access.can_manage(user))
        if form.is_valid():
            try:
                save_call_guide(user, program, language, form.cleaned_data["script"], form.cleaned_data["prompts"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Call guide in {LANGUAGE_NAMES[language]} saved.")
                return redirect("followup:program_settings", program.pk)
    return render(
        request,
        "followup/policies/call_guide.html",
        {
            "program": program,
            "language": language,
            "language_name": LANGUAGE_NAMES[language],
            "guide": guide,
            "form": form,
            "can_manage": access.can_manage(user),
        },
    )


# ---- one enrolment's own cadence ----


def _enrollment_page(
    request: HttpRequest,
    user: User,
    enrollment: Enrollment,
    form: CadenceForm | None = None,
    shown: Preview | None = None,
) -> HttpResponse:
    own = CadencePolicy.objects.filter(enrollment=enrollment).first()
    program_policy = CadencePolicy.objects.filter(program_id=enrollment.program_id).first()
    effective = own or program_policy
    state = FollowUpState.objects.filter(enrollment=enrollment).first()
    today = timezone.localdate()
    due: dict[str, Any] | None = None
    if state is not None and state.window_start is not None and state.window_end is not None:
        status, days = DueWindow(state.window_start, state.window_end).status_on(today)
        due = {"start": state.window_start, "end": state.window_end, "status": status, "days": days}
    log_access(user, [enrollment.participant_id], AccessChannel.PAGE, request.path)
    return render(
        request,
        "followup/policies/enrollment_cadence.html",
        {
            "enrollment": enrollment,
            "participant": enrollment.participant,
            "program": enrollment.program,
            "own": own,
            "program_policy": program_policy,
            "current": preview(effective.as_cadence(), enrollment.enrolled_on, from_day=today) if effective else None,
            "state": state,
            "due": due,
            "form": form or CadenceForm.for_policy(effective),
            "cadence_preview": shown,
            "can_manage": access.can_manage(user),
            "preview_url": f"{reverse('followup:cadence_preview')}?enrollment={enrollment.pk}",
        },
    )


@login_required
def enrollment_cadence(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    user = current_user(request)
    enrollment = _readable_enrollment(user, enrollment_id)
    if request.method != "POST":
        return _enrollment_page(request, user, enrollment)
    require(access.can_manage(user))
    form = CadenceForm(request.POST)
    shown: Preview | None = None
    if form.is_valid():
        try:
            cadence = cadence_from_form(form.cleaned_data)
            if "preview" in request.POST:
                shown = preview(check_cadence(cadence), enrollment.enrolled_on, from_day=timezone.localdate())
            else:
                save_cadence(user, cadence, enrollment=enrollment, preset=form.cleaned_data["preset"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if shown is None:
                messages.success(request, f"{enrollment.participant.full_name} now has their own cadence.")
                return redirect("followup:enrollment_cadence", enrollment.pk)
    return _enrollment_page(request, user, enrollment, form, shown)


@login_required
@require_POST
def enrollment_cadence_clear(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    user = current_user(request)
    require(access.can_manage(user))
    enrollment = access.access_enrollment(user, enrollment_id)
    try:
        clear_enrollment_cadence(user, enrollment)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"{enrollment.participant.full_name} follows the program's cadence again.")
    return redirect("followup:enrollment_cadence", enrollment.pk)


urlpatterns: list[URLPattern] = [
    path("programs/<int:program_id>/settings/", program_settings, name="program_settings"),
    path("programs/<int:program_id>/settings/cadence/", program_cadence, name="program_cadence"),
    path("programs/<int:program_id>/settings/rules/", program_rules, name="program_rules"),
    path("programs/<int:program_id>/call-guides/<str:language>/", call_guide, name="call_guide"),
    path("cadence-preview/", cadence_preview, name="cadence_preview"),
    path("enrollments/<int:enrollment_id>/cadence/", enrollment_cadence, name="enrollment_cadence"),
    path("enrollments/<int:enrollment_id>/cadence/clear/", enrollment_cadence_clear, name="enrollment_cadence_clear"),
]
