"""Two-way texting: the provider's inbound webhook, the supporter's inbox of texts, the coordinators' queue of
unknown numbers, and the Text <name> page.

The webhook trusts nothing but Twilio's signature (X-Twilio-Signature over the URL and the form, keyed by
TWILIO_AUTH_TOKEN): without a token configured every request is refused, so an unconfigured server cannot
be fed fake texts.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from alongside.accounts.models import Role, User
from alongside.audit.models import AccessChannel
from alongside.audit.services import log_access
from alongside.messaging import inbound
from alongside.messaging.direct import MAX_TEXT_LENGTH, may_text, send_direct_text, why_not_textable
from alongside.messaging.models import InboundMessage
from alongside.people.access import access_participant, participants_visible_to
from alongside.people.models import Participant
from alongside.people.phones import display_phone
from alongside.web.forms import add_service_errors
from alongside.web.guards import current_user, require

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _signature_ok(request: HttpRequest) -> bool:
    token: str = getattr(settings, "TWILIO_AUTH_TOKEN", "") or ""
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    return bool(RequestValidator(token).validate(request.build_absolute_uri(), request.POST.dict(), signature))


@csrf_exempt
@require_POST
def inbound_webhook(request: HttpRequest) -> HttpResponse:
    if not _signature_ok(request):
        return HttpResponseForbidden("Bad signature.")
    sender = request.POST.get("From", "").strip()
    sid = request.POST.get("MessageSid", "").strip()
    if not sender or not sid or len(sid) > 100 or len(sender) > 254:
        return HttpResponseBadRequest("From and MessageSid are required.")
    inbound.receive_text(
        inbound.InboundText(
            from_address=sender,
            to_address=request.POST.get("To", "").strip()[:254],
            body=request.POST.get("Body", ""),
            provider_message_id=sid,
            received_at=timezone.now(),
        )
    )
    # Replies (STOP/START/HELP) go through the outbox, not in this response.
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


# The supporter's inbox


def inbox_messages(user: User) -> QuerySet[InboundMessage]:
    """Texts from participants the user may see (a supporter: their assigned participants), keyword texts
    aside."""
    return (
        InboundMessage.objects.filter(participant__in=participants_visible_to(user))
        .exclude(keyword__in=[inbound.STOP, inbound.START, inbound.HELP])
        .select_related("participant", "concern", "handled_by")
    )


def unread_count(user: User) -> int:
    """The menu's count: a supporter's unread texts; for organization-wide roles the texts from unknown
    numbers waiting for them (their supporters' texts are the supporters' to read)."""
    if user.role == Role.SUPPORTER:
        return inbox_messages(user).filter(handled_at__isnull=True).count()
    if _may_see_queue(user):
        return InboundMessage.objects.filter(inbound.unknown_queue(user)).count()
    return 0


def may_use_inbox(user: User) -> bool:
    return user.is_superuser or user.role in (Role.SUPPORTER, Role.ADMIN, Role.COORDINATOR, Role.SUPERVISOR)


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    require(may_use_inbox(user))
    show_all = request.GET.get("show") == "all"
    rows = inbox_messages(user)
    if not show_all:
        rows = rows.filter(handled_at__isnull=True)
    page = list(rows.order_by("-received_at", "-id")[:100])
    log_access(user, sorted({m.participant_id for m in page if m.participant_id}), AccessChannel.PAGE, request.path)
    return render(
        request,
        "messaging/inbox.html",
        {
            "rows": page,
            "show_all": show_all,
            "unread": inbox_messages(user).filter(handled_at__isnull=True).count(),
            "can_queue": _may_see_queue(user),
            "queued": InboundMessage.objects.filter(inbound.unknown_queue(user)).count() if _may_see_queue(user) else 0,
        },
    )


@login_required
@require_POST
def mark_read(request: HttpRequest, message_id: int) -> HttpResponse:
    user = current_user(request)
    require(may_use_inbox(user))
    message = get_object_or_404(inbox_messages(user), pk=message_id)
    inbound.mark_read(user, message)
    return redirect(request.POST.get("next") or reverse("messaging:inbox"))


# The coordinators' queue of unknown numbers


def _may_see_queue(user: User) -> bool:
    return user.is_superuser or user.role in (Role.ADMIN, Role.COORDINATOR, Role.SUPERVISOR)


class AssignForm(forms.Form):
    participant: forms.ModelChoiceField[Participant] = forms.ModelChoiceField(
        queryset=Participant.objects.none(), label="Whose text is it?"
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["participant"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = participants_visible_to(user).order_by("preferred_name", "family_name", "id")


@login_required
def unknown(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    require(_may_see_queue(user))
    rows = list(InboundMessage.objects.filter(inbound.unknown_queue(user)).order_by("-received_at", "-id")[:100])
    for row in rows:
        row.from_display = display_phone(row.from_address)  # type: ignore[attr-defined]
    return render(request, "messaging/inbox_unknown.html", {"rows": rows, "form": AssignForm(user=user)})


def _queued(user: User, message_id: int) -> InboundMessage:
    return get_object_or_404(InboundMessage.objects.filter(inbound.unknown_queue(user)), pk=message_id)


@login_required
@require_POST
def assign(request: HttpRequest, message_id: int) -> HttpResponse:
    user = current_user(request)
    require(_may_see_queue(user))
    message = _queued(user, message_id)
    form = AssignForm(request.POST, user=user)
    if not form.is_valid():
        messages.error(request, "Choose a participant from the list.")
        return redirect("messaging:unknown")
    participant = form.cleaned_data["participant"]
    try:
        inbound.assign_to_participant(user, message, participant)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("messaging:unknown")
    log_access(user, [participant.pk], AccessChannel.PAGE, request.path)
    messages.success(request, f"The text is now on {participant.full_name}'s timeline.")
    return redirect("messaging:unknown")


@login_required
@require_POST
def dismiss(request: HttpRequest, message_id: int) -> HttpResponse:
    user = current_user(request)
    require(_may_see_queue(user))
    try:
        inbound.dismiss(user, _queued(user, message_id))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Dismissed.")
    return redirect("messaging:unknown")


# Text <name>


class ComposeForm(forms.Form):
    body = forms.CharField(
        label="Message",
        max_length=MAX_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MAX_TEXT_LENGTH}),
        help_text=f"Up to {MAX_TEXT_LENGTH} characters. Sent by text from the program's number, not yours.",
    )
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)


@login_required
def compose(request: HttpRequest, participant_id: int) -> HttpResponse:
    user = current_user(request)
    participant = access_participant(user, participant_id)
    require(may_text(user, participant))
    log_access(user, [participant.pk], AccessChannel.PAGE, request.path)
    if request.method == "POST":
        form = ComposeForm(request.POST)
        if form.is_valid():
            try:
                send_direct_text(user, participant, form.cleaned_data["body"], form.cleaned_data["key"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Text to {participant.preferred_name} queued.")
                return redirect("people:participant", participant.pk)
    else:
        form = ComposeForm(initial={"key": inbound.new_key()})
    return render(
        request,
        "messaging/compose.html",
        {
            "participant": participant,
            "form": form,
            "blocked": why_not_textable(participant),
            "phone": display_phone(participant.phone),
        },
    )


urlpatterns: list[URLPattern] = [
    path("inbound/", inbound_webhook, name="inbound"),
    path("inbox/", inbox, name="inbox"),
    path("inbox/<int:message_id>/read/", mark_read, name="mark_read"),
    path("unknown/", unknown, name="unknown"),
    path("unknown/<int:message_id>/assign/", assign, name="assign"),
    path("unknown/<int:message_id>/dismiss/", dismiss, name="dismiss"),
    path("text/<int:participant_id>/", compose, name="compose"),
]
