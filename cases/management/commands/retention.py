from django.core.management.base import BaseCommand

from cases.actions import retention_run


class Command(BaseCommand):
    help = (
        "Closed cases past the retention period: list them for anonymisation, and anonymise those listed "
        "for the notice period. --dry-run reports both and changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Report only; change nothing.")

    def handle(self, *args, dry_run=False, **options):
        result = retention_run(dry_run=dry_run)
        verb = "would be" if dry_run else "were"
        self.stdout.write(
            f"{len(result.listed)} cases {verb} listed for anonymisation: {', '.join(result.listed) or '-'}"
        )
        self.stdout.write(f"{len(result.anonymised)} cases {verb} anonymised: {', '.join(result.anonymised) or '-'}")
