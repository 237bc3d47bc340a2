"""Linkage to clinical care and community resources (key function 3): a resource directory shaped after
Open Referral HSDS 3.0, closed-loop referrals, and the directory look-ups supporters share.

Directory records keep their HSDS id (`hsds_id`, unique within the tenant organization), so importing the
same HSDS data again updates the rows instead of adding new ones, and an export can be re-imported.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models

# A directory entry not verified for this many days is "stale" on the coordinators' curation page.
DEFAULT_STALE_AFTER_DAYS = 180


def new_hsds_id() -> str:
    return str(uuid.uuid4())


class DirectoryRecord(models.Model):
    """Fields every HSDS record carries here: the tenant and the HSDS id."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    hsds_id = models.CharField(max_length=64, default=new_hsds_id)

    class Meta:
        abstract = True


class TaxonomyTerm(DirectoryRecord):
    """A category from a taxonomy (e.g. "Food", "Mental health", "Transportation"); hierarchical."""

    code = models.CharField(max_length=100)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    taxonomy = models.CharField(max_length=100, blank=True, help_text="Name of the taxonomy the term is from.")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")
    language = models.CharField(max_length=10, blank=True)
    term_uri = models.URLField(max_length=500, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "hsds_id"], name="unique_taxonomy_term_hsds_id"),
        ]

    def __str__(self) -> str:
        return self.name


class ResourceOrganization(DirectoryRecord):
    """An HSDS organization: the body that provides services (a clinic, a food bank, a YMCA)."""

    name = models.CharField(max_length=300)
    alternate_name = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    email = models.EmailField(blank=True)
    website = models.URLField(max_length=500, blank=True)
    tax_status = models.CharField(max_length=100, blank=True)
    year_incorporated = models.PositiveSmallIntegerField(null=True, blank=True)
    legal_status = models.CharField(max_length=100, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "hsds_id"], name="unique_resource_org_hsds_id"),
        ]

    def __str__(self) -> str:
        return self.name


class ServiceStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
    DEFUNCT = "defunct", "Defunct"
    TEMPORARILY_CLOSED = "temporarily closed", "Temporarily closed"


class Service(DirectoryRecord):
    """An HSDS service: what someone can get (counselling, a food pantry, diabetes education)."""

    resource_organization = models.ForeignKey(
        ResourceOrganization, null=True, blank=True, on_delete=models.SET_NULL, related_name="services"
    )
    name = models.CharField(max_length=300)
    alternate_name = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    url = models.URLField(max_length=500, blank=True)
    email = models.EmailField(blank=True)
    status = models.CharField(max_length=30, choices=ServiceStatus.choices, default=ServiceStatus.ACTIVE)
    interpretation_services = models.TextField(blank=True)
    application_process = models.TextField(blank=True)
    fees_description = models.TextField(blank=True)
    eligibility_description = models.TextField(blank=True)
    minimum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    maximum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    alert = models.TextField(blank=True)
    # ISO 639-1 codes of the languages the service is offered in (HSDS language records, kept as rows in
    # ServiceLanguage for export; this list is what search filters on).
    languages = models.JSONField(default=list, blank=True)
    categories = models.ManyToManyField(TaxonomyTerm, blank=True, related_name="services")
    is_clinical = models.BooleanField(
        default=False, help_text="Clinical care (a clinic, a clinician): referrals to it are clinical referrals."
    )
    # Curation: HSDS calls verification "assured_date" / "assurer_email".
    verified_on = models.DateField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assurer_email = models.EmailField(blank=True)
    last_modified = models.DateTimeField(null=True, blank=True, help_text="As stated by the HSDS source.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "hsds_id"], name="unique_service_hsds_id"),
            models.CheckConstraint(
                condition=models.Q(minimum_age__isnull=True)
                | models.Q(maximum_age__isnull=True)
                | models.Q(minimum_age__lte=models.F("maximum_age")),
                name="service_age_range_in_order",
            ),
        ]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self) -> str:
        return self.name

    def is_stale(self, today: date, after_days: int = DEFAULT_STALE_AFTER_DAYS) -> bool:
        return self.verified_on is None or (today - self.verified_on).days > after_days


class ServiceLanguage(DirectoryRecord):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="language_records")
    name = models.CharField(max_length=100, blank=True)
    code = models.CharField(max_length=10)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "hsds_id"], name="unique_language_hsds_id")]


