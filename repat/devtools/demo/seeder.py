"""`seed_demo`: the demo data for `make run`, made once, part after part, in one transaction."""

import random

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from repat.accounts.models import Region, User
from repat.devtools.demo.history import add_history, add_reminders
from repat.devtools.demo.referrals import add_providers, add_services
from repat.devtools.demo.reintegration import add_reintegration
from repat.devtools.demo.reports import add_report
from repat.devtools.demo.returnees import add_families, add_restricted
from repat.devtools.demo.users import add_staff


@transaction.atomic
def seed_demo(*, seed: int = 20211) -> bool:
    """Create the demo data once. Returns False when it is already there. The parts run in this
    order and share one random generator: the same seed gives the same data."""
    if not settings.REPAT_ALLOW_DEMO_DATA:
        raise ImproperlyConfigured("Demo data cannot be created with these settings (production).")
    if User.objects.filter(username="worker1").exists():
        return False
    rng = random.Random(seed)
    today = timezone.localdate()
    regions = {r.name: r for r in Region.objects.filter(parent__isnull=True)}
    workers = add_staff(regions)
    add_families(rng, regions, workers)
    add_history(rng, today)
    add_providers(regions)
    add_reintegration(rng, today)
    add_services(rng, today, regions)
    add_reminders(rng, today)
    add_restricted()
    add_report(today)
    return True
