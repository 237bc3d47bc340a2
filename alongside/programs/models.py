from __future__ import annotations

from django.conf import settings
from django.db import models

from alongside.accounts.models import Organization
from alongside.taxonomy import (
    ACTIVITY_BY_CODE,
    FUNCTION_FIELDS,
    LANGUAGE_NAMES,
    MODEL_DESCRIPTIONS,
    Condition,
    KeyFunction,
    PeerSupportModel,
)


class Program(models.Model):
    """A peer support program: which of the seven models it delivers, whom it serves, which activities
    under each of the four key functions it uses. Content varies by program; the functions do not."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="programs")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    conditions = models.JSONField(default=list, help_text="Condition codes the program serves.")
    languages = models.JSONField(default=list, help_text="ISO 639-1 language codes.")
    activities = models.JSONField(default=dict, help_text="Activity codes the program uses, keyed by key function.")
    clinical_leads = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="led_programs",
        help_text="Professionals (clinicians) attached to the program: group visit leads, escalation targets.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="unique_program_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def model_numbers(self) -> list[int]:
        # Uses the prefetch cache when the caller prefetched delivery_models.
        return sorted(m.model for m in self.delivery_models.all())

    @property
    def delivers_group_models(self) -> bool:
        """Group visits, workshops or support groups: the models run as group series."""
        group_models = {
            PeerSupportModel.GROUP_VISITS,
            PeerSupportModel.SELF_MANAGEMENT_WORKSHOPS,
            PeerSupportModel.SUPPORT_GROUPS,
        }
        return bool(group_models & set(self.model_numbers))

    @property
    def model_labels(self) -> list[str]:
        return [PeerSupportModel(n).label for n in self.model_numbers]

    @property
    def condition_labels(self) -> list[str]:
        labels = dict(Condition.choices)
        return [labels.get(code, code) for code in self.conditions]

    @property
    def language_names(self) -> list[str]:
        return [LANGUAGE_NAMES.get(code, code) for code in self.languages]

    def activities_for(self, function: str) -> list[str]:
        return list(self.activities.get(function, []))

    @property
    def functions_with_activities(self) -> list[tuple[str, str, list[str]]]:
        return [
            (
                f.value,
                f.label,
                [ACTIVITY_BY_CODE[c].label for c in self.activities_for(f.value) if c in ACTIVITY_BY_CODE],
            )
            for f in KeyFunction
        ]


class ProgramModel(models.Model):
    """One of the seven models a program delivers (a row per model keeps "programs of model N" a join)."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="delivery_models")
    model = models.PositiveSmallIntegerField(choices=PeerSupportModel.choices)

    class Meta:
        ordering = ["model"]
        constraints = [models.UniqueConstraint(fields=["program", "model"], name="unique_program_model")]

    @property
    def description(self) -> str:
        return MODEL_DESCRIPTIONS[self.model]


class EnrollmentStatus(models.TextChoices):
    REFERRED = "referred", "Referred"
    ENROLLED = "enrolled", "Enrolled"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    COMPLETED = "completed", "Completed"
    WITHDRAWN = "withdrawn", "Withdrawn"
    LOST_TO_FOLLOW_UP = "lost_to_follow_up", "Lost to follow-up"


S = EnrollmentStatus
# The lifecycle. Completed and withdrawn are final: coming back is a new enrolment, so the history of
# the first one stays intact. Lost to follow-up can be re-activated when the person is reached again.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.REFERRED: frozenset({S.ENROLLED, S.ACTIVE, S.WITHDRAWN}),
    S.ENROLLED: frozenset({S.ACTIVE, S.PAUSED, S.WITHDRAWN, S.LOST_TO_FOLLOW_UP}),
    S.ACTIVE: frozenset({S.PAUSED, S.COMPLETED, S.WITHDRAWN, S.LOST_TO_FOLLOW_UP}),
    S.PAUSED: frozenset({S.ACTIVE, S.COMPLETED, S.WITHDRAWN, S.LOST_TO_FOLLOW_UP}),
    S.LOST_TO_FOLLOW_UP: frozenset({S.ACTIVE, S.WITHDRAWN}),
    S.COMPLETED: frozenset(),
    S.WITHDRAWN: frozenset(),
}
OPEN_STATUSES = (S.REFERRED, S.ENROLLED, S.ACTIVE, S.PAUSED, S.LOST_TO_FOLLOW_UP)
# Statuses in which a supporter is expected to be in touch (the caseload).
CASELOAD_STATUSES = (S.ENROLLED, S.ACTIVE, S.PAUSED)


class Enrollment(models.Model):
    """A participant in a program, with its status lifecycle and assigned supporters."""

    participant = models.ForeignKey("people.Participant", on_delete=models.PROTECT, related_name="enrollments")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="enrollments")
    status = models.CharField(max_length=20, choices=EnrollmentStatus.choices, default=S.REFERRED)
    status_changed_at = models.DateTimeField()
    enrolled_on = models.DateField(help_text="Start of support; cadences count from here.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-enrolled_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "program"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="one_open_enrollment_per_program",
            )
        ]
        indexes = [models.Index(fields=["program", "status"])]

    def __str__(self) -> str:
        return f"{self.participant} in {self.program}"

    def allowed_next_statuses(self) -> list[str]:
        return [s for s in EnrollmentStatus.values if s in ALLOWED_TRANSITIONS[self.status]]

    def allowed_next_choices(self) -> list[tuple[str, str]]:
        return [(s, EnrollmentStatus(s).label) for s in self.allowed_next_statuses()]


class EnrollmentTransition(models.Model):
    """Each status change: from, to, who, when and why. The first row has from_status blank."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, choices=EnrollmentStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=EnrollmentStatus.choices)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]


class Assignment(models.Model):
    """A supporter assigned to an enrolment. Ending an assignment keeps the row (ended_at) for history."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="assignments")
    supporter = models.ForeignKey("people.Supporter", on_delete=models.PROTECT, related_name="assignments")
    is_primary = models.BooleanField(default=True)
    assigned_at = models.DateTimeField()
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-is_primary", "assigned_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "supporter"],
                condition=models.Q(ended_at__isnull=True),
                name="one_current_assignment_per_supporter",
            )
        ]
        indexes = [models.Index(fields=["supporter", "ended_at"])]


class FunctionFlags(models.Model):
    """The four key functions as boolean columns (see taxonomy.FUNCTION_FIELDS), for every record that
    delivers them (sessions, curriculum items, messages, templates, sequences)."""

    fn_daily_management = models.BooleanField(default=False)
    fn_social_emotional = models.BooleanField(default=False)
    fn_linkage = models.BooleanField(default=False)
    fn_ongoing = models.BooleanField(default=False)

    class Meta:
        abstract = True

    @property
    def functions(self) -> list[str]:
        return [code for code, field in FUNCTION_FIELDS.items() if getattr(self, field)]

    @property
    def function_labels(self) -> list[str]:
        return [KeyFunction(code).label for code in self.functions]

    def set_functions(self, functions: list[str]) -> None:
        for code, field in FUNCTION_FIELDS.items():
            setattr(self, field, code in functions)
