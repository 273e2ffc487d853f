from django.core.management.base import BaseCommand, CommandError

from repat.devtools.demo import DEMO_PASSWORD
from repat.devtools.scale import MAX_PEOPLE, SeedError, default_workers, seed_scale


class Command(BaseCommand):
    help = (
        "Fill a PostgreSQL database with realistic fictional data at scale for load tests: returnees in "
        "families, their cases and everything on them, and the staff (development only)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--people", type=int, default=10_000, help=f"Returnees to create (default 10,000; up to {MAX_PEOPLE:,})."
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="Social workers, spread over the regions by population (default: min(2000, max(20, people // 500))).",
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed: the same seed gives the same data.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Empty the seeded tables first (TRUNCATE ... CASCADE: every user, case and referral goes).",
        )

    def handle(self, *args, people, workers, seed, replace, **options):
        workers = default_workers(people) if workers is None else workers
        self.stdout.write(f"Seeding {people:,} people with {workers:,} social workers (seed {seed})...")
        try:
            result = seed_scale(people=people, workers=workers, seed=seed, replace=replace, out=self.stdout.write)
        except SeedError as error:
            raise CommandError(str(error)) from error
        total_rows = 0
        for name, (rows, seconds) in result.items():
            if name.startswith("<"):
                continue
            total_rows += rows
            self.stdout.write(f"  {name:<40} {rows:>12,} rows {seconds:>8.1f} s")
        for name, (_rows, seconds) in result.items():
            if name.startswith("<") and name != "<total>":
                self.stdout.write(f"  {name:<40} {'':>17} {seconds:>8.1f} s")
        self.stdout.write(
            self.style.SUCCESS(f"{total_rows:,} rows in {result['<total>'][1]:.1f} s.")
            + f" Every user's password is {DEMO_PASSWORD}: admin-scale, supervisor-<region>-1, "
            "coordinator-<region>-1, worker0001..., provider-<region>-1."
        )
