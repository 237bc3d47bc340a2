"""Coordinator pages: the program overview (coordinator home), program set-up and enrolments."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from alongside.contacts.queries import COVERAGE_WINDOWS, Coverage, function_coverage
from alongside.people import access
from alongside.programs.forms import EnrollForm, ProgramForm
from alongside.programs.models import EnrollmentStatus
from alongside.programs.queries import status_counts
from alongside.programs.services import assign_supporter, change_status, enroll, organization_of, save_program
from alongside.taxonomy import KeyFunction
from alongside.web.forms import add_service_errors
from alongside.web.guards import current_user, require


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """Coordinator home: each program's enrolments by status and its function coverage (30/90 days).

    Aggregates only, so evaluators see this page too; it never names a participant.
    """
    user = current_user(request)
    require(access.can_see_aggregates(user))
    programs_qs = access.programs_visible_to(user)
    programs = list(programs_qs.prefetch_related("delivery_models"))
    counts = status_counts(programs_qs)
    coverage = {days: function_coverage(programs_qs, days) for days in COVERAGE_WINDOWS}
    rows = []
    for program in programs:
        windows = [coverage[days].get(program.pk) or Coverage(days=days) for days in COVERAGE_WINDOWS]
        rows.append(
            {
                "program": program,
                "counts": [(s.value, s.label, counts.get(program.pk, {}).get(s.value, 0)) for s in EnrollmentStatus],
                "total": sum(counts.get(program.pk, {}).values()),
                "active": windows[0].active,
                "coverage": [
                    (f.value, f.label, [(c.days, c.by_function[f.value], c.share(f.value)) for c in windows])
                    for f in KeyFunction
                ],
            }
        )
    return render(
        request,
        "programs/overview.html",
        {"rows": rows, "windows": COVERAGE_WINDOWS, "can_manage": access.can_manage(user)},
    )


@login_required
def program_detail(request: HttpRequest, program_id: int) -> HttpResponse:
    user = current_user(request)
    require(access.can_see_aggregates(user))
    program = access.access_program(user, program_id)
    return render(request, "programs/program_detail.html", {"program": program, "can_manage": access.can_manage(user)})


@login_required
def program_new(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    require(access.can_manage(user))
    form = ProgramForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            program = save_program(user, organization_of(user), form.program_data())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Program “{program.name}” was created.")
            return redirect("programs:detail", program.pk)
    return render(request, "programs/program_form.html", {"form": form, "program": None})


@login_required
def program_edit(request: HttpRequest, program_id: int) -> HttpResponse:
    user = current_user(request)
    require(access.can_manage(user))
    program = access.access_program(user, program_id)
    form = ProgramForm.for_program(program, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            save_program(user, program.organization, form.program_data(), program)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Saved.")
            return redirect("programs:detail", program.pk)
    return render(request, "programs/program_form.html", {"form": form, "program": program})


@login_required
def enroll_participant(request: HttpRequest, participant_id: int) -> HttpResponse:
    user = current_user(request)
    require(access.can_manage(user))
    participant = access.access_participant(user, participant_id)
    form = EnrollForm(
        request.POST or None,
        programs=access.programs_visible_to(user).filter(is_active=True),
        supporters=access.supporters_visible_to(user).filter(is_active=True),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = list(data["supporters"])
        # Keep the order the coordinator ticked them in: the first is the primary supporter.
        order = [int(pk) for pk in request.POST.getlist("supporters") if pk.isdigit()]
        chosen.sort(key=lambda s: order.index(s.pk) if s.pk in order else len(order))
        try:
            enroll(
                user,
                participant,
                data["program"],
                status=data["status"],
                enrolled_on=data["enrolled_on"],
                supporters=chosen,
                reason=data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{participant.full_name} was enrolled in {data['program']}.")
            return redirect("people:participant", participant.pk)
    return render(request, "programs/enroll.html", {"form": form, "participant": participant})


@login_required
@require_POST
def change_enrollment_status(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    user = current_user(request)
    require(access.can_manage(user))
    enrollment = access.access_enrollment(user, enrollment_id)
    try:
        change_status(user, enrollment, request.POST.get("status", ""), request.POST.get("reason", ""))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, "Status changed.")
    return redirect("people:participant", enrollment.participant_id)


@login_required
@require_POST
def assign(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    user = current_user(request)
    require(access.can_manage(user))
    enrollment = access.access_enrollment(user, enrollment_id)
    supporter = access.access_supporter(user, request.POST.get("supporter"))
    try:
        assign_supporter(user, enrollment, supporter, is_primary=bool(request.POST.get("is_primary")))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"{supporter} was assigned.")
    return redirect("people:participant", enrollment.participant_id)
