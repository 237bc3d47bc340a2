from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "alongside.safety"
    label = "safety"
    verbose_name = "Safety and concerns"

    def ready(self) -> None:
        from alongside.people import timeline
        from alongside.safety.queries import concern_events

        timeline.register("concerns", concern_events)
