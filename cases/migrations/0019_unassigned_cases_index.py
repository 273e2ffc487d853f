"""The caseload's "no social worker yet" filter, in the list's order: a partial index of the cases
nobody holds, built concurrently so that the deploy does not block writes to cases."""

from django.db import migrations, models

from repat.core.operations import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("cases", "0018_field_labels"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="case",
            index=models.Index(
                condition=models.Q(("worker__isnull", True)), fields=["next_follow_up", "id"], name="case_unassigned_idx"
            ),
        ),
    ]
