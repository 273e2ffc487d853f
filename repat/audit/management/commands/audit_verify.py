from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, no_translations

from repat.audit.actions import verify


class Command(BaseCommand):
    help = (
        "Recompute the seal of every audit row, hold the chain against its head in the database and against "
        "every head published (REPAT_AUDIT_HEAD_DIR, or the bucket) and in the folders given, and report what "
        "was checked. Exits with status 1 when the trail is broken."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--heads",
            action="append",
            default=[],
            type=Path,
            metavar="FOLDER",
            help="A folder of published heads kept elsewhere (e.g. the e-mailed ones); may be repeated.",
        )

    @no_translations
    def handle(self, *args, heads, **options):
        missing = [str(folder) for folder in heads if not folder.is_dir()]
        if missing:
            raise CommandError(f"No such folder: {', '.join(missing)}.")
        result = verify(head_dirs=heads)
        if not result.intact:
            raise CommandError(f"{result.broken} ({result.checked} rows intact).")
        self.stdout.write(f"Audit trail intact: {result.checked} rows checked.")
        keys = ", ".join(f"{count} with key {key_id}" for key_id, count in sorted(result.keyed.items()))
        self.stdout.write(f"  sealed: {keys or 'none'}; from before the keys (plain SHA-256): {result.unkeyed}.")
        if result.published:
            newest = max(result.published, key=lambda head: head.published_at)
            self.stdout.write(
                f"  published heads held: {len(result.published)}, the newest of {newest.when} "
                f"({newest.rows} rows up to row {newest.last_id})."
            )
        else:
            self.stdout.write("  published heads held: none.")
        self.stdout.write(f"  head in the database: {result.head_rows or 0} rows.")
