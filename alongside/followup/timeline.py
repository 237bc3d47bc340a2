"""Call appointments on the participant's one timeline (registered in FollowupConfig.ready)."""

from __future__ import annotations

from alongside.accounts.models import User
from alongside.followup.models import CallAppointment
from alongside.people.access import enrollments_visible_to
from alongside.people.models import Participant
from alongside.people.timeline import TimelineEvent


def appointment_events(participant: Participant, viewer: User, limit: int) -> list[TimelineEvent]:
    """Each booking, at the time it was made (the timeline is history; the booked time is in the text)."""
    appointments = (
        CallAppointment.objects.filter(
            enrollment__in=enrollments_visible_to(viewer), enrollment__participant=participant
        )
        .select_related("enrollment__program", "supporter__user", "created_by")
        .order_by("-created_at", "-id")[:limit]
    )
    return [TimelineEvent(at=a.created_at, kind="appointment", obj=a) for a in appointments]
