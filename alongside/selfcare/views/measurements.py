"""Reading pages: quick entry for everyone at a group visit, and one person's history per kind.

A reading past the program's thresholds raises a concern in the same transaction (selfcare.services);
the session page then shows a banner at the top for as long as a concern raised at this session is
open, most severe first, so a leader who missed the message still sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone

from alongside.accounts.models import Role, User
from alongside.audit.models import AccessChannel
from alongside.audit.services import log_access
from alongside.contacts.models import Contact
from alongside.groups.access import access_session, can_see_roster
from alongside.groups.models import GroupSession
from alongside.groups.queries import RosterLine, roster
from alongside.people.access import contacts_visible_to
from alongside.programs.models import Enrollment
from alongside.selfcare.access import (
    can_record_measurement,
    measurement_recorders_at_session,
    measurements_visible_to,
    selfcare_enrollments_visible_to,
)
from alongside.selfcare.forms import ReadingsForm
from alongside.selfcare.models import Measurement, MeasurementKind
from alongside.selfcare.services import BEFORE_SESSION, record_readings
from alongside.selfcare.units import CANONICAL_UNIT
from alongside.taxonomy import CONCERN_TIER_RANK, ConcernTier
from alongside.web.forms import add_service_errors
from alongside.web.guards import current_user, require

HISTORY_PER_KIND = 50

# What the person recording should do now, per tier (the banner and the message after saving).
TIER_INSTRUCTION = {
    ConcernTier.EMERGENCY: "tell the clinician in the room now",
    ConcernTier.URGENT: "supervisors see it now; tell the clinician before the session ends",
    ConcernTier.ROUTINE: "a recheck within 1-2 weeks; supervisors see it",
}
TIER_WORD = {ConcernTier.EMERGENCY: "Emergency", ConcernTier.URGENT: "Urgent", ConcernTier.ROUTINE: "Routine"}


def concern_message(measurement: Measurement) -> str:
    assert measurement.concern is not None
    tier = measurement.concern.tier
    name = measurement.participant.full_name
    return (
        f"{TIER_WORD[ConcernTier(tier)]} concern raised for {name} ({measurement.get_kind_display()} "
        f"{measurement.display_value}): {TIER_INSTRUCTION[ConcernTier(tier)]}."
    )


def _saved_messages(request: HttpRequest, saved: list[Measurement], name: str) -> None:
    readings = ", ".join(f"{m.get_kind_display().lower()} {m.display_value}" for m in saved)
    messages.success(request, f"Saved for {name}: {readings}.")
    for m in sorted(saved, key=lambda m: CONCERN_TIER_RANK[m.concern.tier] if m.concern else 9):
        if m.concern is not None:
            messages.error(request, concern_message(m))


# --- at a group visit ---------------------------------------------------------------------------------


@dataclass
class SessionReadingLine:
    line: RosterLine
    enrollment: Enrollment
    taken_here: list[Measurement]
    may_record: bool
    form: ReadingsForm

    @property
    def anchor(self) -> str:
        return f"person-{self.enrollment.pk}"


def _session(user: User, session_id: int) -> GroupSession:
    session = access_session(user, session_id)
    require(can_see_roster(user, session.series))
    return session


def _readings_form(enrollment_id: int, data: Any = None) -> ReadingsForm:
    return ReadingsForm(data, prefix=f"p{enrollment_id}", initial={"glucose_unit": "mg/dL", "weight_unit": "kg"})


def _render_session(
    request: HttpRequest, user: User, session: GroupSession, bound: tuple[int, ReadingsForm] | None = None
) -> HttpResponse:
    lines = roster(session)
    ids = [line.registration.enrollment_id for line in lines]
    enrollments = {e.pk: e for e in Enrollment.objects.filter(pk__in=ids).select_related("participant")}
    rank = Case(
        *[When(concern__tier=tier, then=Value(n)) for tier, n in CONCERN_TIER_RANK.items()],
        default=Value(9),
        output_field=IntegerField(),
    )
    taken = list(
        measurements_visible_to(user)
        .filter(session=session)
        .select_related("concern", "participant")
        .annotate(tier_rank=rank)
        .order_by("taken_at", "pk")
    )
    recorders = measurement_recorders_at_session(user, session, ids)
    # Readings open an hour before the start (people are weighed as they arrive), as the service allows.
    is_open = not session.is_cancelled and session.starts_at - BEFORE_SESSION <= timezone.now()
    people = []
    for line in lines:
        enrollment = enrollments[line.registration.enrollment_id]
        form = bound[1] if bound is not None and bound[0] == enrollment.pk else _readings_form(enrollment.pk)
        people.append(
            SessionReadingLine(
                line=line,
                enrollment=enrollment,
                taken_here=[m for m in taken if m.enrollment_id == enrollment.pk],
                may_record=enrollment.pk in recorders and is_open,
                form=form,
            )
        )
    open_concerns = sorted(
        (m for m in taken if m.concern is not None and m.concern.is_open),
        key=lambda m: (m.tier_rank, m.taken_at),
    )
    log_access(user, [enrollments[i].participant_id for i in ids], AccessChannel.PAGE, request.path)
    return render(
        request,
        "selfcare/session_measurements.html",
        {
            "session": session,
            "series": session.series,
            "lines": people,
            "open_concerns": [(m, concern_message(m)) for m in open_concerns],
            "is_open": is_open,
            "has_emergency": any(m.concern and m.concern.tier == ConcernTier.EMERGENCY for m in open_concerns),
        },
    )


@login_required
def session_measurements(request: HttpRequest, session_id: int) -> HttpResponse:
    """Quick entry of blood pressure, weight, HbA1c and glucose for each person at a group visit."""
    user = current_user(request)
    session = _session(user, session_id)
    if request.method != "POST":
        return _render_session(request, user, session)
    ids = {line.registration.enrollment_id for line in roster(session)}
    raw = request.POST.get("enrollment", "")
    if not raw.isdigit() or int(raw) not in ids:
        raise Http404("Not on this session's roster.")
    enrollment = Enrollment.objects.select_related("participant__organization", "program").get(pk=int(raw))
    require(can_record_measurement(user, enrollment, session))
    form = _readings_form(enrollment.pk, request.POST)
    if form.is_valid():
        try:
            saved = record_readings(user, enrollment, form.readings(), session=session)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            _saved_messages(request, saved, enrollment.participant.full_name)
            return redirect(reverse("selfcare:session_measurements", args=[session.pk]) + f"#person-{enrollment.pk}")
    return _render_session(request, user, session, bound=(enrollment.pk, form))


# --- one person's history ---------------------------------------------------------------------------------


def _program_name(enrollment: Enrollment) -> str:
    return enrollment.program.name


class RecordForm(ReadingsForm):
    """Readings outside a group visit: which program, and when they were taken (blank: now, or the
    contact's time when recorded from a contact)."""

    enrollment = forms.ModelChoiceField(queryset=Enrollment.objects.none(), label="Program", empty_label=None)
    taken_at = forms.DateTimeField(
        required=False,
        label="When taken (leave empty for now)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M"],
    )

    field_order = ["enrollment", "taken_at"]

    def __init__(self, *args: Any, enrollments: list[Enrollment], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["enrollment"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Enrollment.objects.filter(pk__in=[e.pk for e in enrollments]).select_related("program")
        field.label_from_instance = _program_name  # type: ignore[method-assign,assignment]


@dataclass
class KindHistory:
    kind: str
    label: str
    unit: str
    rows: list[Measurement]


@login_required
def participant_measurements(request: HttpRequest, participant_id: int) -> HttpResponse:
    """A person's readings per kind, newest first, in the canonical units (as entered alongside); and a
    form to record readings for those who may (?contact=<id> attaches them to a contact)."""
    user = current_user(request)
    enrollments = list(
        selfcare_enrollments_visible_to(user)
        .filter(participant=participant_id)
        .select_related("program__organization", "participant__organization")
        .order_by("-enrolled_on", "-pk")
    )
    require(bool(enrollments))
    participant = enrollments[0].participant
    is_self = user.role == Role.PARTICIPANT
    contact = _contact(request, user, enrollments)
    if contact is not None:
        enrollments = [e for e in enrollments if e.pk == contact.enrollment_id]
    recordable = [e for e in enrollments if can_record_measurement(user, e)]
    form: RecordForm | None = None
    if recordable:
        form = RecordForm(
            request.POST if request.method == "POST" else None,
            enrollments=recordable,
            initial={"glucose_unit": "mg/dL", "weight_unit": "kg", "enrollment": recordable[0].pk},
        )
    if request.method == "POST":
        require(form is not None)
        assert form is not None
        if form.is_valid():
            enrollment: Enrollment = form.cleaned_data["enrollment"]
            taken_at: datetime | None = form.cleaned_data.get("taken_at")
            if taken_at is not None and timezone.is_naive(taken_at):
                taken_at = taken_at.replace(tzinfo=ZoneInfo(participant.zone))
            try:
                saved = record_readings(user, enrollment, form.readings(), taken_at=taken_at, contact=contact)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                _saved_messages(request, saved, participant.full_name)
                return redirect("selfcare:participant_measurements", participant.pk)
    log_access(user, [participant.pk], AccessChannel.PAGE, request.path)
    rows = list(
        measurements_visible_to(user)
        .filter(participant=participant)
        .select_related("concern", "session__series", "contact", "recorded_by", "enrollment__program")
        .order_by("-taken_at", "-pk")
    )
    history = [
        KindHistory(
            kind=kind.value,
            label=kind.label,
            unit=CANONICAL_UNIT[kind.value],
            rows=[m for m in rows if m.kind == kind.value][:HISTORY_PER_KIND],
        )
        for kind in MeasurementKind
    ]
    return render(
        request,
        "selfcare/participant_measurements.html",
        {
            "participant": participant,
            "history": history,
            "is_self": is_self,
            "show_concerns": not is_self,
            "form": form,
            "contact": contact,
        },
    )


def _contact(request: HttpRequest, user: User, enrollments: list[Enrollment]) -> Contact | None:
    """The ?contact= the readings were taken in: a contact the user can see, with one of these enrolments."""
    raw = request.GET.get("contact", "")
    if not raw:
        return None
    contact = (
        contacts_visible_to(user).filter(pk=int(raw), enrollment__in=[e.pk for e in enrollments]).first()
        if raw.isdigit()
        else None
    )
    if contact is None:
        raise Http404("No such contact.")
    return contact


urlpatterns: list[URLPattern] = [
    path("sessions/<int:session_id>/readings/", session_measurements, name="session_measurements"),
    path("participants/<int:participant_id>/readings/", participant_measurements, name="participant_measurements"),
]
