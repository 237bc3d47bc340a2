from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "alongside.people"
    label = "people"
    verbose_name = "Participants and supporters"

    def ready(self) -> None:
        from alongside.people import timeline

        timeline.register_builtin_sources()
