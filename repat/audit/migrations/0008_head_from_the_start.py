"""The chain's head row exists from the start, at the genesis seal with no rows, as `record` would
make it for the first row ever: every append then takes the one-statement path (`record`), and
the head's triggers guard it from the first row on. A database that has rows keeps its head.
Plain SQL (both databases), so that migrating renders no models for it."""

from django.db import migrations

# repat.audit.models.GENESIS, frozen here as a migration's values are (tests/audit/test_actions.py
# checks that a migrated trail starts at it).
GENESIS = "0" * 64


class Migration(migrations.Migration):
    dependencies = [("audit", "0007_head_moves_by_a_batch")]

    operations = [
        migrations.RunSQL(
            "INSERT INTO audit_audithead (id, hash, rows, last_id)"
            f" SELECT 1, '{GENESIS}', 0, NULL WHERE NOT EXISTS (SELECT 1 FROM audit_audithead WHERE id = 1)",
            # The head cannot be removed (its triggers refuse it); an unapplied 0008 leaves it.
            migrations.RunSQL.noop,
        )
    ]
