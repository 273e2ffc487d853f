"""`manage.py measure_search`: how well the people search finds the labelled people among everyone in
the database, and how the duplicate check fares (docs/search.md; repat/devtools/search_measure.py)."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from repat.devtools import search_measure
from repat.devtools.benchmark import commit, machine, write_section


class Command(BaseCommand):
    help = (
        "Register the labelled people of name_variants among the database's people (seed_scale), search "
        "for every variant spelling and run the duplicate check; write the figures to docs/search.md. "
        "Everything it adds is rolled back."
    )

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=150, help="Labelled people (default 150).")
        parser.add_argument("--new-people", type=int, default=1000, help="Distinct new people (default 1,000).")
        parser.add_argument("--other-sex", type=int, default=50, help="Recorded names given the other sex.")
        parser.add_argument("--years-apart", type=int, default=200, help="Recorded names born years apart.")
        parser.add_argument("--coordinator-people", type=int, default=30, help="People in the coordinator's check.")
        parser.add_argument(
            "--output", default=str(settings.BASE_DIR / "docs" / "search.md"), help="Markdown file to update."
        )
        parser.add_argument("--no-output", action="store_true", help="Print only.")
        parser.add_argument("--strict", action="store_true", help="Fail when a target of issue 15 is missed.")

    def handle(self, *args, people, new_people, other_sex, years_apart, coordinator_people, output, **options):
        started = time.perf_counter()
        try:
            measurement = search_measure.measure(
                labelled_count=people,
                coordinator_people=coordinator_people,
                new_people=new_people,
                other_sex=other_sex,
                years_apart=years_apart,
                out=self.stderr.write,
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        text = "\n".join(
            [
                f"N = {measurement.people:,} people on {connection.vendor}; commit {commit()}; "
                f"{timezone.now():%Y-%m-%d %H:%M} UTC; {time.perf_counter() - started:.0f} s.",
                "",
                f"Machine: {machine()}.",
                "",
                search_measure.report(measurement),
            ]
        )
        self.stdout.write(text)
        missed = search_measure.misses_targets(measurement)
        self.stdout.write("Targets: " + ("; ".join(missed) if missed else "all met"))
        if not options["no_output"]:
            write_section(
                output, "measure", "## Measured\n\n" + text + "\n\nTargets: " + ("; ".join(missed) or "all met")
            )
        if options["strict"] and missed:
            raise CommandError("Targets missed: " + "; ".join(missed))
