from django.core.management.base import BaseCommand, CommandError, no_translations

from repat.audit.actions import verify


class Command(BaseCommand):
    help = (
        "Recompute the audit trail's hash chain, hold it against its head, and report the first row "
        "that does not match. Exits with status 1 when the trail is broken."
    )

    @no_translations
    def handle(self, *args, **options):
        result = verify()
        if not result.intact:
            where = f" at row {result.broken_at}" if result.broken_at and result.broken_at > 0 else ""
            raise CommandError(f"Audit trail broken{where}: {result.reason} ({result.checked} rows intact).")
        self.stdout.write(f"Audit trail intact: {result.checked} rows checked.")
