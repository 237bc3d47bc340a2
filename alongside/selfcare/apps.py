from django.apps import AppConfig


class SelfcareConfig(AppConfig):
    name = "alongside.selfcare"
    label = "selfcare"
    verbose_name = "Self-management (action plans and measurements)"

    def ready(self) -> None:
        from alongside.selfcare import timeline

        timeline.register_sources()
