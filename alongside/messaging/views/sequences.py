"""Email programs: coordinators create and edit sequences, add participants, and see members, sends and
unsubscribes; plus the public one-click unsubscribe page the emails link to.

Pages are for organization-wide roles (administrators, coordinators, supervisors: others get a 404); writes
are for administrators and coordinators and go through messaging.sequences. The unsubscribe page needs no
login: its signed token is the authority.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import CharField, Count, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.forms import formset_factory
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from alongside.audit.models import AccessChannel
from alongside.audit.services import log_access
from alongside.messaging import sequences as services
from alongside.messaging.models import (
    EmailSequence,
    MessageStatus,
    OutboundMessage,
    Purpose,
    SequenceMembership,
    SequenceMembershipStatus,
)
from alongside.messaging.sequence_defaults import DEFAULTS
from alongside.messaging.unsubscribe import BadToken, membership_for
from alongside.people import access
from alongside.programs.models import OPEN_STATUSES, Program
from alongside.taxonomy import FUNCTION_FIELDS, LANGUAGE_CHOICES, LANGUAGE_NAMES, KeyFunction
from alongside.web.guards import current_user, require


class SequenceForm(forms.Form):
    program = forms.ModelChoiceField(queryset=Program.objects.none(), label="Program")
    name = forms.CharField(max_length=200, label="Name")
    language = forms.ChoiceField(choices=LANGUAGE_CHOICES, label="Language")
    functions = forms.MultipleChoiceField(
        choices=KeyFunction.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Key functions these emails serve",
    )
    is_active = forms.BooleanField(required=False, initial=True, label="Active (due emails are sent)")

    def __init__(self, *args: Any, programs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["program"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = programs


class StepForm(forms.Form):
    days_after_start = forms.IntegerField(min_value=0, max_value=services.MAX_DAYS, label="Days after start")
    subject = forms.CharField(max_length=200, label="Subject")
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        label="Text",
        help_text="You can use {{ first_name }}; include {{ unsubscribe_url }}.",
    )


StepFormSet = formset_factory(StepForm, extra=2, can_delete=True)


class DefaultForm(forms.Form):
    program = forms.ModelChoiceField(queryset=Program.objects.none(), label="Program")
    language = forms.ChoiceField(choices=[("en", "English"), ("es", "Spanish")], label="Language")

    def __init__(self, *args: Any, programs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["program"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = programs


class AddMembersForm(forms.Form):
    participants = forms.MultipleChoiceField(
        choices=[], widget=forms.CheckboxSelectMultiple, label="Participants enrolled in the program"
    )

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["participants"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = choices
        self.participant_ids = [pk for pk, _ in choices]


def _managed_programs(request: HttpRequest) -> Any:
    return access.programs_visible_to(current_user(request)).order_by("name")


def _sequence(request: HttpRequest, pk: int) -> EmailSequence:
    try:
        return services.sequences_visible_to(current_user(request)).select_related("program").get(pk=pk)
    except EmailSequence.DoesNotExist as error:
        raise Http404("No such email program.") from error


def _apply_errors(error: ValidationError, form: forms.Form) -> list[str]:
    """Puts a service's field errors on the form; returns the steps' errors (shown above the steps)."""
    step_errors: list[str] = []
    for field, messages in error.message_dict.items():
        if field == "steps":
            step_errors += messages
        else:
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
    return step_errors


@login_required
def sequence_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    require(access.is_organization_wide(user))
    rows = (
        services.sequences_visible_to(user)
        .select_related("program")
        .annotate(
            steps_count=Count("steps", distinct=True),
            active_count=Count("memberships", filter=Q(memberships__status="active"), distinct=True),
            unsubscribed_count=Count("memberships", filter=Q(memberships__status="unsubscribed"), distinct=True),
        )
        .order_by("program__name", "name")
    )
    return render(
        request,
        "messaging/sequence_list.html",
        {"sequences": rows, "can_manage": access.can_manage(user)},
    )


def _step_drafts(formset: Any) -> list[services.StepDraft]:
    return [
        services.StepDraft(f.cleaned_data["days_after_start"], f.cleaned_data["subject"], f.cleaned_data["body"])
        for f in formset.forms
        if f.cleaned_data and not f.cleaned_data.get("DELETE")
    ]


@login_required
@require_http_methods(["GET", "POST"])
def sequence_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = current_user(request)
    require(access.can_manage(user))
    sequence = _sequence(request, pk) if pk is not None else None
    programs = _managed_programs(request)
    step_errors: list[str] = []
    if request.method == "POST":
        form = SequenceForm(request.POST, programs=programs)
        formset = StepFormSet(request.POST, prefix="steps")
        if form.is_valid() & formset.is_valid():
            try:
                saved = services.save_sequence(
                    user,
                    form.cleaned_data["program"],
                    name=form.cleaned_data["name"],
                    language=form.cleaned_data["language"],
                    functions=form.cleaned_data["functions"],
                    steps=_step_drafts(formset),
                    is_active=form.cleaned_data["is_active"],
                    sequence=sequence,
                )
            except ValidationError as error:
                step_errors = _apply_errors(error, form)
            else:
                return redirect("messaging:sequence", pk=saved.pk)
    elif sequence is not None:
        form = SequenceForm(
            programs=programs,
            initial={
                "program": sequence.program,
                "name": sequence.name,
                "language": sequence.language,
                "functions": [code for code, field in FUNCTION_FIELDS.items() if getattr(sequence, field)],
                "is_active": sequence.is_active,
            },
        )
        formset = StepFormSet(
            prefix="steps",
            initial=[
                {"days_after_start": s.days_after_start, "subject": s.subject, "body": s.body}
                for s in sequence.steps.all()
            ],
        )
    else:
        form = SequenceForm(programs=programs, initial={"program": request.GET.get("program"), "language": "en"})
        formset = StepFormSet(prefix="steps")
    return render(
        request,
        "messaging/sequence_form.html",
        {
            "form": form,
            "formset": formset,
            "step_errors": step_errors,
            "sequence": sequence,
            "default_form": DefaultForm(programs=programs) if sequence is None else None,
            "defaults": DEFAULTS,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def sequence_from_default(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    require(access.can_manage(user))
    form = DefaultForm(request.POST, programs=_managed_programs(request))
    if form.is_valid():
        try:
            sequence = services.create_default_sequence(
                user, form.cleaned_data["program"], form.cleaned_data["language"]
            )
        except ValidationError as error:
            _apply_errors(error, form)
        else:
            return redirect("messaging:sequence", pk=sequence.pk)
    return render(
        request,
        "messaging/sequence_form.html",
        {
            "form": SequenceForm(programs=_managed_programs(request), initial={"language": "en"}),
            "formset": StepFormSet(prefix="steps"),
            "step_errors": [],
            "sequence": None,
            "default_form": form,
            "defaults": DEFAULTS,
        },
        status=400,
    )


def _sends(sequence: EmailSequence) -> Any:
    """The outbox rows of this sequence's members (their keys start with seq:<membership>:)."""
    membership = SequenceMembership.objects.filter(sequence=sequence, participant=OuterRef("participant")).values("pk")
    prefix = Concat(Value("seq:"), Cast(Subquery(membership[:1]), CharField()), Value(":"), output_field=CharField())
    return OutboundMessage.objects.filter(
        purpose=Purpose.SEQUENCE, participant__in=sequence.memberships.values("participant")
    ).filter(idempotency_key__startswith=prefix)


