from django.apps import AppConfig


class LinkageConfig(AppConfig):
    name = "alongside.linkage"
    label = "linkage"
    verbose_name = "Linkage (resource directory and referrals)"

    def ready(self) -> None:
        from alongside.linkage import deliveries, timeline

        timeline.register_sources()
        deliveries.register_sources()
