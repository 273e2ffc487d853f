from django.core.management.base import BaseCommand, CommandError, no_translations

from repat.core.crypto import rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field (the restricted section) under the newest key of "
        "REPAT_FIELD_ENCRYPTION_KEYS, in batches; safe to interrupt and to run again. Once it reports nothing "
        "left under an old key, the old key can be removed. --check only counts. Exits with status 1 when a "
        "value cannot be opened with any configured key."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="Records per transaction (500).")
        parser.add_argument("--check", action="store_true", help="Count what needs re-encrypting; change nothing.")

    @no_translations
    def handle(self, *args, batch_size, check, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        result = rotate(batch_size=batch_size, check=check)
        verb = "to re-encrypt" if check else "re-encrypted"
        self.stdout.write(
            f"{result.records} records read: {result.rotated} values {verb} under the newest key, "
            f"{result.current} already under it."
        )
        if result.unreadable:
            shown = "; ".join(result.unreadable[:20])
            raise CommandError(f"{len(result.unreadable)} values open with none of the configured keys: {shown}.")
        if check and result.rotated:
            raise CommandError("Some values still need an old key: run rotate_encryption_key before removing it.")
        self.stdout.write("Every value opens with the newest key alone: older keys can be removed.")
