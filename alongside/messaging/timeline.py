"""Messages on the participant timeline: texts and emails sent (the outbox) and texts received.

Two sources, one query each. The viewer may see the participant (timeline_for's precondition); a supporter
sees the messages of the enrolments they work on plus those tied to no enrolment (keyword replies, texts
before any enrolment), the participant sees their own without the staff-only status details. A received
text that became a contact appears once, as the contact.
"""

from __future__ import annotations

from django.db.models import Q

from alongside.accounts.models import Role, User
from alongside.messaging.models import InboundMessage, MessageStatus, OutboundMessage
from alongside.people import timeline
from alongside.people.access import enrollments_visible_to
from alongside.people.models import Participant
from alongside.people.timeline import TimelineEvent
from alongside.taxonomy import FUNCTION_FIELDS

SHOWN_STATUSES = (
    MessageStatus.QUEUED,
    MessageStatus.SENDING,
    MessageStatus.SENT,
    MessageStatus.DELIVERED,
    MessageStatus.UNDELIVERED,
    MessageStatus.FAILED,
    MessageStatus.SUPPRESSED,
)


def _scope(participant: Participant, viewer: User) -> Q:
    return Q(enrollment__isnull=True) | Q(enrollment__in=enrollments_visible_to(viewer).filter(participant=participant))


def outbound_events(participant: Participant, viewer: User, limit: int) -> list[TimelineEvent]:
    # A participant sees what reached them, not what was held back or failed.
    statuses = (MessageStatus.SENT, MessageStatus.DELIVERED) if viewer.role == Role.PARTICIPANT else SHOWN_STATUSES
    rows = (
        OutboundMessage.objects.filter(_scope(participant, viewer), participant=participant, status__in=statuses)
        .select_related("created_by")
        .order_by("-created_at", "-id")[:limit]
    )
    kind = "message_out_for_participant" if viewer.role == Role.PARTICIPANT else "message_out"
    return [
        TimelineEvent(
            at=m.sent_at or m.created_at,
            kind=kind,
            obj=m,
            functions=[code for code, field in FUNCTION_FIELDS.items() if getattr(m, field)],
        )
        for m in rows
    ]


def inbound_events(participant: Participant, viewer: User, limit: int) -> list[TimelineEvent]:
    # A text that became a contact is on the timeline as that contact (the contacts source), not twice.
    rows = (
        InboundMessage.objects.filter(participant=participant, contact__isnull=True)
        .select_related("concern")
        .order_by("-received_at", "-id")[:limit]
    )
    return [TimelineEvent(at=m.received_at, kind="message_in", obj=m) for m in rows]


def register_sources() -> None:
    timeline.register("outbound_messages", outbound_events)
    timeline.register("inbound_messages", inbound_events)
