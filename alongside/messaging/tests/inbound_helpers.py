"""Posting signed texts to the inbound webhook, as Twilio does."""

from __future__ import annotations

from itertools import count
from typing import Any

from django.test import Client
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

TOKEN = "test-auth-token"
URL = "http://testserver/messaging/inbound/"
OUR_NUMBER = "+12025550100"
_sids = count(1)


def post_text(
    client: Client, sender: str, body: str, sid: str | None = None, to: str = OUR_NUMBER, **extra: Any
) -> Any:
    form = {
        "From": sender,
        "To": to,
        "Body": body,
        "MessageSid": f"SM{next(_sids):032d}" if sid is None else sid,
        **extra,
    }
    signature = RequestValidator(TOKEN).compute_signature(URL, form)
    return client.post("/messaging/inbound/", form, HTTP_X_TWILIO_SIGNATURE=signature)
