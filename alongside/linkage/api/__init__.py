"""JSON endpoints for the resource directory and referrals, one module per feature."""

from __future__ import annotations

from rest_framework.routers import DefaultRouter

from alongside.linkage.api import directory, referrals


def register(router: DefaultRouter) -> None:
    directory.register(router)
    referrals.register(router)
