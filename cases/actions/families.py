"""Registering a household in one go: a mother (or another caregiver) and her children, with what
they share typed once, one duplicate check for all of them, and a case for each."""

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from repat.accounts.models import User

from .. import permissions
from ..models import Case, Family, FamilyMember, Returnee
from ..search import ProbableMatch, registration_duplicates
from .duplicates import CheckedDuplicates, DistinctPerson, duplicates_check
from .registration import returnee_register

# Whose name counts as "the mother's" in the duplicate check of the children registered with her.
MOTHER = FamilyMember.Relationship.MOTHER


@dataclasses.dataclass(frozen=True)
class FamilyPerson:
    """One person of a family registration: their own fields (names, sex, birth: the keys of
    RETURNEE_FIELDS that are not shared), other spellings, and their place in the household."""

    data: dict[str, Any]
    aliases: Sequence[str] = ()
    relationship: str = FamilyMember.Relationship.CHILD
    is_head: bool = False

    @property
    def full_name(self) -> str:
        parts = (self.data.get(part) or "" for part in ("family_name", "given_name", "patronymic"))
        return " ".join(part for part in parts if part)


class PersonInvalid(ValidationError):
    """A person of the family was refused by `returnee_register`: `index` says which (in the order
    given), so that the page shows the errors in that person's row."""

    def __init__(self, index: int, error: ValidationError):
        super().__init__(error.error_dict if hasattr(error, "error_dict") else error.messages)
        self.index = index


def _existing_mother(family: Family | None) -> str:
    if family is None:
        return ""
    mother = family.members.filter(relationship=MOTHER).select_related("returnee").order_by("pk").first()
    if mother is None:
        return ""
    return mother.returnee.full_name if mother.returnee_id else mother.full_name


def family_duplicates(
    *, actor: User, shared: dict[str, Any], people: Sequence[FamilyPerson], family: Family | None = None
) -> list[list[ProbableMatch]]:
    """Each person's probable matches among the people recorded already. A child is compared with
    the mother's name: the mother registered with them, or else the household's."""
    mother = next((person.full_name for person in people if person.relationship == MOTHER), None)
    if mother is None:
        mother = _existing_mother(family)
    found = []
    for person in people:
        child = person.relationship == FamilyMember.Relationship.CHILD
        found.append(
            registration_duplicates(
                actor,
                data={**shared, **person.data},
                aliases=person.aliases,
                family=family,
                relationship=person.relationship,
                mother_name=mother if child else "",
            )
        )
    return found


def _union(found: Iterable[list[ProbableMatch]]) -> list[ProbableMatch]:
    """Every match once (a recorded person may resemble two of the family), best first."""
    best: dict[int, ProbableMatch] = {}
    for matches in found:
        for match in matches:
            if match.returnee_id not in best or match.score > best[match.returnee_id].score:
                best[match.returnee_id] = match
    return sorted(best.values(), key=lambda m: (-m.score, m.returnee_id))


@transaction.atomic
def family_register(
    *,
    actor: User,
    shared: dict[str, Any],
    people: Sequence[FamilyPerson],
    family: Family | None = None,
    new_family_name: str = "",
    worker: User | None = None,
    risk_level: str = Case.Risk.MEDIUM,
    risk_reason: str = "",
    distinct: DistinctPerson | None = None,
) -> list[Returnee]:
    """Register several people of one household (`shared`: what they have in common, such as the
    operation, arrival, address and languages) into an existing family or a new one named
    `new_family_name`, each with their own case, all or nothing.

    One duplicate check for everyone before anything is saved: ProbableDuplicates carries the
    matches of all of them (and `people_of`: which people each match resembles), and one
    `distinct` confirmation of exactly those matches lets the whole family through; each new
    record keeps its own matches and the reason. A person refused by the model raises
    PersonInvalid naming them; nothing of the family is saved then."""
    if not permissions.can_register_returnee(actor):
        raise PermissionDenied
    if family is not None and not permissions.families_in_scope(actor).filter(pk=family.pk).exists():
        raise PermissionDenied
    if not people:
        raise ValidationError(_("Add at least one person to register."))
    new_family_name = new_family_name.strip()
    if family is None and not new_family_name:
        raise ValidationError({"family": _("Choose a family or give the name of a new one.")})

    found = family_duplicates(actor=actor, shared=shared, people=people, family=family)
    matches = _union(found)
    try:
        reason = duplicates_check(actor=actor, matches=matches, distinct=distinct)
    except ValidationError as error:
        error.people_of = {
            match.returnee_id: [i for i, own in enumerate(found) if match.returnee_id in {m.returnee_id for m in own}]
            for match in matches
        }
        raise

    registered = []
    for index, person in enumerate(people):
        try:
            returnee = returnee_register(
                actor=actor,
                data={**shared, **person.data},
                aliases=person.aliases,
                worker=worker,
                risk_level=risk_level,
                risk_reason=risk_reason,
                family=family,
                new_family_name="" if family is not None else new_family_name,
                relationship=person.relationship,
                is_head=person.is_head,
                checked=CheckedDuplicates(matches=found[index], reason=reason),
            )
        except ValidationError as error:
            raise PersonInvalid(index, error) from error
        family = returnee.membership.family
        registered.append(returnee)
    return registered
