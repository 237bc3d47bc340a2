from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "alongside.programs"
    label = "programs"
    verbose_name = "Programs and enrolments"

    def ready(self) -> None:
        from alongside.people import timeline
        from alongside.programs.queries import enrollment_events

        timeline.register("enrollments", enrollment_events)
