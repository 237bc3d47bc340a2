from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "alongside.contacts"
    label = "contacts"
    verbose_name = "Contact log"

    def ready(self) -> None:
        from alongside.contacts.queries import contact_events
        from alongside.people import timeline
        from alongside.programs import deliveries

        timeline.register("contacts", contact_events)
        deliveries.register("contacts", deliveries.CONTACTS_SQL, reaches_participant=True)
