"""The group-based models (1 group visits, 2 peer-led self-management workshops, 5 support groups):
series with their facilitators and sessions, the curriculum they follow, registrations with a waiting
list, attendance, and the completion rule each series is judged by.

Sessions are concrete rows generated once from the recurrence rule, so moving or cancelling one session
never touches the others, and attendance always points at the session that was actually held.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models

from alongside.programs.models import FunctionFlags
from alongside.taxonomy import ACTIVITY_BY_CODE, PeerSupportModel


class GroupKind(models.TextChoices):
    GROUP_VISIT = "group_visit", "Group visit"
    WORKSHOP = "workshop", "Self-management workshop"
    SUPPORT_GROUP = "support_group", "Support group"


# Which of the seven models each kind of series delivers: a program must deliver it to run the series.
MODEL_OF_KIND: dict[str, int] = {
    GroupKind.GROUP_VISIT: PeerSupportModel.GROUP_VISITS,
    GroupKind.WORKSHOP: PeerSupportModel.SELF_MANAGEMENT_WORKSHOPS,
    GroupKind.SUPPORT_GROUP: PeerSupportModel.SUPPORT_GROUPS,
}

# Completion: attended at least `min` of every `of` sessions planned (domain-notes: a workshop completer
# attends >= 4 of 6). A fraction rather than a count, so a series that gains or loses a session keeps a
# fair bar. Programs change these per kind; each series keeps its own copy.
DEFAULT_COMPLETION: dict[str, tuple[int, int]] = {
    GroupKind.WORKSHOP: (4, 6),
    GroupKind.SUPPORT_GROUP: (1, 2),
    GroupKind.GROUP_VISIT: (1, 2),
}

# Defaults for a new series of each kind (domain-notes: workshops 2.5 h for 10-16 people, group visits
# 8-14 people for up to 2.5 h, support groups monthly).
DEFAULT_DURATION_MINUTES: dict[str, int] = {
    GroupKind.WORKSHOP: 150,
    GroupKind.GROUP_VISIT: 120,
    GroupKind.SUPPORT_GROUP: 90,
}
DEFAULT_CAPACITY: dict[str, int] = {GroupKind.WORKSHOP: 16, GroupKind.GROUP_VISIT: 14, GroupKind.SUPPORT_GROUP: 20}


class CompletionRule(models.Model):
    """A program's completion rule for one kind of series; new series copy it."""

    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="completion_rules")
    kind = models.CharField(max_length=20, choices=GroupKind.choices)
    min_attended = models.PositiveSmallIntegerField()
    of_sessions = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["program", "kind"], name="one_completion_rule_per_kind"),
            models.CheckConstraint(
                condition=models.Q(of_sessions__gte=1, min_attended__gte=1, min_attended__lte=models.F("of_sessions")),
                name="completion_rule_is_a_fraction",
            ),
        ]

    def __str__(self) -> str:
        return f"attended at least {self.min_attended} of {self.of_sessions} sessions"


class CurriculumTemplate(models.Model):
    """A program's session plan for one kind of series: topics and the functions each session serves.
    A new series copies it; the copy is then edited per series without changing the template."""

    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="curricula")
    kind = models.CharField(max_length=20, choices=GroupKind.choices)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["program", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["program", "name"], name="unique_curriculum_name")]

    def __str__(self) -> str:
        return self.name


class CurriculumItem(FunctionFlags):
    template = models.ForeignKey(CurriculumTemplate, on_delete=models.CASCADE, related_name="items")
    number = models.PositiveSmallIntegerField()
    topic = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    activities = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["template", "number"]
        constraints = [models.UniqueConstraint(fields=["template", "number"], name="unique_curriculum_item_number")]

    def __str__(self) -> str:
        return f"{self.number}. {self.topic}"


