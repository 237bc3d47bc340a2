"""Pages about people. Thin: parse, check access through people.access, call services, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from alongside.accounts.models import Role
from alongside.audit.models import AccessChannel
from alongside.audit.services import log_access
from alongside.contacts.queries import caseload as caseload_query
from alongside.contacts.queries import last_function_dates
from alongside.people import access
from alongside.people.forms import NewSupporterForm, ParticipantForm, SupporterForm
from alongside.people.models import Participant, Supporter
from alongside.people.phones import display_phone
from alongside.people.services import create_participant, create_supporter, update_participant, update_supporter
from alongside.people.timeline import timeline_for
from alongside.programs.models import CASELOAD_STATUSES, EnrollmentStatus
from alongside.programs.services import organization_of
from alongside.taxonomy import KeyFunction
from alongside.web.forms import add_service_errors
from alongside.web.guards import current_user, require


@login_required
def caseload(request: HttpRequest) -> HttpResponse:
    """Supporter home: everyone I support, with last contact, next contact due and open concerns."""
    user = current_user(request)
    supporter = Supporter.objects.filter(user=user).first()
    require(supporter is not None)
    assert supporter is not None
    rows = list(caseload_query(supporter))
    return render(
        request,
        "people/caseload.html",
        {"supporter": supporter, "rows": rows, "capacity_left": supporter.max_caseload - len(rows)},
    )


@login_required
def participant_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    require(access.is_organization_wide(user) or user.role == Role.PROFESSIONAL)
    query = request.GET.get("q", "").strip()
    participants = access.participants_visible_to(user)
    if query:
        participants = participants.filter(
            Q(preferred_name__icontains=query) | Q(family_name__icontains=query) | Q(phone__contains=query)
        )
    participants = participants.annotate(
        open_enrollments=Count("enrollments", filter=Q(enrollments__status__in=CASELOAD_STATUSES), distinct=True),
        open_concerns=Count("concerns", filter=Q(concerns__acknowledged_at__isnull=True), distinct=True),
    ).order_by("preferred_name", "family_name", "pk")
    page = Paginator(participants, 50).get_page(request.GET.get("page"))
    return render(request, "people/participant_list.html", {"page": page, "query": query})


@login_required
def participant_detail(request: HttpRequest, participant_id: int) -> HttpResponse:
    """One person: facts, enrolments with function coverage, and one timeline across every channel."""
    user = current_user(request)
    if user.role == Role.PARTICIPANT:
        return redirect("people:me")
    participant = access.access_participant(user, participant_id)
    log_access(user, [participant.pk], AccessChannel.PAGE, request.path)
    enrollments = list(
        access.enrollments_visible_to(user)
        .filter(participant=participant)
        .select_related("program")
        .prefetch_related("assignments__supporter__user")
        .order_by("-enrolled_on")
    )
    last_dates = last_function_dates(participant, user)
    for enrollment in enrollments:
        dates = last_dates.get(enrollment.pk, {})
        enrollment.function_dates = [(f.value, f.label, dates.get(f.value)) for f in KeyFunction]  # type: ignore[attr-defined]
        enrollment.current_assignments = [a for a in enrollment.assignments.all() if a.ended_at is None]  # type: ignore[attr-defined]
    loggable = [e for e in enrollments if access.can_log_contact(user, e)]
    manage = access.can_manage(user)
    return render(
        request,
        "people/participant_detail.html",
        {
            "participant": participant,
            "phone_display": display_phone(participant.phone),
            "enrollments": enrollments,
            "can_log": bool(loggable),
            "can_manage": manage,
            "supporters": list(access.supporters_visible_to(user).filter(is_active=True)) if manage else [],
            "timeline": timeline_for(participant, user),
            "statuses": EnrollmentStatus,
        },
    )


@login_required
def me(request: HttpRequest) -> HttpResponse:
    """A participant's own record: their contacts and when they will next hear from us."""
    user = current_user(request)
    participant = Participant.objects.filter(user=user).first()
    require(participant is not None)
    assert participant is not None
    log_access(user, [participant.pk], AccessChannel.PAGE, request.path)
    enrollments = list(
        access.enrollments_visible_to(user)
        .select_related("program")
        .prefetch_related("assignments__supporter__user")
        .filter(status__in=CASELOAD_STATUSES)
    )
    upcoming = (
        access.contacts_visible_to(user)
        .filter(participant=participant, next_contact_due__isnull=False)
        .order_by("-occurred_at")
        .values_list("next_contact_due", flat=True)
        .first()
    )
    return render(
        request,
        "people/me.html",
        {
            "participant": participant,
            "enrollments": enrollments,
            "next_contact_due": upcoming,
            "timeline": timeline_for(participant, user),
        },
    )


@login_required
def participant_new(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    require(access.can_manage(user))
    form = ParticipantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            participant = create_participant(
                user, organization_of(user), form.fields_for_service(), form.consent_changes()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{participant.full_name} was added.")
            return redirect("people:participant", participant.pk)
    return render(request, "people/participant_form.html", {"form": form, "participant": None})


@login_required
def participant_edit(request: HttpRequest, participant_id: int) -> HttpResponse:
    user = current_user(request)
    require(access.can_manage(user))
    participant = access.access_participant(user, participant_id)
    form = ParticipantForm.for_participant(participant, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            update_participant(user, participant, form.fields_for_service(), form.consent_changes())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Saved.")
            return redirect("people:participant", participant.pk)
    return render(request, "people/participant_form.html", {"form": form, "participant": participant})


@login_required
def supporter_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    require(access.is_organization_wide(user))
    supporters = access.supporters_visible_to(user).annotate(
        caseload_size=Count(
            "assignments",
            filter=Q(assignments__ended_at__isnull=True, assignments__enrollment__status__in=CASELOAD_STATUSES),
        )
    )
    return render(request, "people/supporter_list.html", {"supporters": supporters})


@login_required
def supporter_new(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    require(access.can_manage(user))
    organization = organization_of(user)
    form = NewSupporterForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        account = {k: data.pop(k) for k in ("username", "first_name", "last_name", "email", "password")}
        try:
            supporter = create_supporter(user, organization, data=data, **account)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{supporter} was added as a supporter.")
            return redirect("people:supporters")
    return render(request, "people/supporter_form.html", {"form": form, "supporter": None})


@login_required
def supporter_edit(request: HttpRequest, supporter_id: int) -> HttpResponse:
    user = current_user(request)
    require(access.can_manage(user))
    supporter = access.access_supporter(user, supporter_id)
    form = SupporterForm.for_supporter(supporter, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            update_supporter(user, supporter, form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Saved.")
            return redirect("people:supporters")
    return render(request, "people/supporter_form.html", {"form": form, "supporter": supporter})
