from __future__ import annotations

from django.conf import settings
from django.db import models


class AccessChannel(models.TextChoices):
    PAGE = "page", "Web page"
    API = "api", "API"
    EXPORT = "export", "Export"


class AccessLogEntry(models.Model):
    """Someone looked at a participant's record. Written for every page view and API read; never edited."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    participant = models.ForeignKey("people.Participant", on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=10, choices=AccessChannel.choices)
    path = models.CharField(max_length=300)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "access log entries"
        indexes = [models.Index(fields=["participant", "-at"])]
