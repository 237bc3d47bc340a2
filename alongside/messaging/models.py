"""Messaging (model 7 and every model's reminders): templates, the outbox, inbound texts, delivery events
and email programs.

The outbox is the only way a message leaves: a row is written (with an idempotency key, so the same
reminder is never queued twice) in the transaction that decides to send it; dispatch workers claim rows
with a lease and hand each to the provider with the same key, so a worker killed mid-send neither loses
the message (the lease expires and another worker takes it) nor sends it twice (the provider, or the
provider adapter, refuses a key it has seen).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from alongside.programs.models import FunctionFlags


class Channel(models.TextChoices):
    SMS = "sms", "Text message (SMS)"
    EMAIL = "email", "Email"


class Purpose(models.TextChoices):
    SESSION_REMINDER = "session_reminder", "Group session reminder"
    CALL_REMINDER = "call_reminder", "Scheduled call reminder"
    FOLLOW_UP_REMINDER = "follow_up_reminder", "Promised follow-up reminder"
    REFERRAL_REMINDER = "referral_reminder", "Pending referral reminder"
    CHECK_IN = "check_in", "Self-monitoring check-in"
    DIRECT = "direct", "Message from a supporter"
    SEQUENCE = "sequence", "Email program"
    KEYWORD_REPLY = "keyword_reply", "Reply to STOP / START / HELP"


class MessageTemplate(FunctionFlags):
    """Text for one purpose, language and channel; per program, or organization-wide when program is
    blank. Variables are {{ name }} placeholders from a fixed list per purpose (messaging.templates)."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(
        "programs.Program", null=True, blank=True, on_delete=models.CASCADE, related_name="message_templates"
    )
    purpose = models.CharField(max_length=30, choices=Purpose.choices)
    language = models.CharField(max_length=10)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    subject = models.CharField(max_length=200, blank=True, help_text="Email only.")
    body = models.TextField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["purpose", "language", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "program", "purpose", "language", "channel"],
                name="one_template_per_purpose_language_channel",
                nulls_distinct=False,
            )
        ]


class MessageStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    UNDELIVERED = "undelivered", "Not delivered"
    FAILED = "failed", "Failed"
    SUPPRESSED = "suppressed", "Not sent (no consent, opted out or over the daily cap)"
    CANCELLED = "cancelled", "Cancelled"


class OutboundMessage(FunctionFlags):
    organization = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="+")
    participant = models.ForeignKey("people.Participant", on_delete=models.PROTECT, related_name="outbound_messages")
    enrollment = models.ForeignKey(
        "programs.Enrollment", null=True, blank=True, on_delete=models.PROTECT, related_name="outbound_messages"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    to_address = models.CharField(max_length=254, help_text="E.164 number or email address.")
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    purpose = models.CharField(max_length=30, choices=Purpose.choices)
    template = models.ForeignKey(MessageTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Unique: the same reminder (e.g. "session 12, participant 7, 24 h before") can only be queued once.
    idempotency_key = models.CharField(max_length=200, unique=True)
    status = models.CharField(max_length=20, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    status_reason = models.CharField(max_length=300, blank=True)
    send_after = models.DateTimeField(help_text="Not before this instant (quiet hours move it).")
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claim_token = models.CharField(max_length=64, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    provider = models.CharField(max_length=40, blank=True)
    provider_message_id = models.CharField(max_length=100, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_on = models.DateField(null=True, blank=True, help_text="Participant-local day it was sent (daily cap).")
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["participant", "sent_on"]),
            models.Index(fields=["provider_message_id"]),
        ]


class DeliveryEvent(models.Model):
    """A provider's status callback (or our own dispatch outcome) for one message."""

    message = models.ForeignKey(OutboundMessage, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=20, choices=MessageStatus.choices)
    at = models.DateTimeField()
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]


class InboundMessage(models.Model):
    """A text received on the webhook. Matched to a participant by phone; unknown numbers wait in the
    coordinators' queue."""

    organization = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.SMS)
    from_address = models.CharField(max_length=254)
    to_address = models.CharField(max_length=254, blank=True)
    body = models.TextField(blank=True)
    provider_message_id = models.CharField(max_length=100, unique=True)
    received_at = models.DateTimeField()
    participant = models.ForeignKey(
        "people.Participant", null=True, blank=True, on_delete=models.PROTECT, related_name="inbound_messages"
    )
    contact = models.OneToOneField(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_message"
    )
    keyword = models.CharField(max_length=10, blank=True, help_text="stop, start or help when it was one.")
    red_flag = models.CharField(max_length=200, blank=True, help_text="The red-flag words found, if any.")
    concern = models.ForeignKey(
        "safety.Concern", null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_messages"
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["participant", "-received_at"]), models.Index(fields=["handled_at"])]


class MessagingSettings(models.Model):
    """Per program: reminder timing and the daily cap."""

    program = models.OneToOneField("programs.Program", on_delete=models.CASCADE, related_name="messaging_settings")
    session_reminder_hours = models.PositiveSmallIntegerField(default=24)
    call_reminder_hours = models.PositiveSmallIntegerField(default=2)
    daily_cap = models.PositiveSmallIntegerField(default=3, help_text="Messages a participant gets a day, at most.")
    check_in_weekday = models.PositiveSmallIntegerField(null=True, blank=True, help_text="0 Monday ... 6 Sunday.")


class EmailSequence(FunctionFlags):
    """An email program: e.g. a weekly tip for 12 weeks."""

    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="email_sequences")
    name = models.CharField(max_length=200)
    language = models.CharField(max_length=10, default="en")
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["program", "name"], name="unique_sequence_name")]


class EmailSequenceStep(models.Model):
    sequence = models.ForeignKey(EmailSequence, on_delete=models.CASCADE, related_name="steps")
    number = models.PositiveSmallIntegerField()
    days_after_start = models.PositiveSmallIntegerField()
    subject = models.CharField(max_length=200)
    body = models.TextField()

    class Meta:
        ordering = ["sequence", "number"]
        constraints = [models.UniqueConstraint(fields=["sequence", "number"], name="unique_sequence_step")]


class SequenceMembershipStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    FINISHED = "finished", "Finished"
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed"


class SequenceMembership(models.Model):
    sequence = models.ForeignKey(EmailSequence, on_delete=models.CASCADE, related_name="memberships")
    participant = models.ForeignKey("people.Participant", on_delete=models.CASCADE, related_name="+")
    enrollment = models.ForeignKey("programs.Enrollment", on_delete=models.CASCADE, related_name="+")
    started_on = models.DateField()
    status = models.CharField(
        max_length=20, choices=SequenceMembershipStatus.choices, default=SequenceMembershipStatus.ACTIVE
    )
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sequence", "participant"], name="one_membership_per_sequence")]


class FakeProviderRecord(models.Model):
    """What the `fake` provider (tests, benchmarks) has sent: one row per idempotency key, in the database so
    every worker process sees the same record. Never used by the real providers."""

    idempotency_key = models.CharField(max_length=200, unique=True)
    provider_message_id = models.CharField(max_length=100)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    to_address = models.CharField(max_length=254)
    body = models.TextField()
    sent_at = models.DateTimeField()
    worker = models.CharField(max_length=200, blank=True)
    # How many times a send with this key was asked for (the first one included): above 1 means a retry
    # that the provider refused to repeat.
    requests = models.PositiveIntegerField(default=1)
