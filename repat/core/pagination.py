"""Pagination that never counts a whole table.

Django's Paginator runs an exact COUNT(*) over every matching row, which over a million cases costs
more than the page itself. A list here counts at most `REPAT_COUNT_BOUND` matching rows (PostgreSQL
stops after that many index entries); past the bound the page says "more than …" and the person
narrows the filters, as nobody pages through thousands of cases.
"""

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property


class BoundedPaginator(Paginator):
    def __init__(self, object_list, per_page, bound: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.bound = bound or settings.REPAT_COUNT_BOUND

    @cached_property
    def _counted(self) -> int:
        """How many rows match, up to one past the bound."""
        rows = self.object_list
        if not isinstance(rows, QuerySet):
            return min(len(rows), self.bound + 1)
        if not rows.query.group_by and not rows.query.distinct:
            rows = rows.values("pk")  # the page's joins for display are not needed to count
        return rows.order_by()[: self.bound + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.bound)

    @property
    def truncated(self) -> bool:
        """More rows match than were counted."""
        return self._counted > self.bound
