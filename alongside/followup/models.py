"""Ongoing support (key function 4): cadences, follow-up rules, call guides, appointments, and the
follow-up state the engine keeps for every enrolment in active support."""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import models

from alongside.followup.cadence import Cadence, CadenceKind, Phase, Window
from alongside.taxonomy import KeyFunction


class CadencePolicy(models.Model):
    """How often a participant should be contacted. One per program; an enrolment may have its own,
    which then replaces the program's. The expanded windows are stored as rows so the engine can pick
    the current window in SQL."""

    program = models.OneToOneField(
        "programs.Program", null=True, blank=True, on_delete=models.CASCADE, related_name="cadence_policy"
    )
    enrollment = models.OneToOneField(
        "programs.Enrollment", null=True, blank=True, on_delete=models.CASCADE, related_name="cadence_override"
    )
    kind = models.CharField(max_length=20, choices=CadenceKind.choices)
    interval_days = models.PositiveSmallIntegerField(default=0)
    grace_days = models.PositiveSmallIntegerField(default=0)
    phases = models.JSONField(default=list, blank=True, help_text="[[every_days, until_day], ...]")
    preset = models.CharField(max_length=40, blank=True, help_text="The preset it was made from, if any.")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(program__isnull=False, enrollment__isnull=True)
                | models.Q(program__isnull=True, enrollment__isnull=False),
                name="cadence_policy_for_program_or_enrollment",
            )
        ]

    def __str__(self) -> str:
        return self.as_cadence().describe()

    def as_cadence(self) -> Cadence:
        return Cadence(
            kind=self.kind,
            interval_days=self.interval_days,
            grace_days=self.grace_days,
            phases=tuple(Phase(int(e), int(u)) for e, u in self.phases),
            windows=tuple(Window(w.start_day, w.end_day) for w in self.windows.all())
            if self.kind == CadenceKind.WINDOWS
            else (),
        )

    @property
    def windows_text(self) -> str:
        return ", ".join(str(w) for w in self.as_cadence().windows)

    @property
    def phases_text(self) -> str:
        return "\n".join(str(p) for p in self.as_cadence().phases)


class CadenceWindow(models.Model):
    """One window of a phases or windows policy, in days since the start of support."""

    policy = models.ForeignKey(CadencePolicy, on_delete=models.CASCADE, related_name="windows")
    start_day = models.PositiveSmallIntegerField()
    end_day = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["start_day"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "start_day"], name="one_window_per_start_day"),
            models.CheckConstraint(condition=models.Q(end_day__gte=models.F("start_day")), name="window_not_empty"),
        ]


DEFAULT_QUIET_START = time(21, 0)
DEFAULT_QUIET_END = time(8, 0)


class FollowUpRules(models.Model):
    """A program's retry, disengagement, function-gap and quiet-hours rules. Programs without a row use
    the defaults below (the engine's SQL uses the same defaults)."""

    program = models.OneToOneField("programs.Program", on_delete=models.CASCADE, related_name="follow_up_rules")
    retry_after_days = models.PositiveSmallIntegerField(default=1, help_text="Try again this many days later.")
    max_failed_attempts = models.PositiveSmallIntegerField(
        default=3, help_text="Flag to the coordinator after this many unanswered attempts ..."
    )
    failed_attempts_window_days = models.PositiveSmallIntegerField(default=14, help_text="... within this many days.")
    no_contact_days = models.PositiveSmallIntegerField(
        default=30, help_text="Flag participants not reached for this many days."
    )
    never_contacted_days = models.PositiveSmallIntegerField(
        default=14, help_text="Flag assigned pairs that have not made contact this many days after assignment."
    )
    gap_daily_management_days = models.PositiveSmallIntegerField(null=True, blank=True)
    gap_social_emotional_days = models.PositiveSmallIntegerField(null=True, blank=True)
    gap_linkage_days = models.PositiveSmallIntegerField(null=True, blank=True, default=90)
    gap_ongoing_days = models.PositiveSmallIntegerField(null=True, blank=True)
    quiet_start = models.TimeField(default=DEFAULT_QUIET_START, help_text="No calls from this time ...")
    quiet_end = models.TimeField(default=DEFAULT_QUIET_END, help_text="... until this time, participant's time.")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(null=True)

    def gap_days(self, function: str) -> int | None:
        value: int | None = getattr(self, f"gap_{function}_days")
        return value


