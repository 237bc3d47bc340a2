from __future__ import annotations

from django.urls import URLPattern

from alongside.groups.views import attendance, calendar, curricula, reports, series, sessions

app_name = "groups"

urlpatterns: list[URLPattern] = [
    *series.urlpatterns,
    *sessions.urlpatterns,
    *attendance.urlpatterns,
    *reports.urlpatterns,
    *curricula.urlpatterns,
    *calendar.urlpatterns,
]
