"""Self-management (key function 1): action plans in the self-management style and the measurements
taken at group visits or contacts, with the safety thresholds that turn a value into a concern."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

# Below this confidence (0-10) the self-management programs ask the person to revise the plan until
# they are confident they can do it (domain-notes: "revise the plan when confidence < 7").
CONFIDENCE_TO_KEEP = 7


class ActionPlanStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    REVIEWED = "reviewed", "Reviewed"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ReviewOutcome(models.TextChoices):
    DONE = "done", "Done"
    PARTLY = "partly", "Partly done"
    NOT_DONE = "not_done", "Not done"


class ActionPlan(models.Model):
    """A short-term plan the participant sets for themself: what, how much, when, how often, and how
    confident they are (0-10). It is reviewed at the next session or contact."""

    participant = models.ForeignKey("people.Participant", on_delete=models.PROTECT, related_name="action_plans")
    enrollment = models.ForeignKey("programs.Enrollment", on_delete=models.PROTECT, related_name="action_plans")
    what = models.CharField(max_length=200, help_text="The action, e.g. 'walk'.")
    how_much = models.CharField(max_length=120, help_text="e.g. 'around the block', '20 minutes'.")
    when = models.CharField(max_length=120, help_text="e.g. 'after lunch'.")
    days_per_week = models.PositiveSmallIntegerField(help_text="How often: days a week, 1-7.")
    confidence = models.PositiveSmallIntegerField(help_text="0 (not at all) to 10 (totally confident).")
    low_confidence_kept = models.BooleanField(
        default=False, help_text="Kept as it is although confidence was below 7 (the person chose to)."
    )
    set_in_contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="action_plans_set"
    )
    set_in_session = models.ForeignKey(
        "groups.GroupSession", null=True, blank=True, on_delete=models.SET_NULL, related_name="action_plans_set"
    )
    revises = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="revised_by",
        help_text="The plan this one follows on from.",
    )
    status = models.CharField(max_length=20, choices=ActionPlanStatus.choices, default=ActionPlanStatus.ACTIVE)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    review_outcome = models.CharField(max_length=20, choices=ReviewOutcome.choices, blank=True)
    review_note = models.CharField(max_length=300, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_in_contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="action_plans_reviewed"
    )
    reviewed_in_session = models.ForeignKey(
        "groups.GroupSession", null=True, blank=True, on_delete=models.SET_NULL, related_name="action_plans_reviewed"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["participant", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(confidence__gte=0, confidence__lte=10), name="action_plan_confidence_0_to_10"
            ),
            models.CheckConstraint(
                condition=models.Q(days_per_week__gte=1, days_per_week__lte=7), name="action_plan_days_1_to_7"
            ),
            models.CheckConstraint(
                condition=models.Q(status=ActionPlanStatus.REVIEWED, reviewed_at__isnull=False)
                | ~models.Q(status=ActionPlanStatus.REVIEWED),
                name="reviewed_plan_has_review_time",
            ),
        ]

    def __str__(self) -> str:
        return self.summary

    @property
    def summary(self) -> str:
        days = "every day" if self.days_per_week == 7 else f"{self.days_per_week} days a week"
        return f"{self.what}, {self.how_much}, {self.when}, {days}"

    @property
    def needs_revision(self) -> bool:
        return self.confidence < CONFIDENCE_TO_KEEP


class MeasurementKind(models.TextChoices):
    BLOOD_PRESSURE = "blood_pressure", "Blood pressure"
    WEIGHT = "weight", "Weight"
    HBA1C = "hba1c", "HbA1c"
    GLUCOSE = "glucose", "Blood glucose"


class GlucoseContext(models.TextChoices):
    UNSPECIFIED = "", "Not stated"
    FASTING = "fasting", "Fasting"
    BEFORE_MEAL = "before_meal", "Before a meal"
    AFTER_MEAL = "after_meal", "After a meal"
    RANDOM = "random", "Random"


class Measurement(models.Model):
    """One reading, kept in the unit it was taken in and converted to the canonical unit (mmHg, kg, %,
    mg/dL) for thresholds and reports. Blood pressure is one reading of two values."""

    participant = models.ForeignKey("people.Participant", on_delete=models.PROTECT, related_name="measurements")
    enrollment = models.ForeignKey(
        "programs.Enrollment", null=True, blank=True, on_delete=models.PROTECT, related_name="measurements"
    )
    session = models.ForeignKey(
        "groups.GroupSession", null=True, blank=True, on_delete=models.PROTECT, related_name="measurements"
    )
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="measurements"
    )
    kind = models.CharField(max_length=20, choices=MeasurementKind.choices)
    value = models.DecimalField(max_digits=7, decimal_places=2, help_text="Systolic, for blood pressure.")
    value2 = models.DecimalField(
        max_digits=7, decimal_places=2, null=True, blank=True, help_text="Diastolic, for blood pressure."
    )
    unit = models.CharField(max_length=10)
    canonical_value = models.DecimalField(max_digits=7, decimal_places=2)
    glucose_context = models.CharField(max_length=20, choices=GlucoseContext.choices, blank=True)
    taken_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    concern = models.ForeignKey(
        "safety.Concern", null=True, blank=True, on_delete=models.SET_NULL, related_name="measurements"
    )

    class Meta:
        ordering = ["-taken_at", "-id"]
        indexes = [models.Index(fields=["participant", "kind", "-taken_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind=MeasurementKind.BLOOD_PRESSURE, value2__isnull=False)
                | (~models.Q(kind=MeasurementKind.BLOOD_PRESSURE) & models.Q(value2__isnull=True)),
                name="diastolic_only_for_blood_pressure",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.display_value}"

    @property
    def display_value(self) -> str:
        def plain(number: Decimal) -> str:
            return format(number.normalize(), "f")

        if self.kind == MeasurementKind.BLOOD_PRESSURE and self.value2 is not None:
            return f"{plain(self.value)}/{plain(self.value2)} {self.unit}"
        return f"{plain(self.value)} {self.unit}"


class MeasurementThresholds(models.Model):
    """A program's safety thresholds for readings. Defaults are the triggers in domain-notes.md:
    glucose < 70 mg/dL or > 300 mg/dL (urgent), < 54 or > 400 (emergency); blood pressure above 160/100
    on repeated readings (urgent; a single reading is routine), at or above 200/120 (emergency)."""

    program = models.OneToOneField("programs.Program", on_delete=models.CASCADE, related_name="thresholds")
    glucose_low_urgent = models.PositiveSmallIntegerField(default=70, help_text="mg/dL; urgent below this.")
    glucose_low_emergency = models.PositiveSmallIntegerField(default=54, help_text="mg/dL; emergency below this.")
    glucose_high_urgent = models.PositiveSmallIntegerField(default=300, help_text="mg/dL; urgent above this.")
    glucose_high_emergency = models.PositiveSmallIntegerField(default=400, help_text="mg/dL; emergency above this.")
    bp_high_systolic = models.PositiveSmallIntegerField(default=160, help_text="mmHg; above this is high.")
    bp_high_diastolic = models.PositiveSmallIntegerField(default=100, help_text="mmHg; above this is high.")
    bp_repeat_days = models.PositiveSmallIntegerField(
        default=30, help_text="A high reading is urgent when another high one was taken within these days."
    )
    bp_emergency_systolic = models.PositiveSmallIntegerField(default=200, help_text="mmHg; at or above: emergency.")
    bp_emergency_diastolic = models.PositiveSmallIntegerField(default=120, help_text="mmHg; at or above: emergency.")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "measurement thresholds"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(glucose_low_emergency__lt=models.F("glucose_low_urgent"))
                & models.Q(glucose_low_urgent__lt=models.F("glucose_high_urgent"))
                & models.Q(glucose_high_urgent__lt=models.F("glucose_high_emergency")),
                name="glucose_thresholds_in_order",
            ),
            models.CheckConstraint(
                condition=models.Q(bp_high_systolic__lt=models.F("bp_emergency_systolic"))
                & models.Q(bp_high_diastolic__lt=models.F("bp_emergency_diastolic")),
                name="bp_thresholds_in_order",
            ),
        ]
