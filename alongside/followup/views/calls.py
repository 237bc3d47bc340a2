"""The telephone call screen: everything a supporter needs on one phone screen while they call someone,
and the outcome form that logs the call through followup.services.log_call.

Opening it is access to a participant's record, so every request writes the access log. Anyone who can
see the enrolment may read the screen; only those who may log contacts for it (people.access) get the
forms, and every write checks again in the service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_POST

from alongside.accounts.models import Role, User
from alongside.audit.models import AccessChannel
from alongside.audit.services import log_access
from alongside.contacts.forms import ContactForm
from alongside.followup.models import LAST_FUNCTION_FIELDS, AppointmentStatus, CallAppointment, FollowUpState
from alongside.followup.services import call_guide_for, cancel_appointment, in_quiet_hours, log_call, rules_for
from alongside.followup.services import schedule_call as schedule_call_service
from alongside.followup.worklist import Reason, line_for_state
from alongside.people import access
from alongside.people.phones import display_phone
from alongside.programs.models import Enrollment
from alongside.taxonomy import FUNCTION_DESCRIPTIONS, LANGUAGE_NAMES, KeyFunction, Modality, Outcome
from alongside.web.forms import add_service_errors
from alongside.web.guards import current_user, require

RECENT_CONTACTS = 3


class CallForm(ContactForm):
    """The contact form for one enrolment, as a phone call: the outcome first, functions when reached."""

    def __init__(self, *args: Any, enrollment: Enrollment, **kwargs: Any) -> None:
        super().__init__(
            *args, enrollments=Enrollment.objects.filter(pk=enrollment.pk).select_related("program"), **kwargs
        )
        self.fields["outcome"].label = "How did the call go?"
        if not self.is_bound:
            self.initial["enrollment"] = enrollment.pk
            self.initial["modality"] = Modality.PHONE_CALL


class AppointmentForm(forms.Form):
    """A call agreed with the participant: a day and a time on the organization's clock."""

    day = forms.DateField(label="Day", widget=forms.DateInput(attrs={"type": "date"}))
    at = forms.TimeField(label="Time", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    note = forms.CharField(required=False, max_length=300, label="Note (optional)")

    def scheduled_for(self, zone: str) -> datetime:
        day: date = self.cleaned_data["day"]
        at: time = self.cleaned_data["at"]
        return datetime.combine(day, at, tzinfo=ZoneInfo(zone))


@dataclass
class FunctionCheck:
    code: str
    label: str
    description: str
    last_on: date | None


def reasons_for(state: FollowUpState | None, now: datetime) -> list[Reason]:
    """Why this person is on today's list (empty when they are not), with the worklist's own wording."""
    line = line_for_state(state, now) if state is not None else None
    return line.reasons if line else []


def render_call_screen(
    request: HttpRequest,
    user: User,
    enrollment: Enrollment,
    *,
    call_form: CallForm | None = None,
    appointment_form: AppointmentForm | None = None,
    appointment: CallAppointment | None = None,
) -> HttpResponse:
    participant = enrollment.participant
    program = enrollment.program
    log_access(user, [participant.pk], AccessChannel.PAGE, request.path)
    may_log = access.can_log_contact(user, enrollment)
    now = timezone.now()
    rules = rules_for(program)
    local_now = now.astimezone(ZoneInfo(participant.zone))
    state = FollowUpState.objects.filter(pk=enrollment.pk).first()
    guide = call_guide_for(program, participant.preferred_language)
    recent = (
        access.contacts_visible_to(user)
        .filter(enrollment=enrollment)
        .select_related("supporter__user", "recorded_by")
        .order_by("-occurred_at", "-id")[:RECENT_CONTACTS]
    )
    functions = [
        FunctionCheck(
            f.value,
            f.label,
            FUNCTION_DESCRIPTIONS.get(f.value, ""),
            getattr(state, LAST_FUNCTION_FIELDS[f.value]) if state else None,
        )
        for f in KeyFunction
    ]
    context = {
        "enrollment": enrollment,
        "participant": participant,
        "program": program,
        "phone": display_phone(participant.phone),
        "language": LANGUAGE_NAMES.get(participant.preferred_language, participant.preferred_language),
        "local_now": local_now,
        "zone": participant.zone,
        "quiet": in_quiet_hours(rules, local_now.time()),
        "rules": rules,
        "state": state,
        "reasons": reasons_for(state, now),
        "guide": guide,
        "guide_language": LANGUAGE_NAMES.get(guide.language, guide.language) if guide else "",
        "guide_in_other_language": guide is not None and guide.language != participant.preferred_language,
        "functions": functions,
        "recent": [(c, [(code, KeyFunction(code).label) for code in c.functions]) for c in recent],
        "appointments": list(
            CallAppointment.objects.filter(enrollment=enrollment, status=AppointmentStatus.SCHEDULED).order_by(
                "scheduled_for"
            )
        ),
        "appointment": appointment,
        "may_log": may_log,
        "form": call_form or CallForm(enrollment=enrollment),
        "appointment_form": appointment_form or AppointmentForm(),
        "organization_zone": program.organization.timezone,
    }
    return render(request, "followup/call.html", context)


def _enrollment(user: User, enrollment_id: int) -> Enrollment:
    # The screen is for those who call: a participant does not get it for their own enrolment.
    require(user.role != Role.PARTICIPANT)
    enrollment = access.access_enrollment(user, enrollment_id)
    # Fetch the related rows once; access_enrollment returns a bare row.
    return Enrollment.objects.select_related("participant__organization", "program__organization").get(pk=enrollment.pk)


def _appointment(request: HttpRequest, enrollment: Enrollment) -> CallAppointment | None:
    raw = request.GET.get("appointment", "")
    if not raw:
        return None
    if not raw.isdigit():
        return None
    return get_object_or_404(CallAppointment, pk=int(raw), enrollment=enrollment)


@login_required
def call(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    user = current_user(request)
    enrollment = _enrollment(user, enrollment_id)
    appointment = _appointment(request, enrollment)
    if request.method != "POST":
        return render_call_screen(request, user, enrollment, appointment=appointment)
    require(access.can_log_contact(user, enrollment))
    form = CallForm(request.POST, enrollment=enrollment)
    if form.is_valid():
        try:
            contact = log_call(user, enrollment, form.contact_input(), appointment=appointment)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            outcome = Outcome(contact.outcome).label
            messages.success(request, f"Call with {enrollment.participant.full_name} saved: {outcome}.")
            return redirect("followup:today")
    return render_call_screen(request, user, enrollment, call_form=form, appointment=appointment)


@login_required
@require_POST
def schedule(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    user = current_user(request)
    enrollment = _enrollment(user, enrollment_id)
    require(access.can_log_contact(user, enrollment))
    form = AppointmentForm(request.POST)
    if form.is_valid():
        try:
            booked = schedule_call_service(
                user,
                enrollment,
                form.scheduled_for(enrollment.program.organization.timezone),
                form.cleaned_data.get("note", ""),
            )
        except ValidationError as error:
            # The service speaks of one moment; the form has a day and a time, so show it beside the day.
            if hasattr(error, "error_dict"):
                error = ValidationError(
                    {("day" if key == "scheduled_for" else key): value for key, value in error.message_dict.items()}
                )
            add_service_errors(form, error)
        else:
            when = timezone.localtime(booked.scheduled_for, ZoneInfo(enrollment.program.organization.timezone))
            messages.success(request, f"Call booked for {when:%a %d %b at %H:%M}.")
            return redirect("followup:call", enrollment.pk)
    return render_call_screen(request, user, enrollment, appointment_form=form)


@login_required
@require_POST
def cancel(request: HttpRequest, enrollment_id: int, appointment_id: int) -> HttpResponse:
    user = current_user(request)
    enrollment = _enrollment(user, enrollment_id)
    require(access.can_log_contact(user, enrollment))
    appointment = get_object_or_404(CallAppointment, pk=appointment_id, enrollment=enrollment)
    try:
        cancel_appointment(user, appointment)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Appointment cancelled.")
    return redirect("followup:call", enrollment.pk)


urlpatterns: list[URLPattern] = [
    path("call/<int:enrollment_id>/", call, name="call"),
    path("call/<int:enrollment_id>/appointments/", schedule, name="schedule_call"),
    path("call/<int:enrollment_id>/appointments/<int:appointment_id>/cancel/", cancel, name="cancel_call"),
]
