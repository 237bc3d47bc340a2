"""JSON endpoints for group series, one module per feature; each exports register(router)."""

from __future__ import annotations

from rest_framework.routers import DefaultRouter


def register(router: DefaultRouter) -> None:
    pass
