from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class Organization(models.Model):
    """A health organization running peer support programs. Every record belongs to exactly one."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    timezone = models.CharField(max_length=64, default="America/New_York")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", "Administrator"
    COORDINATOR = "coordinator", "Coordinator (program manager)"
    SUPERVISOR = "supervisor", "Supervisor"
    PROFESSIONAL = "professional", "Professional (clinician)"
    EVALUATOR = "evaluator", "Evaluator"
    SUPPORTER = "supporter", "Peer supporter"
    PARTICIPANT = "participant", "Participant"


STAFF_ROLES = (Role.ADMIN, Role.COORDINATOR, Role.SUPERVISOR, Role.PROFESSIONAL, Role.EVALUATOR)
# Roles that manage an organization's programs and people (create, enrol, assign).
MANAGING_ROLES = (Role.ADMIN, Role.COORDINATOR)


class User(AbstractUser):
    """A login. The role decides what the user sees (people/access.py); one role per login keeps the
    access rules auditable. A user who is both a supervisor and a supporter has two logins."""

    role = models.CharField(max_length=20, choices=Role.choices)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(organization__isnull=False) | models.Q(is_superuser=True),
                name="user_belongs_to_an_organization_unless_superuser",
            )
        ]

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    def has_role(self, *roles: str) -> bool:
        return self.is_authenticated and self.role in roles
