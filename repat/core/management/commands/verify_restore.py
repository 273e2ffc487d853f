from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, no_translations

from repat.core import restore


class Command(BaseCommand):
    help = (
        "After restoring a backup: check that every migration is applied, that the audit chain verifies "
        "(against the published heads too), that uploaded files open through the storage and match their "
        "checksums, and that the restricted section decrypts with the configured keys. Prints counts, ids "
        "and times, never personal data. Exits with status 1 when a check fails (docs/operations.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--sample",
            type=int,
            default=100,
            metavar="N",
            help="Open the N newest files and restricted sections of each kind (default 100).",
        )
        parser.add_argument("--all", dest="every", action="store_true", help="Open every file and restricted section.")
        parser.add_argument(
            "--heads",
            action="append",
            default=[],
            type=Path,
            metavar="FOLDER",
            help="A folder of published audit heads kept outside the backup (e.g. the e-mailed ones); repeatable.",
        )

    @no_translations
    def handle(self, *args, sample, every, heads, **options):
        missing = [str(folder) for folder in heads if not folder.is_dir()]
        if missing:
            raise CommandError(f"No such folder: {', '.join(missing)}.")
        if sample < 1:
            raise CommandError("--sample must be at least 1 (or use --all).")
        results = restore.run(restore.Options(sample=None if every else sample, heads=tuple(heads)))
        for name, outcome in results:
            self.stdout.write(f"{'ok' if outcome.ok else 'FAILED':<7} {name}: {outcome.summary}")
            for line in outcome.details:
                self.stdout.write(f"        {line}")
        failed = [name for name, outcome in results if not outcome.ok]
        if failed:
            raise CommandError(
                f"Restore not verified: {len(failed)} of {len(results)} checks failed ({', '.join(failed)})."
            )
        self.stdout.write(f"Restore verified: {len(results)} checks passed.")
