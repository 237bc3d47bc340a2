"""Closed-loop referral pages: make a referral, follow it, answer it, and watch the stalled ones.

    linkage:referral_new        a supporter or coordinator refers a participant (from their page, a
                                contact ?contact=, the call screen ?enrollment=, a directory service
                                ?service=); the directory search is a plain GET, so it works without
                                JavaScript (htmx swaps just the list of services when it is there)
    linkage:referral            one referral: what was shared, every step with who and when, and the
                                next steps this user may take, as buttons
    linkage:referral_status     POST: one step along the loop (the buttons above and in the inbox)
    linkage:referrals_to_me     a professional's inbox: referrals addressed to them, one tap to answer
    linkage:referrals           coordinators: the organization's open referrals, stalled first
    linkage:referral_settings   a program's stall windows (managers)

Views parse and delegate: scoping is linkage.referral_access, writes are linkage.services. Every page that
shows a participant writes the access log.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Case, Count, ExpressionWrapper, IntegerField, Q, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from alongside.accounts.models import Role, User
from alongside.audit.models import AccessChannel
from alongside.audit.services import log_access
from alongside.contacts.models import Contact
from alongside.linkage.models import (
    OPEN_REFERRAL_STATUSES,
    Referral,
    ReferralKind,
    ReferralSettings,
    ReferralStatus,
    ReferralUrgency,
    Service,
    SharedItem,
)
from alongside.linkage.referral_access import (
    access_referral,
    can_change_referral_settings,
    is_receiver,
    may_refer_at_all,
    referable_enrollments,
    referrals_visible_to,
    sees_referral_overview,
    sees_team_notes,
    statuses_for,
)
from alongside.linkage.referral_stalls import DEFAULT_WINDOWS, StallRules, is_stalled, last_progress, stall_detail
from alongside.linkage.services import (
    CLOSED_SERVICE_STATUSES,
    MAX_NOTE_LENGTH,
    STALL_DAYS_LIMITS,
    change_status,
    create_referral,
    save_referral_settings,
)
from alongside.people import access
from alongside.people.models import Participant
from alongside.people.phones import display_phone
from alongside.programs.models import Enrollment, Program
from alongside.selfcare.models import ActionPlan, ActionPlanStatus, Measurement, MeasurementKind
from alongside.web.forms import ChipsSingle, add_service_errors
from alongside.web.guards import current_user, require

SERVICE_OPTIONS = 12  # services listed at once on the referral form; search narrows them
OVERVIEW_LIMIT = 200
RECENTLY_CLOSED_DAYS = 30
# What each step's button says.
STEP_LABELS: dict[str, str] = {
    ReferralStatus.SENT: "Send",
    ReferralStatus.ACCEPTED: "Accept",
    ReferralStatus.DECLINED: "Decline",
    ReferralStatus.SCHEDULED: "Book appointment",
    ReferralStatus.COMPLETED: "Completed",
    ReferralStatus.NO_SHOW: "No-show",
    ReferralStatus.CANCELLED: "Cancel referral",
}
URGENCY_ORDER = Case(
    When(urgency=ReferralUrgency.URGENT, then=Value(0)),
    When(urgency=ReferralUrgency.SOON, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)
DEFAULT_SHARED = [SharedItem.NAME_AND_CONTACT, SharedItem.REASON]


def _log(request: HttpRequest, user: User, participant_ids: Iterable[int]) -> None:
    log_access(user, list(dict.fromkeys(participant_ids)), AccessChannel.PAGE, request.path)


def _optional_url(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


# ------------------------------------------------------------------------------------------- new referral


class ProfessionalChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class ReferralForm(forms.Form):
    """A referral: which enrolment, what kind, to whom (one of three), why, how urgent, consent, what is
    shared. Shapes only; linkage.services checks the rest and says what is wrong."""

    enrollment = forms.ModelChoiceField(queryset=Enrollment.objects.none(), label="Program", empty_label=None)
    kind = forms.ChoiceField(choices=ReferralKind.choices, widget=ChipsSingle, label="Kind of referral")
    service = forms.ModelChoiceField(
        queryset=Service.objects.none(), required=False, widget=forms.RadioSelect, label="A service in the directory"
    )
    to_professional = ProfessionalChoice(
        queryset=User.objects.none(), required=False, label="A professional of your organization", empty_label="—"
    )
    to_name = forms.CharField(
        required=False,
        max_length=300,
        label="Someone else, by name",
        help_text="A clinic or person not in the directory, e.g. “Dr Mensah, Eastside Clinic”.",
    )
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Reason")
    urgency = forms.ChoiceField(
        choices=ReferralUrgency.choices, widget=ChipsSingle, initial=ReferralUrgency.ROUTINE, label="Urgency"
    )
    consent_to_share = forms.BooleanField(required=False)
    shared_items = forms.MultipleChoiceField(
        choices=SharedItem.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        initial=DEFAULT_SHARED,
        label="What is shared with the receiver",
    )
    contact = forms.ModelChoiceField(queryset=Contact.objects.none(), required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        participant: Participant,
        enrollments: QuerySet[Enrollment],
        services: QuerySet[Service],
        professionals: QuerySet[User],
        contacts: QuerySet[Contact],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["enrollment"].queryset = enrollments
        fields["enrollment"].label_from_instance = lambda e: e.program.name
        fields["service"].queryset = services
        fields["to_professional"].queryset = professionals
        fields["contact"].queryset = contacts
        fields[
            "consent_to_share"
        ].label = f"{participant.preferred_name} agrees to share what is ticked below with the receiver"


def _service_search(services: QuerySet[Service], q: str) -> list[Service]:
    found = services
    for word in q.split():
        found = found.filter(
            Q(name__icontains=word)
            | Q(alternate_name__icontains=word)
            | Q(description__icontains=word)
            | Q(resource_organization__name__icontains=word)
            | Q(categories__name__icontains=word)
        )
    return list(found.select_related("resource_organization").distinct().order_by("name", "pk")[:SERVICE_OPTIONS])


@login_required
def referral_new(request: HttpRequest, participant_id: int) -> HttpResponse:
    user = current_user(request)
    require(may_refer_at_all(user))
    participant = access.access_participant(user, participant_id)
    enrollments = referable_enrollments(user).filter(participant=participant).select_related("program")
    enrollment_list = list(enrollments)
    organization_id = participant.organization_id
    services = Service.objects.filter(organization=organization_id).exclude(status__in=CLOSED_SERVICE_STATUSES)
    professionals = User.objects.filter(organization=organization_id, role=Role.PROFESSIONAL, is_active=True).order_by(
        "first_name", "last_name", "pk"
    )
    contacts = access.contacts_visible_to(user).filter(participant=participant)

    # Where the referral starts from: a contact, the call screen (an enrolment), a directory service.
    initial: dict[str, Any] = {"kind": ReferralKind.COMMUNITY}
    chosen_service: Service | None = None
    if request.GET.get("contact"):
        contact = contacts.filter(pk=_int(request.GET["contact"]) or 0).first()
        if contact is None:
            raise Http404("No such contact.")
        initial.update(contact=contact.pk, enrollment=contact.enrollment_id)
    if request.GET.get("enrollment"):
        initial["enrollment"] = _int(request.GET["enrollment"])
    if request.GET.get("service"):
        chosen_service = services.filter(pk=_int(request.GET["service"]) or 0).first()
        if chosen_service is None:
            raise Http404("No such service.")
        initial["service"] = chosen_service.pk
        if chosen_service.is_clinical:
            initial["kind"] = ReferralKind.CLINICAL

    form = ReferralForm(
        request.POST or None,
        initial=initial,
        participant=participant,
        enrollments=enrollments,
        services=services,
        professionals=professionals,
        contacts=contacts,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        contact = data.get("contact")
        try:
            referral = create_referral(
                user,
                data["enrollment"],
                kind=data["kind"],
                reason=data["reason"],
                urgency=data["urgency"],
                consent_to_share=bool(data["consent_to_share"]),
                shared_items=data["shared_items"],
                service=data.get("service"),
                to_professional=data.get("to_professional"),
                to_name=data["to_name"],
                from_contact=contact,
                send=request.POST.get("action") != "draft",
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            sent = referral.status == ReferralStatus.SENT
            messages.success(request, f"Referral to {referral.receiver} {'sent' if sent else 'saved as a draft'}.")
            return redirect("linkage:referral", referral.pk)

    q = request.GET.get("q", "").strip()[:100]
    options = _service_search(services, q)
    posted = form.data.get("service") if form.is_bound else None
    selected = _int(posted) if posted else (chosen_service.pk if chosen_service else None)
    if selected is not None and all(s.pk != selected for s in options):
        extra = services.filter(pk=selected).select_related("resource_organization").first()
        if extra is not None:
            options.insert(0, extra)
    _log(request, user, [participant.pk])
    context = {
        "participant": participant,
        "form": form,
        "has_enrollments": bool(enrollment_list),
        "only_enrollment": enrollment_list[0] if len(enrollment_list) == 1 else None,
        "service_options": options,
        "selected_service": selected,
        "q": q,
        "keep": {k: request.GET[k] for k in ("contact", "enrollment") if request.GET.get(k)},
        "directory_url": _optional_url("linkage:directory"),
    }
    if request.headers.get("HX-Request") and request.method == "GET" and "q" in request.GET:
        return render(request, "linkage/referral_service_options.html", context)
    return render(request, "linkage/referral_new.html", context)


def _int(raw: Any) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


# ------------------------------------------------------------------------------------------- one referral


class StatusForm(forms.Form):
    """One step along the loop: the status is the button pressed; booking needs the day and time (on the
    participant's clock)."""

    status = forms.ChoiceField(choices=ReferralStatus.choices)
    note = forms.CharField(
        required=False, max_length=MAX_NOTE_LENGTH, widget=forms.Textarea(attrs={"rows": 2}), label="Note (optional)"
    )
    day = forms.DateField(required=False, label="Appointment day", widget=forms.DateInput(attrs={"type": "date"}))
    at = forms.TimeField(required=False, label="Time", widget=forms.TimeInput(attrs={"type": "time"}))
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def appointment_at(self, zone: str) -> datetime | None:
        day, at = self.cleaned_data.get("day"), self.cleaned_data.get("at")
        if day is None:
            if at is not None:
                self.add_error("day", "Give the day as well as the time.")
            return None
        if at is None:
            self.add_error("at", "Give the time as well as the day.")
            return None
        return datetime.combine(day, at, tzinfo=ZoneInfo(zone))


def _steps(user: User, referral: Referral) -> list[tuple[str, str]]:
    return [(s, STEP_LABELS.get(s, s)) for s in statuses_for(user, referral)]


def _shared_view(referral: Referral) -> dict[str, Any]:
    """What the receiving professional sees: only what the participant agreed to share."""
    items = set(referral.shared_items)
    p = referral.participant
    return {
        "name": p.full_name if SharedItem.NAME_AND_CONTACT in items else "",
        "phone": display_phone(p.phone) if SharedItem.NAME_AND_CONTACT in items and p.phone else "",
        "email": p.email if SharedItem.NAME_AND_CONTACT in items else "",
        "date_of_birth": p.date_of_birth if SharedItem.DATE_OF_BIRTH in items else None,
        "conditions": p.condition_labels if SharedItem.CONDITIONS in items else [],
        "language": p.language_name if SharedItem.LANGUAGE in items else "",
        "reason": referral.reason if SharedItem.REASON in items or referral.is_incoming else "",
        "readings": _latest_readings(p) if SharedItem.READINGS in items else [],
        "action_plan": _active_plan(referral) if SharedItem.ACTION_PLAN in items else None,
    }


def _latest_readings(participant: Participant) -> list[Measurement]:
    """The newest reading of each kind (four small indexed queries: participant, kind, -taken_at)."""
    latest = (Measurement.objects.filter(participant=participant, kind=kind).first() for kind in MeasurementKind.values)
    return [m for m in latest if m is not None]


def _active_plan(referral: Referral) -> ActionPlan | None:
    return ActionPlan.objects.filter(enrollment=referral.enrollment, status=ActionPlanStatus.ACTIVE).first()


def _detail(
    request: HttpRequest, user: User, referral: Referral, form: StatusForm | None = None, status: int = 200
) -> HttpResponse:
    events = list(referral.events.select_related("changed_by"))
    program = referral.enrollment.program
    now = timezone.now()
    stalled = ""
    if referral.is_open and not is_receiver(user, referral):
        windows = StallRules.load([program.pk])[program.pk]
        if is_stalled(
            referral.status, referral.urgency, referral.status_changed_at, referral.appointment_at, windows, now
        ):
            since = last_progress(referral.status_changed_at, referral.appointment_at)
            stalled = stall_detail(referral.receiver, referral.status, since, now)
    _log(request, user, [referral.participant_id])
    receiver_view = is_receiver(user, referral)
    context = {
        "referral": referral,
        "participant": referral.participant,
        "events": events,
        "show_notes": sees_team_notes(user),
        "steps": _steps(user, referral),
        "form": form or StatusForm(initial={"next": request.GET.get("next", "")}),
        "receiver_view": receiver_view,
        "shared": _shared_view(referral) if receiver_view else None,
        "shared_labels": [SharedItem(i).label for i in referral.shared_items if i in SharedItem.values],
        "can_open_record": not receiver_view and user.role != Role.PARTICIPANT,
        "stalled": stalled,
        "zone": referral.participant.zone,
    }
    return render(request, "linkage/referral_detail.html", context, status=status)


@login_required
def referral_detail(request: HttpRequest, referral_id: int) -> HttpResponse:
    user = current_user(request)
    return _detail(request, user, access_referral(user, referral_id))


@login_required
@require_POST
def referral_status(request: HttpRequest, referral_id: int) -> HttpResponse:
    user = current_user(request)
    referral = access_referral(user, referral_id)
    form = StatusForm(request.POST)
    if form.is_valid():
        appointment_at = form.appointment_at(referral.participant.zone)
        if not form.errors:
            to_status = form.cleaned_data["status"]
            try:
                change_status(user, referral, to_status, note=form.cleaned_data["note"], appointment_at=appointment_at)
            except ValidationError as error:
                if hasattr(error, "error_dict") and "appointment_at" in error.error_dict:
                    form.add_error("day", error.error_dict.pop("appointment_at"))
                if not hasattr(error, "error_dict") or error.error_dict:
                    add_service_errors(form, error)
            else:
                messages.success(
                    request, f"Referral to {referral.receiver}: {ReferralStatus(to_status).label.lower()}."
                )
                target = form.cleaned_data.get("next") or ""
                if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
                    return redirect(target)
                return redirect("linkage:referral", referral.pk)
    # Shown again on the referral's page with the errors and what was typed; nothing was saved.
    return _detail(request, user, referral, form=form, status=400)


# ------------------------------------------------------------------------------------------- professional's inbox


@login_required
def referrals_to_me(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    require(user.role == Role.PROFESSIONAL)
    mine = referrals_visible_to(user).filter(to_professional=user)
    related = ("participant__organization", "enrollment__program", "created_by", "service")
    waiting = list(
        mine.filter(status__in=OPEN_REFERRAL_STATUSES)
        .select_related(*related)
        .order_by(URGENCY_ORDER, "status_changed_at", "pk")
    )
    since = timezone.now() - timedelta(days=RECENTLY_CLOSED_DAYS)
    closed = list(
        mine.exclude(status__in=OPEN_REFERRAL_STATUSES)
        .filter(status_changed_at__gte=since)
        .select_related(*related)
        .order_by("-status_changed_at", "-pk")[:50]
    )
    _log(request, user, [r.participant_id for r in [*waiting, *closed]])
    context = {
        "waiting": [(r, _shared_view(r), _steps(user, r)) for r in waiting],
        "closed": [(r, _shared_view(r)) for r in closed],
        "closed_days": RECENTLY_CLOSED_DAYS,
        "next": request.get_full_path(),
    }
    return render(request, "linkage/referral_inbox.html", context)


# ------------------------------------------------------------------------------------------- coordinators' list


class OverviewFilter(forms.Form):
    program = forms.ModelChoiceField(
        queryset=Program.objects.none(), required=False, empty_label="All programs", label="Program"
    )
    status = forms.ChoiceField(
        choices=[("", "All open"), *[(s, ReferralStatus(s).label) for s in ReferralStatus.values], ("all", "Any")],
        required=False,
        label="Status",
    )
    stalled = forms.BooleanField(required=False, label="Stalled only")

    def __init__(self, *args: Any, programs: QuerySet[Program], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs  # type: ignore[attr-defined]


@login_required
def referrals_overview(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    require(sees_referral_overview(user))
    programs = access.programs_visible_to(user).order_by("name")
    form = OverviewFilter(request.GET, programs=programs)
    form.is_valid()  # bad filters are dropped, never fatal
    program = form.cleaned_data.get("program")
    status = form.cleaned_data.get("status") or ""
    only_stalled = bool(form.cleaned_data.get("stalled"))

    program_list = list(programs)
    stalls = StallRules.load(p.pk for p in program_list)
    settings = {s.program_id: s for s in ReferralSettings.objects.filter(program__in=[p.pk for p in program_list])}
    now = timezone.now()
    stalled_q = stalls.condition(now)
    referrals = referrals_visible_to(user)
    if program is not None:
        referrals = referrals.filter(enrollment__program=program)
    counts = referrals.aggregate(
        open=Count("pk", filter=Q(status__in=OPEN_REFERRAL_STATUSES)),
        stalled=Count("pk", filter=stalled_q),
        **{str(s): Count("pk", filter=Q(status=s)) for s in OPEN_REFERRAL_STATUSES},
    )
    if status == "":
        referrals = referrals.filter(status__in=OPEN_REFERRAL_STATUSES)
    elif status != "all":
        referrals = referrals.filter(status=status)
    if only_stalled:
        referrals = referrals.filter(stalled_q)
    rows = list(
        referrals.annotate(is_stalled=ExpressionWrapper(stalled_q, output_field=BooleanField()))
        .select_related("participant", "enrollment__program", "service", "to_professional", "created_by")
        .order_by("-is_stalled", URGENCY_ORDER, "status_changed_at", "pk")[:OVERVIEW_LIMIT]
    )
    lines = []
    for r in rows:
        since = last_progress(r.status_changed_at, r.appointment_at)
        detail = stall_detail(r.receiver, r.status, since, now) if r.is_stalled else ""
        lines.append((r, detail, (timezone.localdate(now) - timezone.localtime(r.status_changed_at).date()).days))
    _log(request, user, [r.participant_id for r in rows])
    context = {
        "form": form,
        "lines": lines,
        "counts": counts,
        "open_statuses": [(s, ReferralStatus(s).label, counts[str(s)]) for s in OPEN_REFERRAL_STATUSES],
        "limit": OVERVIEW_LIMIT,
        "programs": [(p, stalls[p.pk], p.pk in settings, can_change_referral_settings(user, p)) for p in program_list],
        "filtered": bool(program or status or only_stalled),
    }
    return render(request, "linkage/referral_overview.html", context)


# ------------------------------------------------------------------------------------------- settings


class SettingsForm(forms.Form):
    stall_after_days = forms.IntegerField(
        label="Chase a referral after this many days without progress",
        help_text=f"{STALL_DAYS_LIMITS[0]}-{STALL_DAYS_LIMITS[1]} days; default {DEFAULT_WINDOWS.routine}.",
    )
    urgent_stall_after_days = forms.IntegerField(
        label="Urgent referrals: after this many days",
        help_text=f"{STALL_DAYS_LIMITS[0]}-{STALL_DAYS_LIMITS[1]} days; default {DEFAULT_WINDOWS.urgent}.",
    )


@login_required
def referral_settings(request: HttpRequest, program_id: int) -> HttpResponse:
    user = current_user(request)
    program = access.access_program(user, program_id)
    require(can_change_referral_settings(user, program))
    current = ReferralSettings.objects.filter(program=program).first()
    initial = {
        "stall_after_days": current.stall_after_days if current else DEFAULT_WINDOWS.routine,
        "urgent_stall_after_days": current.urgent_stall_after_days if current else DEFAULT_WINDOWS.urgent,
    }
    form = SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            save_referral_settings(
                user,
                program,
                stall_after_days=form.cleaned_data["stall_after_days"],
                urgent_stall_after_days=form.cleaned_data["urgent_stall_after_days"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Referral settings saved; the supporters' lists follow them from now on.")
            return redirect("linkage:referral_settings", program.pk)
    return render(
        request, "linkage/referral_settings.html", {"program": program, "form": form, "is_default": current is None}
    )


urlpatterns: list[URLPattern] = [
    path("referrals/", referrals_overview, name="referrals"),
    path("referrals/to-me/", referrals_to_me, name="referrals_to_me"),
    path("referrals/<int:referral_id>/", referral_detail, name="referral"),
    path("referrals/<int:referral_id>/status/", referral_status, name="referral_status"),
    path("participants/<int:participant_id>/refer/", referral_new, name="referral_new"),
    path("programs/<int:program_id>/referral-settings/", referral_settings, name="referral_settings"),
]
