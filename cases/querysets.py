"""Reusable filters for the cases app, attached to the models through `QuerySet.as_manager()`."""

from django.db import models
from django.db.models import Q

from repat.core.deadlines import DueQuerySet


class ReturneeQuerySet(models.QuerySet):
    def unmerged(self):
        """Records that stand for a person: not merged into another record (`Returnee.merged_into`).
        Every list, count and report starts from these."""
        return self.filter(merged_into__isnull=True)


class FamilyQuerySet(models.QuerySet):
    pass


class CaseQuerySet(DueQuerySet):
    """`.open()`: not closed; `.due_by(day)`, `.overdue(day)`: by the next follow-up."""

    due_field = "next_follow_up"

    @classmethod
    def open_condition(cls, prefix: str = "") -> Q:
        from .models import Case

        return ~Q(**{f"{prefix}status": Case.Status.CLOSED})

    def unmerged(self):
        """Cases of records not merged into another one (see `ReturneeQuerySet.unmerged`)."""
        return self.filter(merged_into__isnull=True)

    def numbered(self, number: str):
        """The case with this case number, or the one a record with this number was merged into."""
        from .models import Returnee

        former = Returnee.objects.filter(case_number=number, merged_into__isnull=False).values("merged_into_id")
        return self.filter(Q(returnee__case_number=number) | Q(returnee_id__in=former))

    def assigned_to(self, user):
        return self.filter(worker=user)

    def follow_up_overdue(self, day=None):
        """`overdue` under the name of the case's own property (`Case.follow_up_overdue`)."""
        return self.overdue(day)


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
