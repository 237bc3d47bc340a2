"""The access log: who looked at which participant's record, when, through which channel."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser

from alongside.accounts.models import User
from alongside.audit.models import AccessLogEntry


def log_access(user: User | AnonymousUser, participant_ids: Iterable[int], channel: str, path: str) -> None:
    """One row per participant, written in a single insert. Call after the access check succeeded."""
    if not isinstance(user, User):
        return
    AccessLogEntry.objects.bulk_create(
        [
            AccessLogEntry(user=user, participant_id=pid, channel=channel, path=path[:300])
            for pid in dict.fromkeys(participant_ids)
        ]
    )
