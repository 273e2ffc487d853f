"""Two records of one person made one: the merge, what it moved, and how to put it back."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from repat.core.models import CheckedModel

from .case import Case
from .registration import Returnee

# Relations a merge leaves where they are, and its preview does not count: history about the two
# records as they were (earlier merges, the duplicate check's answers about them).
HISTORY_RELATIONS = frozenset(
    {
        "cases.returneemerge.survivor",
        "cases.returneemerge.merged",
        "cases.duplicatedecision.returnee",
        "cases.duplicatedecision.candidate",
    }
)


def merge_relations() -> list[tuple[str, models.ForeignObjectRel, str]]:
    """Every relation that points at a returnee or at a case, as ("app.model.field", relation, side):
    what a merge moves (cases/actions/merges.py) and what its preview counts."""
    found = []
    for side, model in (("returnee", Returnee), ("case", Case)):
        # Hidden relations too (related_name="+", as on reminders): they point at the record all the same.
        for relation in model._meta.get_fields(include_hidden=True):
            if not relation.auto_created or relation.concrete or relation.many_to_many:
                continue
            key = f"{relation.related_model._meta.label_lower}.{relation.field.name}"
            found.append((key, relation, side))
    return found


class ReturneeMerge(CheckedModel):
    """A supervisor found that two records are one person: `merged` was folded into `survivor`.

    The merged returnee and its case are kept (marked `merged_into`, and left out of every list,
    count and report) rather than deleted: nothing that points at them by id (audit rows, reminders,
    bookmarks) breaks, their case number stays reserved and findable, and an administrator can undo
    the merge exactly. What the merge did is written here, row by row, so that undoing it moves back
    exactly those rows: `moved` {"app.model.field": [pks]}, `created` {"app.model": [pks]} (the
    other spellings it added), `changed` [["app.model", pk, {field: old value}]]."""

    survivor = models.ForeignKey(
        Returnee, verbose_name=_("record kept"), on_delete=models.PROTECT, related_name="merges_received"
    )
    merged = models.ForeignKey(
        Returnee, verbose_name=_("record merged"), on_delete=models.PROTECT, related_name="merges_given"
    )
    # The merged record's case number, as it was: searched and shown after the merge.
    merged_case_number = models.CharField(_("case number merged"), max_length=30, db_index=True)
    survivor_case_number = models.CharField(_("case number kept"), max_length=30)
    reason = models.TextField(_("reason"))
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("merged by"), on_delete=models.PROTECT, related_name="+"
    )
    merged_at = models.DateTimeField(_("merged at"), default=timezone.now)
    moved = models.JSONField(default=dict, blank=True)
    created = models.JSONField(default=dict, blank=True)
    changed = models.JSONField(default=list, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undo_reason = models.TextField(_("reason for undoing"), blank=True)

    class Meta:
        ordering = ["-merged_at", "-id"]
        verbose_name = _("merge of records")
        verbose_name_plural = _("merges of records")
        indexes = [models.Index(fields=["survivor", "-merged_at"], name="merge_survivor_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(survivor=models.F("merged")), name="merge_two_records"),
            # A record is merged into one other at a time; an undone merge stays as history.
            models.UniqueConstraint(fields=["merged"], condition=Q(undone_at__isnull=True), name="merge_once"),
            models.CheckConstraint(
                condition=Q(undone_at__isnull=True, undone_by__isnull=True)
                | Q(undone_at__isnull=False, undone_by__isnull=False),
                name="merge_undo_recorded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.merged_case_number} → {self.survivor_case_number}"

    @property
    def is_undone(self) -> bool:
        return self.undone_at is not None

    def undo_deadline(self):
        return self.merged_at + datetime.timedelta(days=settings.REPAT_MERGE_UNDO_DAYS)

    def can_still_be_undone(self, now=None) -> bool:
        return not self.is_undone and (now or timezone.now()) <= self.undo_deadline()
