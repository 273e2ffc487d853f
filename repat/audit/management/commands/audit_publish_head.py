from django.core.management.base import BaseCommand, CommandError, no_translations

from repat.audit.actions import head_publish


class Command(BaseCommand):
    help = (
        "Check the rows written since the newest published head, then write the audit trail's signed head "
        "to REPAT_AUDIT_HEAD_DIR and e-mail it to the administrators (what beat does daily)."
    )

    @no_translations
    def handle(self, *args, **options):
        publication = head_publish()
        result, head = publication.verification, publication.head
        if head is None:
            raise CommandError(f"{result.broken}. No head published; the administrators were told.")
        self.stdout.write(
            f"Published {head.name}: {head.rows} rows up to row {head.last_id} "
            f"({result.checked} rows checked since the previous head)."
        )
