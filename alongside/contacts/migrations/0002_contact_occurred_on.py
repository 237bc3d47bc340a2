from zoneinfo import ZoneInfo

from django.db import migrations, models


def fill_occurred_on(apps, schema_editor):
    Contact = apps.get_model("contacts", "Contact")
    for contact in Contact.objects.select_related("participant__organization").iterator(chunk_size=2000):
        zone = contact.participant.timezone or contact.participant.organization.timezone
        contact.occurred_on = contact.occurred_at.astimezone(ZoneInfo(zone)).date()
        contact.save(update_fields=["occurred_on"])


class Migration(migrations.Migration):
    dependencies = [("contacts", "0001_initial"), ("people", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="occurred_on",
            field=models.DateField(null=True),
        ),
        migrations.RunPython(fill_occurred_on, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="contact",
            name="occurred_on",
            field=models.DateField(help_text="The day of the contact on the participant's own calendar."),
        ),
    ]
