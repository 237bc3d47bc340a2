from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "alongside.followup"
    label = "followup"
    verbose_name = "Ongoing support"
