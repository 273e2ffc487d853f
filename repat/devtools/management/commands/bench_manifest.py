"""`manage.py bench_manifest --rows N [--commit]`: time a manifest import against the database's
people (issue 16, point 4; docs/benchmarks.md, "Manifest import").

A manifest of N rows is made up as a flight's list would be: households of a mother and one to four
children, named from the seed's name lists (so that many rows have namesakes among the recorded
people, as real lists do), and one row in ten copying a recorded person (a returnee registered
before). It is uploaded as the coordinator of the busiest region, previewed (`manifest_preview`:
reading, checks, the batched duplicate check) and, with --commit, registered with every probable
match answered "different person". Prints the wall time of each step, the statements run and the
peak memory of the process. --commit writes: it refuses the shared benchmark database."""

import csv
import io
import random
import resource
import time

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count

from cases import actions
from cases.models import ManifestImport, Operation, Returnee
from cases.search import duplicates_fingerprint  # noqa: F401 - the commit's own check is what is timed
from repat.accounts.models import User
from repat.devtools.scale import names as seed_names

SHARED = ("repat_bench",)


class Command(BaseCommand):
    help = "Time the preview and the commit of an N-row manifest against the database's people."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=300)
        parser.add_argument("--commit", action="store_true", help="Also register them (writes!).")
        parser.add_argument("--seed", type=int, default=16)

    def handle(self, *args, rows, commit, seed, **options):
        database = connection.settings_dict["NAME"]
        if commit and database in SHARED:
            raise CommandError(f"--commit writes: copy {database} first (createdb -T {database} ...).")
        rng = random.Random(seed)  # noqa: S311 - made-up names, not secrets
        busiest = (
            Returnee.objects.values("region").annotate(n=Count("id")).order_by("-n").values_list("region", flat=True)
        ).first()
        user = User.objects.filter(is_active=True, role=User.Role.COORDINATOR, regions=busiest).order_by("pk").first()
        if user is None:
            raise CommandError("No coordinator of the busiest region.")
        operation = Operation.objects.order_by("-arrival_date").first()
        region = user.regions.filter(pk=busiest).get()
        data = self._manifest(rows, rng, operation, region)
        statements = [0]

        def count(execute, sql, params, many, context):
            statements[0] += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            started = time.perf_counter()
            manifest = actions.manifest_upload(
                actor=user, uploaded=SimpleUploadedFile(f"bench-{rows}.csv", data), run_now=False
            )
            actions.manifest_preview(manifest_id=manifest.pk)
            preview_seconds = time.perf_counter() - started
            preview_statements = statements[0]
        manifest.refresh_from_db()
        matched = sum(1 for row in manifest.rows if row["matches"])
        problems = sum(1 for row in manifest.rows if row["errors"])
        self.stdout.write(
            f"rows={rows} preview={preview_seconds:.1f}s statements={preview_statements} "
            f"matched_rows={matched} rows_with_problems={problems} "
            f"peak_rss={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB"
        )
        if not commit:
            ManifestImport.objects.filter(pk=manifest.pk).delete() if database not in SHARED else None
            return
        problems = [row for row in manifest.rows if row["errors"]]
        if problems:  # made-up data can put one person twice in a file: those rows are left out
            clean = [row for row in manifest.rows if not row["errors"]]
            ManifestImport.objects.filter(pk=manifest.pk).update(rows=clean)
            manifest.refresh_from_db()
            self.stdout.write(f"left out {len(problems)} rows with problems before the commit")
        decisions = {
            str(row["line"]): {"choice": "new", "reason": "bench_manifest"} for row in manifest.rows if row["matches"]
        }
        statements[0] = 0
        with connection.execute_wrapper(count):
            started = time.perf_counter()
            actions.manifest_commit_request(actor=user, manifest=manifest, decisions=decisions, run_now=False)
            actions.manifest_commit(manifest_id=manifest.pk)
            commit_seconds = time.perf_counter() - started
        manifest.refresh_from_db()
        self.stdout.write(
            f"rows={rows} commit={commit_seconds:.1f}s statements={statements[0]} status={manifest.status} "
            f"cases={len(manifest.result.get('cases', []))} error={manifest.error[:200]!r} "
            f"peak_rss={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB"
        )

    def _manifest(self, rows: int, rng: random.Random, operation, region) -> bytes:
        """CSV bytes of `rows` people in households."""
        known = list(
            Returnee.objects.filter(pk__in=[rng.randint(1, 1_000_000) for _ in range(rows // 10 + 1)]).values(
                "family_name", "given_name", "sex", "date_of_birth"
            )
        )
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(
            ["household", "relation", "family_name", "given_name", "sex", "birth_date", "operation", "region"]
        )
        written, household, seen = 0, 0, set()
        families = seed_names.KYRGYZ_FAMILY + seed_names.UZBEK_FAMILY + seed_names.KAZAKH_FAMILY
        while written < rows:
            household += 1
            family = rng.choice(families)
            mother_year = rng.randint(1980, 1998)
            members = [("mother", rng.choice(seed_names.KYRGYZ_FEMALE), "F", str(mother_year))]
            for _ in range(rng.randint(1, 4)):
                boy = rng.random() < 0.5
                name = rng.choice(seed_names.KYRGYZ_MALE if boy else seed_names.KYRGYZ_FEMALE)
                members.append(("child", name, "M" if boy else "F", f"~{rng.randint(mother_year + 16, 2022)}"))
            for relation, given, sex, born in members:
                if written >= rows:
                    break
                if (family, given, born) in seen:  # the same person twice in one file is refused
                    continue
                seen.add((family, given, born))
                if known and rng.random() < 0.1:
                    person = known.pop()
                    given, sex = person["given_name"], "F" if person["sex"] == "female" else "M"
                    born = person["date_of_birth"].isoformat() if person["date_of_birth"] else born
                    # On a line of its own: a recorded person's birth date says nothing of the household's.
                    writer.writerow(
                        [
                            f"K{written}",
                            "other relative",
                            person["family_name"],
                            given,
                            sex,
                            born,
                            operation.name,
                            region.name,
                        ]
                    )
                else:
                    writer.writerow([f"B{household}", relation, family, given, sex, born, operation.name, region.name])
                written += 1
        return out.getvalue().encode()
