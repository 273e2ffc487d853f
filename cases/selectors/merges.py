"""Merging two records of one person: the candidate, what the merge would move, and a merged
record's history and successor."""

from dataclasses import dataclass

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.text import capfirst

from .. import permissions
from ..models import Family, Returnee, merge_relations
from ..models.merges import HISTORY_RELATIONS

# Relations the preview does not count: the records themselves and the merges' own history.
_NOT_COUNTED = {
    "cases.case.returnee",
    "cases.returnee.merged_into",
    "cases.case.merged_into",
    "cases.familymember.returnee",
    "cases.namekey.returnee",
    *HISTORY_RELATIONS,
}


@dataclass
class MergeSide:
    returnee: Returnee
    family: Family | None


@dataclass
class MergePreview:
    sides: list[MergeSide]
    # (what, [how many on each side]), for the kinds of rows either record has.
    counts: list[tuple[str, list[int]]]


def merge_candidate(*, user, number: str) -> tuple[Returnee | None, str]:
    """The record with this case number that the user may merge (in their own scope), or None and,
    when the number is that of a record already merged into one they may see, the number it became."""
    number = number.strip()
    other = (
        permissions.returnees_visible_to(user)
        .filter(case_number__iexact=number, case__in=permissions.cases_in_scope(user))
        .select_related("case")
        .first()
    )
    if other is not None:
        return other, ""
    survivor = (
        permissions.returnees_visible_to(user)
        .filter(merged_records__case_number__iexact=number)
        .values_list("case_number", flat=True)
        .first()
    )
    return None, survivor or ""


def merge_preview(*, returnees: list[Returnee]) -> MergePreview:
    """The two records side by side: identity, family and how many rows of each kind hang on each,
    in three queries whatever the numbers (one for the records with every count as a subquery)."""
    relations = [(k, r, s) for k, r, s in merge_relations() if k not in _NOT_COUNTED]
    counts = {}
    for index, (_key, relation, side) in enumerate(relations):
        owner = "pk" if side == "returnee" else "case"
        rows = (
            relation.related_model._base_manager.filter(**{relation.field.name: OuterRef(owner)})
            .order_by()
            .values(relation.field.name)
            .annotate(n=Count("pk"))
            .values("n")
        )
        counts[f"n{index}"] = Coalesce(Subquery(rows), 0)
    rows = {
        r.pk: r
        for r in Returnee.objects.filter(pk__in=[r.pk for r in returnees])
        .select_related("operation", "region", "district", "case", "case__worker", "membership__family")
        .prefetch_related("aliases")
        .annotate(**counts)
    }
    ordered = [rows[r.pk] for r in returnees]
    sides = []
    for row in ordered:
        membership = getattr(row, "membership", None)
        sides.append(MergeSide(row, membership.family if membership else None))
    table = []
    for index, (_key, relation, _side) in enumerate(relations):
        numbers = [getattr(row, f"n{index}") for row in ordered]
        if any(numbers):
            table.append((str(capfirst(relation.related_model._meta.verbose_name_plural)), numbers))
    return MergePreview(sides, table)


def former_case_numbers(*, returnee: Returnee) -> list[str]:
    """The case numbers of the records merged into this one (a search for them finds it)."""
    if getattr(returnee, "has_merged_records", True) is False:
        return []
    return list(returnee.merged_records.order_by("case_number").values_list("case_number", flat=True))


def returnee_merges(*, returnee: Returnee) -> list:
    """The merges that folded other records into this one and still stand, newest first."""
    if getattr(returnee, "has_merged_records", True) is False:
        return []
    return list(returnee.merges_received.filter(undone_at__isnull=True).select_related("merged_by"))


def merged_successor(*, user, returnee_pk: int | None = None, case_pk: int | None = None) -> Returnee | None:
    """For the page of a record merged into another: the record it became, when the user may see it
    (else None, and the page is a 404 like any other it cannot open)."""
    merged = Returnee.objects.filter(merged_into__isnull=False)
    merged = merged.filter(pk=returnee_pk) if returnee_pk is not None else merged.filter(case__pk=case_pk)
    target = merged.values_list("merged_into", flat=True).first()
    if target is None:
        return None
    return permissions.returnees_visible_to(user).select_related("case").filter(pk=target).first()
