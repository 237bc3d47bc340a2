from __future__ import annotations

from django.urls import URLPattern

from alongside.selfcare.views import measurements, plans, thresholds

app_name = "selfcare"

urlpatterns: list[URLPattern] = [*plans.urlpatterns, *measurements.urlpatterns, *thresholds.urlpatterns]
