from __future__ import annotations

from django.urls import URLPattern

from alongside.followup.views import calls, disengagement, policies, today

app_name = "followup"

urlpatterns: list[URLPattern] = [
    *today.urlpatterns,
    *calls.urlpatterns,
    *policies.urlpatterns,
    *disengagement.urlpatterns,
]
