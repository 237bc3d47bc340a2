from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models

from alongside.accounts.models import Organization
from alongside.taxonomy import LANGUAGE_NAMES, Condition


class Gender(models.TextChoices):
    WOMAN = "woman", "Woman"
    MAN = "man", "Man"
    NON_BINARY = "non_binary", "Non-binary"
    SELF_DESCRIBED = "self_described", "Prefers to self-describe"
    UNDISCLOSED = "undisclosed", "Prefers not to say"


class BestTime(models.TextChoices):
    MORNING = "morning", "Weekday mornings"
    AFTERNOON = "afternoon", "Weekday afternoons"
    EVENING = "evening", "Weekday evenings"
    WEEKEND = "weekend", "Weekends"


class ConsentKind(models.TextChoices):
    CONTACT = "contact", "Consent to be contacted"
    TEXTS = "texts", "Consent to text messages"
    DATA_SHARING = "data_sharing", "Consent to share data with clinicians and partners"


class ConsentMethod(models.TextChoices):
    VERBAL = "verbal", "Verbal"
    WRITTEN = "written", "Written (signed form)"
    ELECTRONIC = "electronic", "Electronic"


class Participant(models.Model):
    """A person living with a chronic condition who receives peer support."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="participants")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="participant",
        help_text="Login of the participant themself, if they use the platform.",
    )
    preferred_name = models.CharField(max_length=120)
    family_name = models.CharField(max_length=120, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    gender = models.CharField(max_length=20, choices=Gender.choices, default=Gender.UNDISCLOSED)
    preferred_language = models.CharField(max_length=10, default="en")
    conditions = models.JSONField(default=list, blank=True, help_text="Codes from taxonomy.Condition.")
    phone = models.CharField(max_length=20, blank=True, help_text="E.164, e.g. +15551234567.")
    email = models.EmailField(blank=True)
    locality = models.CharField(max_length=120, blank=True, help_text="Neighbourhood, town or postal code.")
    # The locality's coordinates (not the home address): distance search in the resource directory.
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    timezone = models.CharField(max_length=64, blank=True, help_text="IANA zone; blank means the organization's.")
    best_times = models.JSONField(default=list, blank=True)
    best_times_note = models.CharField(max_length=200, blank=True)
    # Current consent, mirrored from the latest ConsentRecord of each kind by people.services.record_consent.
    consent_contact = models.BooleanField(default=False)
    consent_texts = models.BooleanField(default=False)
    consent_data_sharing = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["preferred_name", "family_name", "id"]
        indexes = [models.Index(fields=["organization", "preferred_name"])]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.preferred_name} {self.family_name}".strip()

    @property
    def zone(self) -> str:
        """The participant's IANA time zone, falling back to their organization's."""
        return self.timezone or self.organization.timezone

    @property
    def language_name(self) -> str:
        return LANGUAGE_NAMES.get(self.preferred_language, self.preferred_language)

    @property
    def condition_labels(self) -> list[str]:
        labels = dict(Condition.choices)
        return [labels.get(code, code) for code in self.conditions]

    @property
    def best_time_labels(self) -> list[str]:
        labels = dict(BestTime.choices)
        return [labels.get(code, code) for code in self.best_times]

    def age_on(self, day: date) -> int | None:
        if self.date_of_birth is None:
            return None
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class ConsentRecord(models.Model):
    """One consent decision, kept forever: the history answers "who recorded it and when"."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="consent_records")
    kind = models.CharField(max_length=20, choices=ConsentKind.choices)
    granted = models.BooleanField()
    method = models.CharField(max_length=20, choices=ConsentMethod.choices, default=ConsentMethod.VERBAL)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["participant", "kind", "-recorded_at"])]


class SupporterKind(models.TextChoices):
    PEER_COACH = "peer_coach", "Peer coach / mentor"
    PEER_LEADER = "peer_leader", "Peer leader"
    COMMUNITY_HEALTH_WORKER = "community_health_worker", "Community health worker / promotora"
    GROUP_FACILITATOR = "group_facilitator", "Group facilitator"
    ONLINE_MODERATOR = "online_moderator", "Online moderator"


class TrainingStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_TRAINING = "in_training", "In training"
    TRAINED = "trained", "Trained"
    CERTIFIED = "certified", "Certified"
    LAPSED = "lapsed", "Lapsed (re-training due)"


# Caseload defaults per kind, from published programs (domain-notes: CHWs 10-30, peer coaches 3-10).
DEFAULT_MAX_CASELOAD: dict[str, int] = {
    SupporterKind.PEER_COACH: 8,
    SupporterKind.PEER_LEADER: 16,
    SupporterKind.COMMUNITY_HEALTH_WORKER: 25,
    SupporterKind.GROUP_FACILITATOR: 16,
    SupporterKind.ONLINE_MODERATOR: 50,
}


class Supporter(models.Model):
    """A peer supporter: the person behind a supporter login, with what matching needs to know."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="supporters")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supporter")
    kind = models.CharField(max_length=30, choices=SupporterKind.choices)
    lived_experience = models.JSONField(default=list, blank=True, help_text="Condition codes lived with.")
    languages = models.JSONField(default=list)
    culture_community = models.CharField(max_length=200, blank=True)
    training_status = models.CharField(
        max_length=20, choices=TrainingStatus.choices, default=TrainingStatus.NOT_STARTED
    )
    training_hours = models.PositiveSmallIntegerField(default=0)
    max_caseload = models.PositiveSmallIntegerField(default=10)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supervised_supporters",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__first_name", "user__last_name", "id"]

    def __str__(self) -> str:
        return self.user.display_name

    @property
    def training_tier(self) -> str:
        """Published tiers: short <= 12 h, medium 13-30 h, long > 30 h."""
        if self.training_hours == 0:
            return "none"
        if self.training_hours <= 12:
            return "short"
        return "medium" if self.training_hours <= 30 else "long"

    @property
    def language_names(self) -> list[str]:
        return [LANGUAGE_NAMES.get(code, code) for code in self.languages]
