"""Rebuild the people search's name index (`cases.search`) from the records: after data were loaded
without the ORM (COPY, a restore of a table) or the name rules in `cases/names.py` changed."""

from django.core.management.base import BaseCommand

from cases.search import reindex_all


class Command(BaseCommand):
    help = "Rebuild the name keys the people search finds returnees by."

    def handle(self, *args, **options):
        def progress(last_id: int, rows: int) -> None:
            if options["verbosity"] > 1:
                self.stdout.write(f"up to returnee {last_id}: {rows} rows")

        rows = reindex_all(progress=progress)
        self.stdout.write(self.style.SUCCESS(f"Name index rebuilt: {rows} rows."))
