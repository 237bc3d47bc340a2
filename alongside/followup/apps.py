from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "alongside.followup"
    label = "followup"
    verbose_name = "Ongoing support"

    def ready(self) -> None:
        from alongside.followup.timeline import appointment_events
        from alongside.people import timeline

        timeline.register("appointments", appointment_events)
