"""Reusable filters for the cases app, attached to the models through `QuerySet.as_manager()`."""

from django.db import models
from django.db.models import Exists, OuterRef, Q

from repat.core.deadlines import DueQuerySet


def matching_returnees(word: str):
    """Ids of the returnees a word matches: their own names and case number, or another spelling.

    Two index scans joined by UNION (migration 0007 gives each column a trigram index), which
    PostgreSQL answers among a million people; an OR across the two tables would read every row."""
    from .models import Returnee, ReturneeAlias

    own = Returnee.objects.filter(
        Q(given_name__icontains=word)
        | Q(family_name__icontains=word)
        | Q(patronymic__icontains=word)
        | Q(case_number__icontains=word)
    )
    spelled = ReturneeAlias.objects.filter(name__icontains=word)
    return own.order_by().values("pk").union(spelled.order_by().values("returnee_id"))


def search_words(text: str) -> list[str]:
    return text.split()[:5]


def matches(word: str, to_returnee: str = "") -> Q:
    """The same match as `matching_returnees`, as a condition on each row: cheaper when the rows
    are already few (a worker's caseload), as a common word ("кызы") matches a hundred thousand."""
    from .models import ReturneeAlias

    names = Q()
    for field in ("given_name", "family_name", "patronymic", "case_number"):
        names |= Q(**{f"{to_returnee}{field}__icontains": word})
    returnee_id = f"{to_returnee}pk" if not to_returnee else f"{to_returnee.removesuffix('__')}_id"
    spelled = ReturneeAlias.objects.filter(returnee_id=OuterRef(returnee_id), name__icontains=word)
    return names | Q(Exists(spelled))


class ReturneeQuerySet(models.QuerySet):
    def search(self, text: str):
        """Every word must match (names in any script, the case number, other spellings)."""
        query = self
        for word in search_words(text):
            query = query.filter(pk__in=matching_returnees(word))
        return query


class FamilyQuerySet(models.QuerySet):
    pass


class CaseQuerySet(DueQuerySet):
    """`.open()`: not closed; `.due_by(day)`, `.overdue(day)`: by the next follow-up."""

    due_field = "next_follow_up"

    @classmethod
    def open_condition(cls, prefix: str = "") -> Q:
        from .models import Case

        return ~Q(**{f"{prefix}status": Case.Status.CLOSED})

    def assigned_to(self, user):
        return self.filter(worker=user)

    def follow_up_overdue(self, day=None):
        """`overdue` under the name of the case's own property (`Case.follow_up_overdue`)."""
        return self.overdue(day)

    def search(self, text: str, *, few: bool = False):
        """`few`: the cases are few already (one worker's), so each is checked rather than every
        match in the country listed first."""
        words = search_words(text)
        if not words:
            return self
        if few:
            return self.filter(*(matches(word, "returnee__") for word in words))
        # The longest word is the likeliest to be rare: its matches come from the indexes, and the
        # other words ("кызы", "уулу") are checked on those rows only.
        longest, *others = sorted(words, key=len, reverse=True)
        return self.filter(Q(returnee_id__in=matching_returnees(longest)), *(matches(w, "returnee__") for w in others))


class CaseItemQuerySet(DueQuerySet):
    """Something to do on a case by a date; `case_path` leads from its rows to the case."""

    case_path = "case__"

    def of_open_cases(self):
        """Only the items of cases still open: a closed case's leftovers are nobody's work."""
        return self.filter(CaseQuerySet.open_condition(self.case_path))


class FollowUpTaskQuerySet(CaseItemQuerySet):
    """`.open()`: not done yet."""

    @classmethod
    def open_condition(cls, prefix: str = "") -> Q:
        return Q(**{f"{prefix}done_at__isnull": True})


class IdentityDocumentQuerySet(CaseItemQuerySet):
    """`.open()`: not issued yet (`IdentityDocument.OPEN_STATUSES`)."""

    case_path = "returnee__case__"

    @classmethod
    def open_condition(cls, prefix: str = "") -> Q:
        from .models import IdentityDocument

        return Q(**{f"{prefix}status__in": IdentityDocument.OPEN_STATUSES})


class AssessmentQuerySet(CaseItemQuerySet):
    """`.open()`: planned, not done yet."""

    @classmethod
    def open_condition(cls, prefix: str = "") -> Q:
        from .models import Assessment

        return Q(**{f"{prefix}status": Assessment.Status.PLANNED})


class PlanGoalQuerySet(CaseItemQuerySet):
    """`.open()`: being worked on (`PlanGoal.OPEN_STATUSES`); due by its target date."""

    case_path = "plan__case__"
    due_field = "target_date"

    @classmethod
    def open_condition(cls, prefix: str = "") -> Q:
        from .models import PlanGoal

        return Q(**{f"{prefix}status__in": PlanGoal.OPEN_STATUSES})
