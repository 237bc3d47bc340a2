"""Referrals and shared resources on the participant's one timeline (registered in LinkageConfig.ready).

One source, one query, scoped by the viewer through linkage.referral_access: every step of every referral
the viewer may see (made, sent, accepted, booked, completed, ...), each at the moment it happened, with the
linkage function badge. A participant sees their own referrals without the team's notes on each step.
"""

from __future__ import annotations

from alongside.accounts.models import User
from alongside.linkage.models import DirectoryLookup, ReferralEvent
from alongside.linkage.referral_access import referrals_visible_to, sees_team_notes
from alongside.people import timeline
from alongside.people.access import enrollments_visible_to
from alongside.people.models import Participant
from alongside.people.timeline import TimelineEvent
from alongside.taxonomy import KeyFunction

LINKAGE = [KeyFunction.LINKAGE.value]


def referral_events(participant: Participant, viewer: User, limit: int) -> list[TimelineEvent]:
    rows = (
        ReferralEvent.objects.filter(
            referral__participant=participant, referral__in=referrals_visible_to(viewer).filter(participant=participant)
        )
        .select_related("referral__service", "referral__to_professional", "referral__enrollment__program", "changed_by")
        .order_by("-changed_at", "-id")[:limit]
    )
    kind = "referral" if sees_team_notes(viewer) else "referral_for_participant"
    return [TimelineEvent(at=e.changed_at, kind=kind, obj=e, functions=LINKAGE) for e in rows]


def lookup_events(participant: Participant, viewer: User, limit: int) -> list[TimelineEvent]:
    """Resources shared with the participant (directory look-ups), on the enrolments the viewer may see."""
    rows = (
        DirectoryLookup.objects.filter(
            participant=participant, enrollment__in=enrollments_visible_to(viewer).filter(participant=participant)
        )
        .select_related("service__resource_organization", "shared_by", "enrollment__program")
        .order_by("-shared_at", "-id")[:limit]
    )
    return [TimelineEvent(at=row.shared_at, kind="lookup", obj=row, functions=LINKAGE) for row in rows]


def register_sources() -> None:
    timeline.register("referrals", referral_events)
    timeline.register("directory_lookups", lookup_events)
