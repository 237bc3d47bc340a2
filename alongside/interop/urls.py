"""FHIR R4 endpoints, mounted at /fhir/r4/."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "fhir"

urlpatterns: list[URLPattern] = []
