"""Signed one-click unsubscribe links for email programs.

The token is the membership id signed with the project's SECRET_KEY and a salt of its own (so a token
signed for anything else in the project is not accepted here), with a timestamp: links older than
UNSUBSCRIBE_TOKEN_MAX_AGE are refused. The token itself is the authority: whoever holds the link may
unsubscribe that one membership and nothing else, without a login (a mail client's RFC 8058 one-click POST
has no session).
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from alongside.messaging.models import SequenceMembership

SALT = "alongside.messaging.unsubscribe"
# Long enough for a year-long program's first email to still work at its end.
UNSUBSCRIBE_TOKEN_MAX_AGE = timedelta(days=400)


class BadToken(Exception):
    """The token was tampered with, has expired or names no membership."""


def make_token(membership: SequenceMembership | int) -> str:
    pk = membership if isinstance(membership, int) else membership.pk
    return signing.dumps(pk, salt=SALT, compress=False)


def membership_for(token: str, max_age: timedelta = UNSUBSCRIBE_TOKEN_MAX_AGE) -> SequenceMembership:
    """The membership the token was signed for. Raises BadToken (never anything else) when it is not valid."""
    try:
        pk = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.BadSignature as error:  # SignatureExpired is a BadSignature too
        raise BadToken(str(error)) from error
    if not isinstance(pk, int):
        raise BadToken("Malformed token.")
    try:
        return SequenceMembership.objects.select_related("sequence", "participant").get(pk=pk)
    except SequenceMembership.DoesNotExist as error:
        raise BadToken("No such membership.") from error


def base_url() -> str:
    """Where this deployment is reached from outside (emails need absolute links). ALONGSIDE_BASE_URL is
    optional: development falls back to localhost."""
    return str(settings.ALONGSIDE_BASE_URL).rstrip("/")


def unsubscribe_path(membership: SequenceMembership | int) -> str:
    return reverse("messaging:unsubscribe", args=[make_token(membership)])


def unsubscribe_url(membership: SequenceMembership | int) -> str:
    return base_url() + unsubscribe_path(membership)


_SEQUENCE_KEY = re.compile(r"^seq:(\d+):\d+$")


def list_unsubscribe_headers(idempotency_key: str) -> dict[str, str]:
    """The RFC 2369 / RFC 8058 headers for an email program's message, from its outbox key
    (`seq:<membership>:<step>`); empty for any other message. An email provider adds them to the email so
    mail clients offer their own one-click unsubscribe, which POSTs to the same signed URL."""
    match = _SEQUENCE_KEY.match(idempotency_key)
    if match is None:
        return {}
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(int(match.group(1)))}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
