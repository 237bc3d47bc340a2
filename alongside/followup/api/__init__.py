"""JSON endpoints for ongoing support, one module per feature; each exports register(router)."""

from __future__ import annotations

from rest_framework.routers import DefaultRouter

from alongside.followup.api import disengagement, policies, worklist


def register(router: DefaultRouter) -> None:
    worklist.register(router)
    policies.register(router)
    disengagement.register(router)
