"""Rebuild the people search's name index (`cases.search`) from the records: after data were loaded
without the ORM (COPY, a restore of a table) or the name rules in `cases/names.py` changed."""

import time

from django.core.management.base import BaseCommand

from cases.models import Returnee
from cases.search import BATCH, reindex_all


class Command(BaseCommand):
    help = "Rebuild the name keys the people search finds returnees by (with progress: --every)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=int,
            default=50_000,
            help="Report progress after about this many returnees (default 50,000; 0: never).",
        )

    def handle(self, *args, every, **options):
        total = Returnee.objects.count()
        self.stdout.write(f"Indexing the names of {total:,} returnees, {BATCH:,} at a time...")
        started = time.perf_counter()
        state = {"people": 0, "reported": 0}

        def progress(last_id: int, written: int) -> None:
            state["people"] += BATCH
            if every and state["people"] - state["reported"] >= every:
                state["reported"] = state["people"]
                seconds = time.perf_counter() - started
                self.stdout.write(
                    f"  {min(state['people'], total):,} of {total:,} returnees, {written:,} rows "
                    f"({seconds:.0f} s, {written / seconds:,.0f} rows/s)"
                )

        written = reindex_all(progress=progress)
        self.stdout.write(f"{total:,} returnees in {time.perf_counter() - started:.1f} s.")
        self.stdout.write(self.style.SUCCESS(f"Name index rebuilt: {written} rows."))
