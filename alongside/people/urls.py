from django.urls import path

from alongside.people import views

app_name = "people"
urlpatterns = [
    path("caseload/", views.caseload, name="caseload"),
    path("me/", views.me, name="me"),
    path("participants/", views.participant_list, name="participants"),
    path("participants/new/", views.participant_new, name="participant_new"),
    path("participants/<int:participant_id>/", views.participant_detail, name="participant"),
    path("participants/<int:participant_id>/edit/", views.participant_edit, name="participant_edit"),
    path("supporters/", views.supporter_list, name="supporters"),
    path("supporters/new/", views.supporter_new, name="supporter_new"),
    path("supporters/<int:supporter_id>/edit/", views.supporter_edit, name="supporter_edit"),
]
