"""Delivery status callbacks from Twilio: POST /messaging/status/ (the URL given as status_callback when a
text is sent, MESSAGING_STATUS_CALLBACK_URL).

The request must carry a valid X-Twilio-Signature (HMAC of the URL and form fields with our auth token):
anything else is refused with 403 and changes nothing. Malformed callbacks get 400.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from alongside.messaging.models import DeliveryEvent, MessageStatus, OutboundMessage

# Twilio's final statuses and ours; the others (queued, sending, sent, accepted, read ...) are kept as events.
FINAL = {
    "delivered": MessageStatus.DELIVERED,
    "undelivered": MessageStatus.UNDELIVERED,
    "failed": MessageStatus.FAILED,
}
KNOWN = {"accepted", "scheduled", "queued", "sending", "sent", "read", "canceled", "receiving", "received", *FINAL}


def signature_is_valid(request: HttpRequest) -> bool:
    token = settings.TWILIO_AUTH_TOKEN
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    url = settings.MESSAGING_STATUS_CALLBACK_URL or request.build_absolute_uri()
    validator = RequestValidator(token)
    return bool(validator.validate(url, request.POST.dict(), signature))


@csrf_exempt
@require_POST
def status_callback(request: HttpRequest) -> HttpResponse:
    if not signature_is_valid(request):
        return HttpResponseForbidden("Invalid signature.")
    sid = request.POST.get("MessageSid", "").strip()
    status = request.POST.get("MessageStatus", "").strip().lower()
    if not sid or len(sid) > 100 or status not in KNOWN:
        return HttpResponseBadRequest("MessageSid and a known MessageStatus are required.")
    detail = {"provider_status": status, "error_code": request.POST.get("ErrorCode", "")[:20]}
    now = timezone.now()
    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update().filter(provider_message_id=sid).first()
        if message is None:
            return HttpResponse(status=204)  # not ours (or already purged): nothing to do
        ours = FINAL.get(status)
        if ours is not None:
            message.status = ours
            if ours == MessageStatus.DELIVERED:
                message.delivered_at = now
            else:
                message.last_error = f"Provider reported {status} (error {detail['error_code'] or 'none'})."[:500]
            message.save(update_fields=["status", "delivered_at", "last_error"])
        DeliveryEvent.objects.create(message=message, status=ours or message.status, at=now, detail=detail)
    return HttpResponse(status=204)


urlpatterns: list[URLPattern] = [path("status/", status_callback, name="status_callback")]
