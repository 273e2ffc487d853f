"""Benchmark the reminder sweep: fill the database with N open cases (each with a follow-up date)
and N open referrals (accept or complete deadlines), spread around today, then time one sweep.

Run against a database of its own (see `make bench-reminders`): it adds rows and leaves them.
"""

import datetime
import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from cases.models import Case, Operation, Returnee
from repat.accounts.models import Region, User
from repat.reminders import actions
from repat.reminders.models import Reminder
from services.models import Provider, ProviderStaff, Referral, ServiceType

BATCH = 5000


class Command(BaseCommand):
    help = "Time the reminder sweep over N open follow-ups and N open referrals (default 200,000 each)."

    def add_arguments(self, parser):
        parser.add_argument("--items", type=int, default=200_000)
        parser.add_argument("--yes", action="store_true", help="Confirm this database may be filled.")

    def handle(self, *args, items, yes, **options):
        if not yes:
            raise CommandError("This fills the database with benchmark rows: pass --yes on a benchmark database.")
        today = timezone.localdate()
        existing = Case.objects.count()
        if existing < items:
            started = time.perf_counter()
            self._fill(items - existing, today)
            self.stdout.write(
                f"Filled {items - existing:,} cases and referrals in {time.perf_counter() - started:.1f} s"
            )
        Reminder.objects.all().delete()
        due_cases = Case.objects.exclude(status="closed").filter(next_follow_up__lte=today + datetime.timedelta(days=3))
        started = time.perf_counter()
        result = actions.sweep(today=today)
        first = time.perf_counter() - started
        started = time.perf_counter()
        again = actions.sweep(today=today)
        second = time.perf_counter() - started
        self.stdout.write(
            f"database: {connection.vendor}; open cases: {Case.objects.exclude(status='closed').count():,}; "
            f"open referrals: {Referral.objects.open().count():,}\n"
            f"due follow-ups: {due_cases.count():,}; due items found: {result.items:,}; "
            f"reminders queued: {result.created:,}\n"
            f"first sweep: {first:.1f} s; second sweep (nothing new, {again.created} created): {second:.1f} s"
        )

    def _fill(self, count: int, today: datetime.date) -> None:
        rng = random.Random(7)  # noqa: S311 - spreading dates, not security
        regions = list(Region.objects.filter(parent__isnull=True))
        operation, _ = Operation.objects.get_or_create(
            name="Benchmark", defaults={"country_of_departure": "Syria", "arrival_date": datetime.date(2023, 1, 1)}
        )
        workers = []
        for index, region in enumerate(regions):
            worker, _ = User.objects.get_or_create(username=f"bench-worker-{index}", defaults={"role": "social_worker"})
            worker.regions.add(region)
            workers.append(worker)
        provider, _ = Provider.objects.get_or_create(name="Benchmark provider", defaults={"kind": "ngo"})
        staff, _ = User.objects.get_or_create(username="bench-provider", defaults={"role": "provider"})
        ProviderStaff.objects.get_or_create(user=staff, defaults={"provider": provider})
        service = ServiceType.objects.first()
        requester = workers[0]
        start = Returnee.objects.count()
        for offset in range(0, count, BATCH):
            size = min(BATCH, count - offset)
            returnees = Returnee.objects.bulk_create(
                Returnee(
                    case_number=f"B-{start + offset + i:08d}",
                    given_name="Айша",
                    family_name="Бенчмарк",
                    sex="female",
                    operation=operation,
                    arrival_date=datetime.date(2023, 1, 1),
                    region=regions[(offset + i) % len(regions)],
                )
                for i in range(size)
            )
            cases = Case.objects.bulk_create(
                Case(
                    returnee=returnee,
                    worker=workers[i % len(workers)],
                    status="active",
                    opened_on=datetime.date(2023, 1, 2),
                    next_follow_up=today + datetime.timedelta(days=rng.randint(-30, 90)),
                )
                for i, returnee in enumerate(returnees)
            )
            Referral.objects.bulk_create(
                Referral(
                    case=case,
                    service_type=service,
                    reason="Benchmark",
                    status="assigned" if i % 2 else "in_progress",
                    provider=provider,
                    requested_by=requester,
                    region_id=case.returnee.region_id,
                    accept_due=today + datetime.timedelta(days=rng.randint(-20, 40)),
                    complete_due=today + datetime.timedelta(days=rng.randint(-20, 90)),
                    shares_data=False,
                )
                for i, case in enumerate(cases)
            )
