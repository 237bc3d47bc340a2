from __future__ import annotations

from django.conf import settings
from django.db import models

from alongside.taxonomy import ConcernTier


class Concern(models.Model):
    """A worry about a participant's safety or health, raised in any channel, that must reach a human.

    It stays open on the supervisors' home until someone acknowledges it (who and when are recorded).
    """

    participant = models.ForeignKey("people.Participant", on_delete=models.PROTECT, related_name="concerns")
    program = models.ForeignKey(
        "programs.Program", null=True, blank=True, on_delete=models.PROTECT, related_name="concerns"
    )
    contact = models.OneToOneField(
        "contacts.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="concern"
    )
    tier = models.CharField(max_length=20, choices=ConcernTier.choices)
    reason = models.TextField()
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField()
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledgement_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["acknowledged_at", "tier"])]

    def __str__(self) -> str:
        return f"{self.get_tier_display()} concern for {self.participant}"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None
