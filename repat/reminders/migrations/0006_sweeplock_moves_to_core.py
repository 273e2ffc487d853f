# SweepLock leaves the reminders app's models for core's Lease (core 0002), keeping its table and
# rows: nothing is dropped.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0002_lease_from_reminders'),
        ('reminders', '0005_alerts_about_people'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='SweepLock')],
            database_operations=[],
        ),
    ]
