"""Group attendance on the participant's one timeline (registered in GroupsConfig.ready)."""

from __future__ import annotations

from alongside.accounts.models import User
from alongside.groups.models import Attendance, AttendanceStatus
from alongside.people import timeline
from alongside.people.access import enrollments_visible_to
from alongside.people.models import Participant
from alongside.people.timeline import TimelineEvent


def attendance_events(participant: Participant, viewer: User, limit: int) -> list[TimelineEvent]:
    """Each session marked for the participant, at the session's start. A session attended (present or
    made up) carries the functions the session served; an absence carries none."""
    rows = (
        Attendance.objects.filter(registration__participant=participant, enrollment__in=enrollments_visible_to(viewer))
        .select_related("session__series__program", "recorded_by")
        .order_by("-session__starts_at", "-id")[:limit]
    )
    return [
        TimelineEvent(
            at=a.session.starts_at,
            kind="attendance",
            obj=a,
            functions=a.session.functions if a.status in (AttendanceStatus.PRESENT, AttendanceStatus.MADE_UP) else [],
        )
        for a in rows
    ]


def register_sources() -> None:
    timeline.register("group_attendance", attendance_events)