class Location(DirectoryRecord):
    """An HSDS location: where services are delivered. Coordinates drive distance search."""

    resource_organization = models.ForeignKey(
        ResourceOrganization, null=True, blank=True, on_delete=models.SET_NULL, related_name="locations"
    )
    location_type = models.CharField(max_length=20, default="physical", help_text="physical, postal or virtual")
    name = models.CharField(max_length=300, blank=True)
    alternate_name = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    transportation = models.TextField(blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    address_1 = models.CharField(max_length=300, blank=True)
    address_2 = models.CharField(max_length=300, blank=True)
    city = models.CharField(max_length=120, blank=True)
    region = models.CharField(max_length=120, blank=True)
    state_province = models.CharField(max_length=120, blank=True)
    postal_code = models.CharField(max_length=30, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2.")
    timezone = models.CharField(max_length=64, blank=True, help_text="IANA zone; blank means the organization's.")

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "hsds_id"], name="unique_location_hsds_id"),
            models.CheckConstraint(
                condition=(models.Q(latitude__isnull=True) & models.Q(longitude__isnull=True))
                | (models.Q(latitude__gte=-90, latitude__lte=90) & models.Q(longitude__gte=-180, longitude__lte=180)),
                name="location_coordinates_possible",
            ),
        ]
        indexes = [models.Index(fields=["organization", "latitude", "longitude"])]

    def __str__(self) -> str:
        return self.name or self.address_1 or self.hsds_id

    @property
    def address(self) -> str:
        parts = [self.address_1, self.address_2, self.city, self.state_province, self.postal_code]
        return ", ".join(p for p in parts if p)


class ServiceAtLocation(DirectoryRecord):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="service_at_locations")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="service_at_locations")
    description = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "hsds_id"], name="unique_service_at_location_hsds_id"),
            models.UniqueConstraint(fields=["service", "location"], name="one_service_at_location"),
        ]


class Phone(DirectoryRecord):
    """A phone number of a service, location or organization, normalised to E.164 when it parses."""

    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.CASCADE, related_name="phones")
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.CASCADE, related_name="phones")
    resource_organization = models.ForeignKey(
        ResourceOrganization, null=True, blank=True, on_delete=models.CASCADE, related_name="phones"
    )
    number = models.CharField(max_length=30)
    extension = models.CharField(max_length=20, blank=True)
    type = models.CharField(max_length=20, blank=True, help_text="voice, fax, text, cell, video, pager, textphone")
    description = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "hsds_id"], name="unique_phone_hsds_id")]


class Schedule(DirectoryRecord):
    """Opening hours in HSDS's iCalendar-like form: a weekly rule with days and opening times."""

    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.CASCADE, related_name="schedules")
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.CASCADE, related_name="schedules")
    freq = models.CharField(max_length=10, blank=True, help_text="WEEKLY or MONTHLY")
    byday = models.CharField(max_length=40, blank=True, help_text="e.g. MO,TU,WE,TH,FR")
    opens_at = models.TimeField(null=True, blank=True)
    closes_at = models.TimeField(null=True, blank=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    description = models.TextField(blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "hsds_id"], name="unique_schedule_hsds_id")]

    @property
    def weekdays(self) -> list[str]:
        return [d.strip()[-2:] for d in self.byday.split(",") if d.strip()]


# --- referrals ----------------------------------------------------------------------------------------


class ReferralKind(models.TextChoices):
    CLINICAL = "clinical", "Clinical care"
    COMMUNITY = "community", "Community resource"


class ReferralUrgency(models.TextChoices):
    ROUTINE = "routine", "Routine"
    SOON = "soon", "Soon (within a week)"
    URGENT = "urgent", "Urgent (within 1-2 days)"


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    SCHEDULED = "scheduled", "Appointment scheduled"
    COMPLETED = "completed", "Completed"
    NO_SHOW = "no_show", "No-show"
    CANCELLED = "cancelled", "Cancelled"


R = ReferralStatus
# The closed loop. Declined, completed and cancelled end it; a no-show can be booked again.
REFERRAL_TRANSITIONS: dict[str, frozenset[str]] = {
    R.DRAFT: frozenset({R.SENT, R.CANCELLED}),
    R.SENT: frozenset({R.ACCEPTED, R.DECLINED, R.CANCELLED}),
    R.ACCEPTED: frozenset({R.SCHEDULED, R.COMPLETED, R.CANCELLED}),
    R.SCHEDULED: frozenset({R.COMPLETED, R.NO_SHOW, R.CANCELLED}),
    R.NO_SHOW: frozenset({R.SCHEDULED, R.CANCELLED}),
    R.DECLINED: frozenset(),
    R.COMPLETED: frozenset(),
    R.CANCELLED: frozenset(),
}
OPEN_REFERRAL_STATUSES = (R.DRAFT, R.SENT, R.ACCEPTED, R.SCHEDULED, R.NO_SHOW)


