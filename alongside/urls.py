from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("", include("alongside.web.urls")),
    path("accounts/", include("alongside.accounts.urls")),
    path("programs/", include("alongside.programs.urls")),
    path("people/", include("alongside.people.urls")),
    path("contacts/", include("alongside.contacts.urls")),
    path("safety/", include("alongside.safety.urls")),
    path("followup/", include("alongside.followup.urls")),
    path("groups/", include("alongside.groups.urls")),
    path("selfcare/", include("alongside.selfcare.urls")),
    path("linkage/", include("alongside.linkage.urls")),
    path("fhir/r4/", include("alongside.interop.urls")),
    path("messaging/", include("alongside.messaging.urls")),
    path("audit/", include("alongside.audit.urls")),
    path("api/v1/", include("alongside.api_v1")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("django-admin/", admin.site.urls),
]
