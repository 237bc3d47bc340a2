from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "alongside.scheduling"
    label = "scheduling"
    verbose_name = "Periodic jobs"
