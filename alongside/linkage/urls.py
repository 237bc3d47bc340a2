from __future__ import annotations

from django.urls import URLPattern

from alongside.linkage.views import curation, directory, exchange, referrals

app_name = "linkage"

urlpatterns: list[URLPattern] = [
    *directory.urlpatterns,
    *curation.urlpatterns,
    *exchange.urlpatterns,
    *referrals.urlpatterns,
]