class GroupSeries(models.Model):
    """A run of group sessions in a program: a 6-week workshop, a year of monthly support group meetings,
    a series of group visits."""

    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="group_series")
    kind = models.CharField(max_length=20, choices=GroupKind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    language = models.CharField(max_length=10, default="en")
    venue = models.CharField(max_length=300, blank=True, help_text="Where it meets, for face-to-face sessions.")
    online_url = models.URLField(blank=True, help_text="Video link, for online sessions.")
    capacity = models.PositiveSmallIntegerField()
    timezone = models.CharField(max_length=64, help_text="IANA zone the sessions' clock times are in.")
    duration_minutes = models.PositiveSmallIntegerField()
    recurrence = models.TextField(
        blank=True, help_text="The RFC 5545 rule the sessions were generated from; blank for custom dates."
    )
    curriculum = models.ForeignKey(
        CurriculumTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="series"
    )
    completion_min_attended = models.PositiveSmallIntegerField()
    completion_of_sessions = models.PositiveSmallIntegerField()
    is_cancelled = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["program", "title", "id"]
        verbose_name_plural = "group series"
        constraints = [
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="series_capacity_positive"),
            models.CheckConstraint(
                condition=models.Q(
                    completion_of_sessions__gte=1,
                    completion_min_attended__gte=1,
                    completion_min_attended__lte=models.F("completion_of_sessions"),
                ),
                name="series_completion_is_a_fraction",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def completion_rule_text(self) -> str:
        return f"attended at least {self.completion_min_attended} of every {self.completion_of_sessions} sessions"

    def is_completer(self, attended: int, planned: int) -> bool:
        """The completion rule's arithmetic, in integers: attended / planned >= min / of."""
        return planned > 0 and attended * self.completion_of_sessions >= self.completion_min_attended * planned


class FacilitatorRole(models.TextChoices):
    PEER_LEADER = "peer_leader", "Peer leader"
    CO_LEADER = "co_leader", "Co-leader"
    PROFESSIONAL = "professional", "Professional (clinician)"


class Facilitator(models.Model):
    series = models.ForeignKey(GroupSeries, on_delete=models.CASCADE, related_name="facilitators")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="facilitations")
    role = models.CharField(max_length=20, choices=FacilitatorRole.choices)

    class Meta:
        ordering = ["series", "role", "id"]
        constraints = [models.UniqueConstraint(fields=["series", "user"], name="one_role_per_facilitator")]

    def __str__(self) -> str:
        return f"{self.user.display_name} ({self.get_role_display()})"


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    CANCELLED = "cancelled", "Cancelled"


class GroupSession(FunctionFlags):
    series = models.ForeignKey(GroupSeries, on_delete=models.CASCADE, related_name="sessions")
    number = models.PositiveSmallIntegerField(help_text="Its place in the curriculum; kept when it moves.")
    starts_at = models.DateTimeField()
    starts_on = models.DateField(help_text="The day it starts, on the series' own calendar.")
    duration_minutes = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=20, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED)
    cancel_reason = models.CharField(max_length=300, blank=True)
    original_starts_at = models.DateTimeField(null=True, blank=True, help_text="Set once the session is moved.")
    is_added = models.BooleanField(default=False, help_text="Added by hand, not from the recurrence rule.")
    topic = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    activities = models.JSONField(default=list, blank=True)
    # RFC 5545 SEQUENCE: calendar clients replace their copy when it grows (moved, cancelled, renamed).
    sequence = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["series", "starts_at"]), models.Index(fields=["starts_on"])]
        constraints = [
            models.UniqueConstraint(fields=["series", "number"], name="unique_session_number"),
            models.CheckConstraint(condition=models.Q(duration_minutes__gte=1), name="session_has_a_duration"),
        ]

    def __str__(self) -> str:
        return f"{self.series}: session {self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.starts_on = self.starts_at.astimezone(ZoneInfo(self.series.timezone)).date()
        super().save(*args, **kwargs)

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED

    @property
    def was_moved(self) -> bool:
        return self.original_starts_at is not None and self.original_starts_at != self.starts_at

    def local_start(self) -> datetime:
        return self.starts_at.astimezone(ZoneInfo(self.series.timezone))

    @property
    def activity_labels(self) -> list[str]:
        return [ACTIVITY_BY_CODE[c].label for c in self.activities if c in ACTIVITY_BY_CODE]


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", "Registered"
    WAITLISTED = "waitlisted", "On the waiting list"
    DROPPED = "dropped", "Dropped out"


