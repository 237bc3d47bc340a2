from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models

from alongside.taxonomy import ACTIVITY_BY_CODE, FUNCTION_FIELDS, Initiation, KeyFunction, Modality, Outcome

MAX_DURATION_MINUTES = 8 * 60


class Contact(models.Model):
    """One touchpoint between a supporter and a participant, in the context of an enrolment.

    The four key functions are four boolean columns so that coverage is one aggregate query; the finer
    activities are codes from taxonomy.ACTIVITIES. Only reached contacts deliver functions.
    """

    participant = models.ForeignKey("people.Participant", on_delete=models.PROTECT, related_name="contacts")
    # Indexed by the covering index below (its first column), not by a second index of its own.
    enrollment = models.ForeignKey(
        "programs.Enrollment", on_delete=models.PROTECT, related_name="contacts", db_index=False
    )
    supporter = models.ForeignKey(
        "people.Supporter", null=True, blank=True, on_delete=models.PROTECT, related_name="contacts"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    occurred_at = models.DateTimeField()
    occurred_on = models.DateField(help_text="The day of the contact on the participant's own calendar.")
    modality = models.CharField(max_length=30, choices=Modality.choices, default=Modality.PHONE_CALL)
    initiated_by = models.CharField(max_length=20, choices=Initiation.choices, default=Initiation.PROACTIVE)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.REACHED)
    duration_minutes = models.PositiveSmallIntegerField(default=0)
    fn_daily_management = models.BooleanField(default=False)
    fn_social_emotional = models.BooleanField(default=False)
    fn_linkage = models.BooleanField(default=False)
    fn_ongoing = models.BooleanField(default=False)
    activities = models.JSONField(default=list, blank=True)
    topics = models.CharField(max_length=300, blank=True)
    note = models.TextField(blank=True)
    next_contact_due = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["participant", "-occurred_at"]),
            # Covering (PostgreSQL): the follow-up engine reads a range of enrolments' contacts from the
            # index alone, instead of visiting every table page that holds one of them.
            models.Index(
                fields=["enrollment", "-occurred_at"],
                include=[
                    "outcome",
                    "occurred_on",
                    "next_contact_due",
                    "fn_daily_management",
                    "fn_social_emotional",
                    "fn_linkage",
                    "fn_ongoing",
                ],
                name="contact_enrollment_covering",
            ),
            models.Index(fields=["supporter", "-occurred_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__lte=MAX_DURATION_MINUTES), name="contact_duration_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_modality_display()} with {self.participant} on {self.occurred_at:%Y-%m-%d}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if getattr(self, "occurred_on", None) is None:  # unset until the first save
            self.occurred_on = self.local_day()
        super().save(*args, **kwargs)

    def local_day(self) -> date:
        """occurred_at as a day in the participant's time zone (cadences count these days)."""
        return self.occurred_at.astimezone(ZoneInfo(self.participant.zone)).date()

    @property
    def functions(self) -> list[str]:
        return [code for code, field in FUNCTION_FIELDS.items() if getattr(self, field)]

    @property
    def function_labels(self) -> list[str]:
        return [KeyFunction(code).label for code in self.functions]

    @property
    def activity_labels(self) -> list[str]:
        return [ACTIVITY_BY_CODE[c].label for c in self.activities if c in ACTIVITY_BY_CODE]

    @property
    def was_reached(self) -> bool:
        return self.outcome == Outcome.REACHED
