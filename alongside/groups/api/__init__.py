"""JSON endpoints for group series, one module per feature; each exports register(router)."""

from __future__ import annotations

from rest_framework.routers import DefaultRouter

from alongside.groups.api import attendance, completion, curricula, figures, registrations, series, sessions


def register(router: DefaultRouter) -> None:
    series.register(router)
    sessions.register(router)
    registrations.register(router)
    attendance.register(router)
    figures.register(router)
    curricula.register(router)
    completion.register(router)