def _member_choices(request: HttpRequest, sequence: EmailSequence) -> list[tuple[int, str]]:
    taken = sequence.memberships.values("participant")
    people = (
        access.participants_visible_to(current_user(request))
        .filter(enrollments__program=sequence.program, enrollments__status__in=OPEN_STATUSES)
        .exclude(pk__in=taken)
        .distinct()
        .order_by("preferred_name", "family_name")
    )
    choices = []
    for p in people:
        notes = [] if p.email else ["no email"]
        if not p.consent_contact:
            notes.append("no consent to contact")
        choices.append((p.pk, p.full_name + (f" ({', '.join(notes)})" if notes else "")))
    return choices


def _detail(request: HttpRequest, sequence: EmailSequence, add_form: AddMembersForm, status: int = 200) -> HttpResponse:
    user = current_user(request)
    members = list(sequence.memberships.select_related("participant").order_by("participant__preferred_name", "pk"))
    sends = _sends(sequence)
    counts = dict(sends.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    send_rows = [
        (label, counts.get(code, 0))
        for code, label in MessageStatus.choices
        if code in (MessageStatus.QUEUED, MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.FAILED)
        or counts.get(code)
    ]
    unsubscribed = [m for m in members if m.status == SequenceMembershipStatus.UNSUBSCRIBED]
    log_access(
        user,
        [m.participant_id for m in members] + add_form.participant_ids,
        AccessChannel.PAGE,
        request.path,
    )
    return render(
        request,
        "messaging/sequence_detail.html",
        {
            "sequence": sequence,
            "steps": sequence.steps.all(),
            "language_name": LANGUAGE_NAMES.get(sequence.language, sequence.language),
            "functions": [label for code, label in KeyFunction.choices if getattr(sequence, FUNCTION_FIELDS[code])],
            "members": members,
            "send_rows": send_rows,
            "recent_sends": sends.select_related("participant").order_by("-created_at")[:20],
            "unsubscribed": unsubscribed,
            "add_form": add_form,
            "can_manage": access.can_manage(user),
        },
        status=status,
    )


@login_required
def sequence_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    require(access.is_organization_wide(user))
    sequence = _sequence(request, pk)
    return _detail(request, sequence, AddMembersForm(choices=_member_choices(request, sequence)))


@login_required
@require_POST
def sequence_add_members(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    require(access.can_manage(user))
    sequence = _sequence(request, pk)
    form = AddMembersForm(request.POST, choices=_member_choices(request, sequence))
    if form.is_valid():
        try:
            services.add_members(user, sequence, [int(x) for x in form.cleaned_data["participants"]])
        except ValidationError as error:
            _apply_errors(error, form)
        else:
            return redirect("messaging:sequence", pk=sequence.pk)
    return _detail(request, sequence, form, status=400)


@login_required
@require_POST
def sequence_remove_member(request: HttpRequest, pk: int, membership_id: int) -> HttpResponse:
    user = current_user(request)
    require(access.can_manage(user))
    sequence = _sequence(request, pk)
    try:
        membership = sequence.memberships.get(pk=membership_id)
    except SequenceMembership.DoesNotExist as error:
        raise Http404("No such member.") from error
    services.remove_member(user, membership)
    return redirect("messaging:sequence", pk=sequence.pk)


@csrf_exempt  # the signed token is the authority; a mail client's RFC 8058 POST carries no CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a confirm button (link scanners that follow every link must not unsubscribe anyone);
    POST, from that button or from a mail client's List-Unsubscribe-Post one-click, unsubscribes."""
    try:
        membership = membership_for(token)
    except BadToken:
        return render(request, "messaging/unsubscribe_invalid.html", status=400)
    if request.method == "POST":
        services.unsubscribe(membership)
        return render(request, "messaging/unsubscribe_done.html", {"membership": membership})
    return render(request, "messaging/unsubscribe_confirm.html", {"membership": membership, "token": token})


urlpatterns: list[URLPattern] = [
    path("sequences/", sequence_list, name="sequences"),
    path("sequences/new/", sequence_edit, name="sequence_new"),
    path("sequences/ready-made/", sequence_from_default, name="sequence_from_default"),
    path("sequences/<int:pk>/", sequence_detail, name="sequence"),
    path("sequences/<int:pk>/edit/", sequence_edit, name="sequence_edit"),
    path("sequences/<int:pk>/members/add/", sequence_add_members, name="sequence_add_members"),
    path(
        "sequences/<int:pk>/members/<int:membership_id>/remove/", sequence_remove_member, name="sequence_remove_member"
    ),
    path("unsubscribe/<str:token>/", unsubscribe_view, name="unsubscribe"),
]
