"""Probable duplicates: the decisions on a person and one decision, as their reader may see them."""

from django.shortcuts import get_object_or_404

from .. import permissions
from ..models import FamilyMember, Returnee


def duplicate_decisions_of(*, user, returnee: Returnee) -> list:
    """The probable matches set aside when `returnee` was registered, for their page: each with
    `match` (the other record, only when `user` may see it) and `decidable` (the user may decide
    it now). Three queries at most, none when `returnee_get` found there are none."""
    if getattr(returnee, "has_duplicate_decisions", True) is False:
        return []
    decisions = list(returnee.duplicate_decisions.select_related("registered_by", "decided_by").order_by("pk"))
    if not decisions:
        return decisions
    ids = [d.candidate_id for d in decisions]
    visible = permissions.returnees_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True)
    matches = Returnee.objects.in_bulk(list(visible))
    decidable = set(
        permissions.duplicate_decisions_visible_to(user)
        .filter(pk__in=[d.pk for d in decisions if d.is_pending])
        .values_list("pk", flat=True)
    )
    for decision in decisions:
        decision.match = matches.get(decision.candidate_id)
        decision.decidable = decision.pk in decidable
    return decisions


def duplicate_decision_get(*, user, pk: int):
    """A probable duplicate the user may compare (both records in their scope), with both records."""
    people = ("region", "district", "operation", "case__worker", "membership__family")
    return get_object_or_404(
        permissions.duplicate_decisions_visible_to(user).select_related(
            "registered_by",
            "decided_by",
            *(f"returnee__{path}" for path in people),
            *(f"candidate__{path}" for path in people),
        ),
        pk=pk,
    )


def mothers_of(returnees) -> dict[int, str]:
    """The name of each returnee's mother as their household records her (one query)."""
    families = {r.pk: r.membership.family_id for r in returnees if getattr(r, "membership", None)}
    mothers = {}
    for family_id, full_name, *parts in FamilyMember.objects.filter(
        family_id__in=set(families.values()), relationship=FamilyMember.Relationship.MOTHER
    ).values_list("family_id", "full_name", "returnee__family_name", "returnee__given_name", "returnee__patronymic"):
        mothers.setdefault(family_id, " ".join(p for p in parts if p) or full_name)
    return {pk: mothers[family] for pk, family in families.items() if family in mothers}
