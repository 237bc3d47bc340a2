"""Supervisor home: concerns that have not reached a human yet, most severe first."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from alongside.accounts.models import Role
from alongside.people import access
from alongside.safety.queries import open_concerns_for
from alongside.safety.services import acknowledge_concern, raise_concern
from alongside.taxonomy import ConcernTier
from alongside.web.forms import ChipsSingle, add_service_errors
from alongside.web.guards import current_user

# Who may acknowledge: the humans a concern is meant to reach.
ACKNOWLEDGING_ROLES = (Role.SUPERVISOR, Role.COORDINATOR, Role.ADMIN, Role.PROFESSIONAL)


@login_required
def concerns(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if user.role in (Role.EVALUATOR, Role.PARTICIPANT):
        raise Http404("Not available to your role.")
    recent = (
        access.concerns_visible_to(user)
        .filter(acknowledged_at__isnull=False)
        .select_related("participant", "acknowledged_by", "raised_by")
        .order_by("-acknowledged_at")[:20]
    )
    return render(
        request,
        "safety/concerns.html",
        {
            "open": list(open_concerns_for(user)),
            "recent": recent,
            "can_acknowledge": user.role in ACKNOWLEDGING_ROLES or user.is_superuser,
        },
    )


@login_required
@require_POST
def acknowledge(request: HttpRequest, concern_id: int) -> HttpResponse:
    user = current_user(request)
    if user.role not in ACKNOWLEDGING_ROLES and not user.is_superuser:
        raise Http404("Not available to your role.")
    concern = access.concerns_visible_to(user).filter(pk=concern_id).first()
    if concern is None:
        raise Http404("No such concern.")
    problem = ""
    try:
        concern = acknowledge_concern(user, concern, request.POST.get("note", ""))
    except ValidationError as error:
        problem = " ".join(error.messages)
    if request.htmx:  # type: ignore[attr-defined]
        # The fragment shows who acknowledged it (the first acknowledgement, if someone was quicker).
        concern.refresh_from_db()
        return render(request, "safety/_acknowledged.html", {"concern": concern})
    if problem:
        messages.error(request, problem)
    else:
        messages.success(request, "Acknowledged.")
    return redirect("safety:concerns")


class RaiseConcernForm(forms.Form):
    tier = forms.ChoiceField(choices=ConcernTier.choices, widget=ChipsSingle)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="What worries you")


@login_required
def raise_for_participant(request: HttpRequest, participant_id: int) -> HttpResponse:
    user = current_user(request)
    if user.role in (Role.EVALUATOR, Role.PARTICIPANT):
        raise Http404("Not available to your role.")
    participant = access.access_participant(user, participant_id)
    form = RaiseConcernForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            raise_concern(user, participant, tier=form.cleaned_data["tier"], reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The concern was raised; supervisors see it now.")
            return redirect("people:participant", participant.pk)
    return render(request, "safety/raise.html", {"form": form, "participant": participant})
