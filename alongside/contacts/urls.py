from django.urls import path

from alongside.contacts import views

app_name = "contacts"
urlpatterns = [
    path("log/<int:participant_id>/", views.log, name="log"),
]
