from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "alongside.groups"
    label = "groups"
    verbose_name = "Groups (group visits, workshops, support groups)"

    def ready(self) -> None:
        from alongside.groups import deliveries, timeline

        timeline.register_sources()
        deliveries.register_sources()
