"""Reusable filters for referrals, from the status sets and deadlines declared on `Referral`."""

import datetime
import functools
import operator

from django.db.models import Q
from django.utils import timezone

from repat.core.deadlines import DueQuerySet


def _referral():
    from .models import Referral

    return Referral


class ReferralQuerySet(DueQuerySet):
    @classmethod
    def open_condition(cls, prefix: str = "") -> Q:
        return Q(**{f"{prefix}status__in": _referral().OPEN})

    @classmethod
    def _deadline_condition(cls, lookup: str, day: datetime.date, prefix: str, deadline: str | None) -> Q:
        """A deadline counts only in the statuses it runs in (`Referral.DEADLINES`): accepting
        while assigned, completing once accepted. Each half uses its (status, due date) index;
        `deadline` ("accept_due", "complete_due") keeps one of them."""
        deadlines = _referral().DEADLINES
        fields = [deadline] if deadline else list(deadlines)
        return functools.reduce(
            operator.or_,
            (Q(**{f"{prefix}status__in": deadlines[field], f"{prefix}{field}__{lookup}": day}) for field in fields),
        )

    @classmethod
    def due_condition(cls, day: datetime.date, prefix: str = "", *, deadline: str | None = None) -> Q:
        return cls._deadline_condition("lte", day, prefix, deadline)

    @classmethod
    def overdue_condition(cls, day: datetime.date, prefix: str = "", *, deadline: str | None = None) -> Q:
        return cls._deadline_condition("lt", day, prefix, deadline)

    def due_by(self, day: datetime.date, *, deadline: str | None = None):
        return self.filter(self.due_condition(day, deadline=deadline))

    def overdue(self, day: datetime.date | None = None, *, deadline: str | None = None):
        return self.filter(self.overdue_condition(day or timezone.localdate(), deadline=deadline))

    def with_provider(self):
        """In a provider's hands: what counts against its capacity."""
        return self.filter(status__in=self.model.WITH_PROVIDER)

    def unassigned(self):
        """Waiting for a coordinator to choose a provider."""
        return self.filter(status__in=self.model.WAITING_FOR_PROVIDER)
