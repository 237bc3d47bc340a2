"""FHIR R4 endpoints, mounted at /fhir/r4/ (the list is in views.py)."""

from __future__ import annotations

from django.urls import URLPattern, path, re_path

from alongside.interop import views

app_name = "fhir"

urlpatterns: list[URLPattern] = [
    path("metadata", views.Metadata.as_view(), name="metadata"),
    path("Patient/<str:pk>/$everything", views.PatientEverything.as_view(), name="patient_everything"),
    path("Patient/<str:pk>", views.PatientRead.as_view(), name="patient"),
    path("Practitioner/<str:pk>", views.PractitionerRead.as_view(), name="practitioner"),
    path("PractitionerRole/<str:pk>", views.PractitionerRoleRead.as_view(), name="practitionerrole"),
    path("PractitionerRole", views.PractitionerRoleSearch.as_view(), name="practitionerrole_search"),
    *views.record_urls(),
    re_path(r"^(?P<rest>.*)$", views.Unknown.as_view(), name="unknown"),
]