GAP_FIELDS = {f.value: f"gap_{f.value}_days" for f in KeyFunction}


class CallGuide(models.Model):
    """What to say on a call, per program and language: an opening script and prompts to work through."""

    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="call_guides")
    language = models.CharField(max_length=10)
    script = models.TextField(help_text="Opening and closing, in the supporter's own words where possible.")
    prompts = models.TextField(blank=True, help_text="One prompt per line.")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["program", "language"]
        constraints = [models.UniqueConstraint(fields=["program", "language"], name="one_call_guide_per_language")]

    @property
    def prompt_lines(self) -> list[str]:
        return [line.strip() for line in self.prompts.splitlines() if line.strip()]


class AppointmentStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class CallAppointment(models.Model):
    """A call agreed with the participant for a given time."""

    enrollment = models.ForeignKey("programs.Enrollment", on_delete=models.CASCADE, related_name="call_appointments")
    supporter = models.ForeignKey(
        "people.Supporter", null=True, blank=True, on_delete=models.SET_NULL, related_name="call_appointments"
    )
    scheduled_for = models.DateTimeField()
    note = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=20, choices=AppointmentStatus.choices, default=AppointmentStatus.SCHEDULED)
    contact = models.OneToOneField(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="appointment"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["scheduled_for"]
        indexes = [models.Index(fields=["enrollment", "status", "scheduled_for"])]


class FollowUpState(models.Model):
    """What the engine knows about one enrolment in active support (enrolled or active, not paused).

    Every column is a function of the data (contacts, enrolment, assignments, cadence, rules,
    appointments), never of today's date, so recomputing is idempotent and the row changes only when
    the data does. Whether something is due *today* is worked out when the worklist is read.
    """

    enrollment = models.OneToOneField(
        "programs.Enrollment", primary_key=True, on_delete=models.CASCADE, related_name="follow_up"
    )
    participant = models.ForeignKey("people.Participant", on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    supporter = models.ForeignKey(
        "people.Supporter", null=True, on_delete=models.SET_NULL, related_name="follow_ups", db_index=False
    )
    assigned_at = models.DateTimeField(null=True)
    enrolled_on = models.DateField()
    window_start = models.DateField(null=True, help_text="Current due window; null when no cadence applies.")
    window_end = models.DateField(null=True)
    cadence_finished = models.BooleanField(default=False)
    last_reached_at = models.DateTimeField(null=True)
    last_reached_on = models.DateField(null=True)
    failed_attempts = models.PositiveIntegerField(default=0, help_text="Unanswered attempts since last reached.")
    last_failed_on = models.DateField(null=True)
    last_outcome = models.CharField(max_length=20, blank=True)
    retry_on = models.DateField(null=True)
    repeated_failures = models.BooleanField(default=False)
    promised_on = models.DateField(null=True, help_text="The supporter's own 'next contact due', if not yet kept.")
    appointment_at = models.DateTimeField(null=True, help_text="Next scheduled call appointment.")
    last_daily_management_on = models.DateField(null=True)
    last_social_emotional_on = models.DateField(null=True)
    last_linkage_on = models.DateField(null=True)
    last_ongoing_on = models.DateField(null=True)
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["supporter", "window_start"]),
            models.Index(fields=["program", "last_reached_on"]),
        ]


LAST_FUNCTION_FIELDS = {f.value: f"last_{f.value}_on" for f in KeyFunction}
