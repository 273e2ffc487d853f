"""People and families: a returnee or a family by id, and a family's tree (each member's case
linked only where the reader may open it)."""

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from .. import permissions
from ..models import DuplicateDecision, Family, FamilyMember, Returnee


def returnee_get(*, user, pk: int) -> Returnee:
    """The returnee, with their case marked as in the user's own scope or not (see case_get)."""
    returnee = get_object_or_404(
        permissions.returnees_visible_to(user)
        .select_related("operation", "region", "district", "case", "case__worker", "membership__family", "photo")
        .prefetch_related("aliases")
        .annotate(
            case_in_scope=Exists(permissions.cases_in_scope(user).filter(returnee=OuterRef("pk"))),
            # Most records were never merged or checked against a match: their page asks no more.
            has_merged_records=Exists(Returnee.objects.filter(merged_into=OuterRef("pk"))),
            has_duplicate_decisions=Exists(DuplicateDecision.objects.filter(returnee=OuterRef("pk"))),
        ),
        pk=pk,
    )
    returnee.case.viewer_id, returnee.case.viewer_in_scope = user.pk, returnee.case_in_scope
    return returnee


def family_get(*, user, pk: int) -> Family:
    # A record merged into another keeps its place in its family out of sight (back on an undo).
    members = FamilyMember.objects.filter(
        Q(returnee__isnull=True) | Q(returnee__merged_into__isnull=True)
    ).select_related("returnee", "returnee__case", "returnee__case__worker", "kinship_test")
    return get_object_or_404(
        permissions.families_visible_to(user)
        .select_related("region", "district")
        .prefetch_related(Prefetch("members", queryset=members)),
        pk=pk,
    )


@dataclass
class TreePerson:
    """One person of a family tree: the member, the returnee page the reader may open (None: a
    returnee whose case they may not see, shown without a name, or a relative who is not a
    returnee), and the people drawn under them."""

    member: FamilyMember
    url: str | None = None
    hidden: bool = False
    below: list["TreePerson"] = field(default_factory=list)


@dataclass
class FamilyTree:
    """The family page's tree: the mother (or, without one, the caregiver: a guardian or the head of
    household) with her children below her, then the guardians, the relatives abroad and the other
    relatives, each group in the members' order."""

    carer: TreePerson | None = None
    children: list[TreePerson] = field(default_factory=list)
    guardians: list[TreePerson] = field(default_factory=list)
    abroad: list[TreePerson] = field(default_factory=list)
    others: list[TreePerson] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.carer or self.children or self.guardians or self.abroad or self.others)

    @property
    def groups(self) -> list[tuple[Promise, list[TreePerson]]]:
        """The groups beside the carer that have someone, with their headings."""
        named = (
            (gettext_lazy("Children"), self.children),
            (gettext_lazy("Guardians"), self.guardians),
            (gettext_lazy("Relatives abroad"), self.abroad),
            (gettext_lazy("Other relatives"), self.others),
        )
        return [(heading, people) for heading, people in named if people]


def family_tree(*, members: list[FamilyMember], visible_cases: set[int]) -> FamilyTree:
    """The tree of a family's members as `family_get` loaded them, with `visible_case_ids` for the
    reader: no query of its own, however large the family."""
    Relationship = FamilyMember.Relationship

    def person(member: FamilyMember) -> TreePerson:
        if not member.returnee_id:
            return TreePerson(member)
        if member.returnee.case.pk in visible_cases:
            return TreePerson(member, url=member.returnee.get_absolute_url())
        return TreePerson(member, hidden=True)

    carer = (
        next((m for m in members if m.relationship == Relationship.MOTHER), None)
        or next((m for m in members if m.relationship == Relationship.GUARDIAN and m.is_head), None)
        or next((m for m in members if m.is_head and m.relationship != Relationship.CHILD), None)
    )
    tree = FamilyTree(carer=person(carer) if carer else None)
    for member in members:
        if member is carer:
            continue
        if member.relationship == Relationship.CHILD:
            group = tree.carer.below if tree.carer else tree.children
        elif member.relationship == Relationship.GUARDIAN:
            group = tree.guardians
        elif member.whereabouts == FamilyMember.Whereabouts.ABROAD:
            group = tree.abroad
        else:
            group = tree.others
        group.append(person(member))
    return tree


def family_choices(*, user):
    """The families a user may register people into, each with what tells it apart in a picker
    (`picker_members`: its members with their given name and operation; its region): three queries
    however many families."""
    members = (
        FamilyMember.objects.filter(Q(returnee__isnull=True) | Q(returnee__merged_into__isnull=True))
        .select_related("returnee__operation")
        .only(
            "family_id",
            "full_name",
            "relationship",
            "returnee__given_name",
            "returnee__family_name",
            "returnee__operation__name",
        )
        .order_by("pk")
    )
    return (
        permissions.families_in_scope(user)
        .select_related("region")
        .prefetch_related(Prefetch("members", queryset=members, to_attr="picker_members"))
    )


def visible_case_ids(*, user, cases) -> set[int]:
    """Which of these cases the user may open: a family page links only those."""
    ids = [case.pk for case in cases if case is not None]
    return set(permissions.cases_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
