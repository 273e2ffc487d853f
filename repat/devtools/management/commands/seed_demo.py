from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from repat.core import broker
from repat.devtools.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Create fictional demo data and demo users (development only; refused in production)."

    def handle(self, *args, **options):
        try:
            with broker.offline():  # thousands of rows: beat sends and refreshes what they queue
                created = seed_demo()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        if created:
            self.stdout.write(self.style.SUCCESS("Demo data created."))
        else:
            self.stdout.write("Demo data already present; nothing changed.")
        self.stdout.write(
            f"Demo logins (password {DEMO_PASSWORD}): worker1, worker2, coordinator1, supervisor1, admin, provider1"
        )
