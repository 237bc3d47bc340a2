"""Version 1 of the REST API, mounted at /api/v1/ (schema at /api/schema/, docs at /api/docs/).

Session or token authentication (`Authorization: Token <key>`), 50 records a page, filters per resource.
A record outside the caller's scope is a 404; bad input is a 400 with field errors and saves nothing.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path
from rest_framework.routers import DefaultRouter

from alongside.contacts.api import ContactViewSet
from alongside.followup import api as followup_api
from alongside.groups import api as groups_api
from alongside.linkage import api as linkage_api
from alongside.messaging import api as messaging_api
from alongside.people.api import ParticipantViewSet, SupporterViewSet
from alongside.programs.api import EnrollmentViewSet, ProgramViewSet
from alongside.selfcare import api as selfcare_api

app_name = "api-v1"

router = DefaultRouter()
router.register("programs", ProgramViewSet, basename="program")
router.register("participants", ParticipantViewSet, basename="participant")
router.register("supporters", SupporterViewSet, basename="supporter")
router.register("enrollments", EnrollmentViewSet, basename="enrollment")
router.register("contacts", ContactViewSet, basename="contact")
followup_api.register(router)
groups_api.register(router)
linkage_api.register(router)
messaging_api.register(router)
selfcare_api.register(router)

urlpatterns: list[URLPattern | URLResolver] = [path("", include(router.urls))]
