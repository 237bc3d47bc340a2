"""A program's safety thresholds for readings: staff read them, its administrators and coordinators change
them. A program that never saved its own shows the defaults (domain-notes)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path

from alongside.people.access import access_program
from alongside.selfcare.access import can_edit_thresholds, can_see_thresholds
from alongside.selfcare.forms import ThresholdsForm
from alongside.selfcare.models import MeasurementThresholds
from alongside.selfcare.services import THRESHOLD_LIMITS, save_thresholds
from alongside.web.forms import add_service_errors
from alongside.web.guards import current_user, require


@login_required
def thresholds(request: HttpRequest, program_id: int) -> HttpResponse:
    user = current_user(request)
    require(can_see_thresholds(user))
    program = access_program(user, program_id)
    current = MeasurementThresholds.objects.filter(program=program).select_related("updated_by").first()
    shown = current or MeasurementThresholds(program=program)
    editable = can_edit_thresholds(user, program)
    form = ThresholdsForm(
        request.POST if request.method == "POST" else None,
        initial={name: getattr(shown, name) for name in THRESHOLD_LIMITS},
    )
    if request.method == "POST":
        require(editable)
        if form.is_valid():
            try:
                save_thresholds(user, program, form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Thresholds of {program.name} saved.")
                return redirect("selfcare:thresholds", program.pk)
    return render(
        request,
        "selfcare/thresholds.html",
        {"program": program, "thresholds": shown, "is_default": current is None, "editable": editable, "form": form},
    )


urlpatterns: list[URLPattern] = [
    path("programs/<int:program_id>/thresholds/", thresholds, name="thresholds"),
]