class SharedItem(models.TextChoices):
    """What the participant agreed to share with the receiver."""

    NAME_AND_CONTACT = "name_and_contact", "Name and contact details"
    DATE_OF_BIRTH = "date_of_birth", "Date of birth"
    CONDITIONS = "conditions", "Conditions"
    REASON = "reason", "Reason for the referral"
    READINGS = "readings", "Recent readings (blood pressure, glucose, HbA1c, weight)"
    ACTION_PLAN = "action_plan", "Current action plan"
    LANGUAGE = "language", "Preferred language"


class Referral(models.Model):
    """A referral to clinical care (a professional or a clinic) or to a community service, followed until
    the loop closes. Every status change is an event with who and when."""

    participant = models.ForeignKey("people.Participant", on_delete=models.PROTECT, related_name="referrals")
    enrollment = models.ForeignKey("programs.Enrollment", on_delete=models.PROTECT, related_name="referrals")
    kind = models.CharField(max_length=20, choices=ReferralKind.choices)
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals")
    to_professional = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals_received"
    )
    to_name = models.CharField(max_length=300, blank=True, help_text="Receiver outside the directory, by name.")
    reason = models.TextField()
    urgency = models.CharField(max_length=20, choices=ReferralUrgency.choices, default=ReferralUrgency.ROUTINE)
    consent_to_share = models.BooleanField(help_text="The participant agreed to share what is listed.")
    shared_items = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=20, choices=ReferralStatus.choices, default=R.DRAFT)
    status_changed_at = models.DateTimeField()
    appointment_at = models.DateTimeField(null=True, blank=True)
    from_contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="referrals"
    )
    is_incoming = models.BooleanField(default=False, help_text="Received from outside (e.g. a FHIR ServiceRequest).")
    external_id = models.CharField(max_length=200, blank=True, help_text="The sender's id (FHIR ServiceRequest).")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    created_on = models.DateField(help_text="The day it was made, on the participant's calendar.")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["enrollment", "status"]),
            models.Index(fields=["to_professional", "status"]),
            models.Index(fields=["status", "status_changed_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_incoming=True) | models.Q(consent_to_share=True),
                name="outgoing_referral_needs_consent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} referral for {self.participant}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if getattr(self, "created_on", None) is None:
            self.created_on = self.created_at.astimezone(ZoneInfo(self.participant.zone)).date()
        super().save(*args, **kwargs)

    @property
    def receiver(self) -> str:
        if self.service is not None:
            return self.service.name
        if self.to_professional is not None:
            return self.to_professional.display_name
        return self.to_name

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REFERRAL_STATUSES

    def allowed_next_statuses(self) -> list[str]:
        return [s for s in ReferralStatus.values if s in REFERRAL_TRANSITIONS[self.status]]


class ReferralEvent(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=ReferralStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=ReferralStatus.choices)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["changed_at", "id"]


class ReferralSettings(models.Model):
    """Per program: after how many days without progress an open referral goes on the supporter's list."""

    program = models.OneToOneField("programs.Program", on_delete=models.CASCADE, related_name="referral_settings")
    stall_after_days = models.PositiveSmallIntegerField(default=14)
    urgent_stall_after_days = models.PositiveSmallIntegerField(default=2)

    class Meta:
        verbose_name_plural = "referral settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stall_after_days__gte=1, urgent_stall_after_days__gte=1),
                name="referral_stall_days_positive",
            )
        ]


class DirectoryLookup(models.Model):
    """A supporter looked up a service for a participant and shared it: counts as linkage delivered."""

    participant = models.ForeignKey("people.Participant", on_delete=models.PROTECT, related_name="lookups")
    enrollment = models.ForeignKey("programs.Enrollment", on_delete=models.PROTECT, related_name="lookups")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="lookups")
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    shared_at = models.DateTimeField()
    shared_on = models.DateField()
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-shared_at", "-id"]
        indexes = [models.Index(fields=["enrollment", "-shared_at"])]
