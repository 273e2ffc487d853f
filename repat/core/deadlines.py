"""When an item with a due date is due and when it is overdue: one rule, as SQL and as Python.

An open item is *due by* a day when its due date is on or before that day, and *overdue* on a day
when its due date is before it (due today is not late yet). The reminder sweep asks `due_by`, the
lists, filters and dashboard ask `overdue`, and a model's `is_overdue` asks `overdue_on`, so a page
marks late exactly what the dashboard counts and the sweep reports."""

import datetime

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q
from django.utils import timezone


def overdue_on(due: datetime.date | None, day: datetime.date | None = None) -> bool:
    """Whether a due date has passed on `day` (today if not given): the Python side of `overdue`.
    The caller checks that the item is still open."""
    return due is not None and due < (day or timezone.localdate())


class DueQuerySet(models.QuerySet):
    """`.open()`, `.due_by(day)` and `.overdue(day)` for a model whose rows are open until done and
    due on the date in `due_field`. A subclass says which rows are open (`open_condition`); the
    conditions take a `prefix` so that a query from another model (a plan counting its goals) asks
    the same thing."""

    due_field = "due_date"

    @classmethod
    def open_condition(cls, prefix: str = "") -> Q:
        # Every queryset built on this one says which of its rows are open; a missing rule must fail
        # loudly rather than count every row as open.
        raise ImproperlyConfigured(f"{cls.__name__} must define open_condition(): which rows are open.")

    @classmethod
    def due_condition(cls, day: datetime.date, prefix: str = "") -> Q:
        """Open, and due on or before `day`."""
        return cls.open_condition(prefix) & Q(**{f"{prefix}{cls.due_field}__lte": day})

    @classmethod
    def overdue_condition(cls, day: datetime.date, prefix: str = "") -> Q:
        """Open, and due before `day`."""
        return cls.open_condition(prefix) & Q(**{f"{prefix}{cls.due_field}__lt": day})

    def open(self):
        return self.filter(self.open_condition())

    def due_by(self, day: datetime.date):
        return self.filter(self.due_condition(day))

    def overdue(self, day: datetime.date | None = None):
        return self.filter(self.overdue_condition(day or timezone.localdate()))
