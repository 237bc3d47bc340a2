from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "alongside.messaging"
    label = "messaging"
    verbose_name = "Messaging (texts, email, reminders)"

    def ready(self) -> None:
        from alongside.messaging import deliveries, timeline

        timeline.register_sources()
        deliveries.register_sources()
