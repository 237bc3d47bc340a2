from django.urls import path

from alongside.safety import views

app_name = "safety"
urlpatterns = [
    path("concerns/", views.concerns, name="concerns"),
    path("concerns/<int:concern_id>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("raise/<int:participant_id>/", views.raise_for_participant, name="raise"),
]
