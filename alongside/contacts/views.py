from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from alongside.accounts.models import User
from alongside.contacts.forms import ContactForm
from alongside.contacts.services import LOGGABLE_STATUSES, log_contact
from alongside.people import access
from alongside.web.forms import add_service_errors


@login_required
def log(request: HttpRequest, participant_id: int) -> HttpResponse:
    """The quick contact log, built for a supporter on a phone in the field."""
    user = request.user
    assert isinstance(user, User)
    participant = access.access_participant(user, participant_id)
    enrollments = (
        access.enrollments_visible_to(user)
        .filter(participant=participant, status__in=LOGGABLE_STATUSES)
        .select_related("program")
    )
    if not any(access.can_log_contact(user, e) for e in enrollments):
        raise Http404("You cannot log contacts for this participant.")
    form = ContactForm(request.POST or None, enrollments=enrollments)
    if request.method == "POST" and form.is_valid():
        enrollment = form.cleaned_data["enrollment"]
        try:
            log_contact(user, enrollment, form.contact_input())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Contact saved.")
            return redirect("people:participant", participant.pk)
    return render(request, "contacts/log.html", {"form": form, "participant": participant})
