"""`make bench N=…`: time the pages people open most, as each role, beside raw SQL, the lean Django
floor and the admin changelist; print the table and write it to docs/benchmarks.md."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from cases.models import Case, Returnee
from repat.devtools import benchmark


class Command(BaseCommand):
    help = "Benchmark the main pages on the current database (fill it first with seed_scale)."

    def add_arguments(self, parser):
        parser.add_argument("--repeats", type=int, default=20, help="Timed requests per page (default 20).")
        parser.add_argument(
            "--output", default=str(settings.BASE_DIR / "docs" / "benchmarks.md"), help="Markdown file to update."
        )
        parser.add_argument("--no-sweep", action="store_true", help="Skip timing the reminder sweep.")
        parser.add_argument("--strict", action="store_true", help="Fail when a page misses a query-count target.")
        parser.add_argument(
            "--api-only",
            action="store_true",
            help="Time only the API's list endpoints (writes nothing: see repat/devtools/benchmark/api.py).",
        )

    def handle(self, *args, repeats, output, no_sweep, strict, api_only, **options):
        people = Returnee.objects.count()
        if not people:
            raise CommandError("The database holds no returnees: fill it first with `manage.py seed_scale`.")
        users = benchmark.representative_users()
        self._api(users, people, repeats, output)
        if api_only:
            return
        admin_client = benchmark.signed_in_client(benchmark.admin_superuser())
        started = time.perf_counter()
        results = []
        for page in benchmark.pages(users):
            self.stderr.write(f"  {page.name} as {page.role}…")
            results.append(benchmark.measure(page, repeats, admin_client))
        report = [
            f"N = {people:,} returnees ({Case.objects.count():,} cases) on {connection.vendor}; "
            f"{repeats} timed requests per page; commit {benchmark.commit()}; "
            f"{timezone.now():%Y-%m-%d %H:%M} UTC.",
            "",
            f"Machine: {benchmark.machine()}.",
            "",
            benchmark.table(results),
        ]
        text = "\n".join(report)
        self.stdout.write(text)
        benchmark.write_section(output, "pages", "## Pages\n\n" + text)
        if not no_sweep:  # written after the pages, so that a long sweep never loses their figures
            sweep = benchmark.sweep()
            sweep_text = (
                f"Over the whole database (N = {people:,}), starting with nothing reminded yet: the first sweep "
                f"took {sweep['first_s']:.1f} s ({sweep['first_items']:,} due items, "
                f"{sweep['first_created']:,} reminders queued); the next one, finding the same items, took "
                f"{sweep['second_s']:.1f} s ({sweep['second_created']:,} new reminders)."
            )
            self.stdout.write(sweep_text)
            benchmark.write_section(output, "sweep", "## Reminder sweep\n\n" + sweep_text)
        self.stderr.write(f"Benchmark took {time.perf_counter() - started:.0f} s; written to {output}.")
        if strict:
            query_misses = [r for r in results if any("queries" in miss for miss in r.misses())]
            if query_misses:
                raise CommandError(
                    "Query-count targets missed: "
                    + ", ".join(f"{r.page.name} as {r.page.role} ({r.queries})" for r in query_misses)
                )

    def _api(self, users, people, repeats, output) -> None:
        from repat.devtools.benchmark.api import api_table, measure_api

        self.stderr.write("  API list endpoints…")
        text = (
            f"N = {people:,} returnees on {connection.vendor}; {repeats} timed requests per endpoint; "
            f"commit {benchmark.commit()}; {timezone.now():%Y-%m-%d %H:%M} UTC.\n\n"
            + api_table(measure_api(users, repeats))
        )
        self.stdout.write(text)
        benchmark.write_section(output, "api", "## API list endpoints\n\n" + text)
