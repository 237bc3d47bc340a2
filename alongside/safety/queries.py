from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When

from alongside.accounts.models import Role, User
from alongside.people.access import concerns_visible_to
from alongside.people.models import Participant
from alongside.people.timeline import TimelineEvent
from alongside.safety.models import Concern
from alongside.taxonomy import CONCERN_TIER_RANK


def open_concerns_for(user: User) -> QuerySet[Concern]:
    """Open concerns the user may see, most severe first, then oldest first (longest waiting)."""
    rank = Case(*[When(tier=tier, then=Value(n)) for tier, n in CONCERN_TIER_RANK.items()], output_field=IntegerField())
    return (
        concerns_visible_to(user)
        .filter(acknowledged_at__isnull=True)
        .select_related("participant", "program", "raised_by")
        .annotate(tier_rank=rank)
        .order_by("tier_rank", "raised_at")
    )


def concern_events(participant: Participant, viewer: User, limit: int) -> list[TimelineEvent]:
    if viewer.role == Role.PARTICIPANT:
        return []  # concerns are staff's working notes about safety, not shown on the person's own view
    concerns = (
        concerns_visible_to(viewer)
        .filter(participant=participant)
        .select_related("raised_by", "acknowledged_by", "program")
        .order_by("-raised_at", "-id")[:limit]
    )
    return [TimelineEvent(at=c.raised_at, kind="concern", obj=c) for c in concerns]
