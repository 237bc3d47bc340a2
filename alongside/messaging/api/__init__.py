"""JSON endpoints for messaging, one module per feature."""

from __future__ import annotations

from rest_framework.routers import DefaultRouter


def register(router: DefaultRouter) -> None:
    from alongside.messaging.api import sequences

    sequences.register(router)
    from alongside.messaging.api import templates

    templates.register(router)
    from alongside.messaging.api import inbox

    inbox.register(router)
