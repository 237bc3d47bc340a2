from __future__ import annotations

from django.urls import URLPattern

from alongside.messaging.views import inbox, outbox, sequences, templates

app_name = "messaging"

urlpatterns: list[URLPattern] = [
    *outbox.urlpatterns,
    *inbox.urlpatterns,
    *templates.urlpatterns,
    *sequences.urlpatterns,
]
