"""One timeline per participant across every channel.

Each domain app registers a source: a function returning that app's events for one participant, newest
first, in a bounded number of queries (normally one). The participant page merges them. Later apps
(groups, messaging, referrals) add a source in their AppConfig.ready(); nothing here changes.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q

from alongside.accounts.models import User
from alongside.people.models import ConsentRecord, Participant


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime
    kind: str  # template suffix: people/timeline/<kind>.html
    obj: Any
    functions: list[str] = field(default_factory=list)


TimelineSource = Callable[[Participant, User, int], list[TimelineEvent]]
_sources: dict[str, TimelineSource] = {}


def register(name: str, source: TimelineSource) -> None:
    _sources[name] = source


def source_names() -> list[str]:
    return sorted(_sources)


def timeline_for(participant: Participant, viewer: User, limit: int = 100) -> list[TimelineEvent]:
    """The newest `limit` events from every source. Precondition: viewer may see the participant."""
    streams = [source(participant, viewer, limit) for source in _sources.values()]
    merged = heapq.merge(*streams, key=lambda event: event.at, reverse=True)
    return [event for _, event in zip(range(limit), merged, strict=False)]


def _consent_events(participant: Participant, viewer: User, limit: int) -> list[TimelineEvent]:
    # A "no" only withdraws consent that was given before; a first "no" (at intake) is "not given".
    granted_before = ConsentRecord.objects.filter(
        Q(recorded_at__lt=OuterRef("recorded_at")) | Q(recorded_at=OuterRef("recorded_at"), pk__lt=OuterRef("pk")),
        participant=OuterRef("participant"),
        kind=OuterRef("kind"),
        granted=True,
    )
    records = (
        ConsentRecord.objects.filter(participant=participant)
        .annotate(was_granted=Exists(granted_before))
        .select_related("recorded_by")[:limit]
    )
    return [TimelineEvent(at=r.recorded_at, kind="consent", obj=r) for r in records]


def register_builtin_sources() -> None:
    register("consents", _consent_events)
