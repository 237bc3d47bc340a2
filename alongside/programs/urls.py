from django.urls import path

from alongside.programs import views

app_name = "programs"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("new/", views.program_new, name="new"),
    path("<int:program_id>/", views.program_detail, name="detail"),
    path("<int:program_id>/edit/", views.program_edit, name="edit"),
    path("enroll/<int:participant_id>/", views.enroll_participant, name="enroll"),
    path("enrollments/<int:enrollment_id>/status/", views.change_enrollment_status, name="change_status"),
    path("enrollments/<int:enrollment_id>/assign/", views.assign, name="assign"),
]
