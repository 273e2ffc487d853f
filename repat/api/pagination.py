"""Every list is paged by a cursor over a unique order (the id by default): a page costs one indexed
range read however deep, rows added meanwhile are neither skipped nor repeated, and nothing counts
the whole table (a million rows)."""

from django.conf import settings
from rest_framework.pagination import CursorPagination


class KeysetPagination(CursorPagination):
    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        self.page_size = settings.REPAT_PAGE_SIZE
        return super().get_page_size(request)

    def get_ordering(self, request, queryset, view):
        """The view's `cursor_ordering` (unique, indexed), else the id, newest first."""
        ordering = getattr(view, "cursor_ordering", self.ordering)
        return (ordering,) if isinstance(ordering, str) else tuple(ordering)
