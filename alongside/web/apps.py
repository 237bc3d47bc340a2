from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "alongside.web"
    label = "web"
    verbose_name = "Home screens"