class Registration(models.Model):
    """A participant's place in a series (or on its waiting list). One row per participant and series:
    dropping out keeps the row, so attendance already taken stays attached and counts in the figures."""

    series = models.ForeignKey(GroupSeries, on_delete=models.CASCADE, related_name="registrations")
    participant = models.ForeignKey("people.Participant", on_delete=models.PROTECT, related_name="registrations")
    enrollment = models.ForeignKey("programs.Enrollment", on_delete=models.PROTECT, related_name="registrations")
    status = models.CharField(max_length=20, choices=RegistrationStatus.choices)
    # The waiting list is first come, first served: ordered by the time the person joined it.
    joined_at = models.DateTimeField()
    promoted_at = models.DateTimeField(null=True, blank=True)
    dropped_at = models.DateTimeField(null=True, blank=True)
    drop_reason = models.CharField(max_length=300, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["series", "joined_at", "id"]
        constraints = [models.UniqueConstraint(fields=["series", "participant"], name="one_registration_per_series")]
        indexes = [models.Index(fields=["series", "status", "joined_at"])]

    def __str__(self) -> str:
        return f"{self.participant} in {self.series} ({self.get_status_display()})"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", "Present"
    ABSENT = "absent", "Absent"
    EXCUSED = "excused", "Excused"
    MADE_UP = "made_up", "Made up"


# Statuses that count as having attended the session (for completion, coverage and the timeline).
ATTENDED_STATUSES = (AttendanceStatus.PRESENT, AttendanceStatus.MADE_UP)


class Attendance(models.Model):
    """Whether a registered participant attended one session. A make-up (the content covered with the
    participant at another time) counts as attended; a late arrival is present, with the minutes late."""

    session = models.ForeignKey(GroupSession, on_delete=models.CASCADE, related_name="attendance")
    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="attendance")
    # Copied from the registration so the follow-up engine and coverage read attendance by enrolment.
    enrollment = models.ForeignKey(
        "programs.Enrollment", on_delete=models.PROTECT, related_name="attendance", db_index=False
    )
    status = models.CharField(max_length=20, choices=AttendanceStatus.choices)
    minutes_late = models.PositiveSmallIntegerField(default=0)
    made_up_on = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["session", "registration"]
        constraints = [
            models.UniqueConstraint(fields=["session", "registration"], name="one_attendance_per_session"),
            models.CheckConstraint(
                condition=models.Q(status=AttendanceStatus.MADE_UP) | models.Q(made_up_on__isnull=True),
                name="made_up_on_only_for_make_ups",
            ),
            models.CheckConstraint(
                condition=models.Q(status=AttendanceStatus.PRESENT) | models.Q(minutes_late=0),
                name="late_only_when_present",
            ),
        ]
        indexes = [models.Index(fields=["enrollment", "status"])]

    def __str__(self) -> str:
        return f"{self.registration.participant}: {self.get_status_display()} at {self.session}"

    @property
    def attended(self) -> bool:
        return self.status in ATTENDED_STATUSES

    @property
    def arrived_late(self) -> bool:
        return self.minutes_late > 0


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A user's private calendar address. Anyone holding the URL can read the feed, so it can be
    revoked: revoking stamps revoked_at and a new token is issued on the next request."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds")
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(revoked_at__isnull=True), name="one_live_calendar_feed_per_user"
            )
        ]
