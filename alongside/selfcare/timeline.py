"""Action plans and readings on the participant's one timeline (registered in SelfcareConfig.ready).

Three sources, one query each, scoped by the viewer through selfcare.access:

    action plan set        at created_at, with the confidence
    action plan reviewed   at reviewed_at, with the outcome
    reading recorded       at taken_at, with the value, the unit and the tier of any concern it raised
                           (the person's own view leaves the concern out: concerns are staff's notes)

Plans serve the daily-management function and carry it as a badge; they do not count as deliveries by
themselves (the contact or session they were made in does), so nothing is registered in
programs.deliveries.
"""

from __future__ import annotations

from alongside.accounts.models import Role, User
from alongside.people import timeline
from alongside.people.models import Participant
from alongside.people.timeline import TimelineEvent
from alongside.selfcare.access import measurements_visible_to, plans_visible_to
from alongside.selfcare.models import ActionPlanStatus
from alongside.taxonomy import KeyFunction

DAILY_MANAGEMENT = [KeyFunction.DAILY_MANAGEMENT.value]
PLAN_RELATED = ("enrollment__program", "created_by", "set_in_session__series", "set_in_contact")


def plan_set_events(participant: Participant, viewer: User, limit: int) -> list[TimelineEvent]:
    plans = (
        plans_visible_to(viewer)
        .filter(participant=participant)
        .select_related(*PLAN_RELATED)
        .order_by("-created_at", "-id")[:limit]
    )
    return [TimelineEvent(at=p.created_at, kind="action_plan_set", obj=p, functions=DAILY_MANAGEMENT) for p in plans]


def plan_review_events(participant: Participant, viewer: User, limit: int) -> list[TimelineEvent]:
    plans = (
        plans_visible_to(viewer)
        .filter(participant=participant, status=ActionPlanStatus.REVIEWED)
        .select_related(*PLAN_RELATED, "reviewed_by", "reviewed_in_session__series", "reviewed_in_contact")
        .order_by("-reviewed_at", "-id")[:limit]
    )
    return [
        TimelineEvent(at=p.reviewed_at, kind="action_plan_reviewed", obj=p, functions=DAILY_MANAGEMENT)
        for p in plans
        if p.reviewed_at is not None
    ]


def measurement_events(participant: Participant, viewer: User, limit: int) -> list[TimelineEvent]:
    own_view = viewer.role == Role.PARTICIPANT
    rows = (
        measurements_visible_to(viewer)
        .filter(participant=participant)
        .select_related("enrollment__program", "session__series", "contact", "recorded_by", "concern")
        .order_by("-taken_at", "-id")[:limit]
    )
    kind = "measurement_for_participant" if own_view else "measurement"
    return [TimelineEvent(at=m.taken_at, kind=kind, obj=m) for m in rows]


def register_sources() -> None:
    timeline.register("action_plans_set", plan_set_events)
    timeline.register("action_plans_reviewed", plan_review_events)
    timeline.register("measurements", measurement_events)
