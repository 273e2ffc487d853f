# The reminders app's SweepLock becomes the platform's Lease (repat/core/locks.py), since cases and
# reports hold leases too. Only Django's picture of the models changes: the table keeps its name
# (Lease.Meta.db_table) and its rows, so a lease held during the upgrade is still held after it.
# The table itself is created by reminders 0001 on a fresh database.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Lease',
                    fields=[
                        ('name', models.CharField(max_length=50, primary_key=True, serialize=False)),
                        ('held_until', models.DateTimeField()),
                        ('holder', models.CharField(blank=True, max_length=100)),
                    ],
                    options={
                        'verbose_name': 'lease',
                        'verbose_name_plural': 'leases',
                        'db_table': 'reminders_sweeplock',
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
