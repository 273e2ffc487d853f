"""What every list's filters share (the caseload, referral queue, approvals, audit trail).

django-filter leaves out of the query any filter whose input is invalid, so a search it cannot use
(a NUL byte, a made-up status) listed everything. Here such input lists nothing, and the form says
why next to the field.

A list's order is one of its filters too (`SortFilter`, `?sort=`, chosen by its column headers:
templatetags/sorting.py). Only the list's own keys are ever read; any other value is the list's
default order, so an old bookmark or a hostile value still lists what the filters find."""

from collections.abc import Sequence

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from .search import SEARCH_MAX_LENGTH, SearchField


class SearchFilter(django_filters.CharFilter):
    """A text box of a list's filters, cleaned by `repat.core.search.search_text`."""

    field_class = SearchField

    def __init__(self, *args, max_length: int = SEARCH_MAX_LENGTH, **kwargs):
        super().__init__(*args, max_length=max_length, **kwargs)


class SortField(forms.ChoiceField):
    """A list's order: any value that is not one of its keys cleans to "" (the default order) instead
    of an error, and is never used in a query."""

    def to_python(self, value):
        value = super().to_python(value)
        return value if self.valid_value(value) else ""


class SortFilter(django_filters.Filter):
    """The order of a list, `?sort=<key>`: `orders` maps each key the list offers (its column headers
    link to them) to the `order_by` it stands for, "-key" usually the other direction, each served by
    an index with the list's filters (or over a list that is bounded). Without a key, or with one the
    list does not offer, the list is in its `default` order. Hidden unless given another widget: the
    filter form carries the order along with the filters."""

    field_class = SortField

    def __init__(self, *, orders: dict[str, Sequence], default: str, choices=None, **kwargs):
        kwargs.setdefault("widget", forms.HiddenInput)
        kwargs.setdefault("label", _("Sort by"))
        super().__init__(choices=choices or [(key, key) for key in orders], **kwargs)
        self.orders, self.default = orders, default

    def filter(self, qs, value):
        return qs.order_by(*self.orders[value or self.default])


class StrictFilterSet(django_filters.FilterSet):
    """A filter set whose list is empty while any of its input is invalid."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
                # Django's message repeats the value typed, which may be ten thousand characters long.
                field.error_messages["invalid_choice"] = _("Choose one of the options in the list.")

    @property
    def qs(self):
        if not hasattr(self, "_qs") and self.is_bound and not self.form.is_valid():
            self._qs = self.queryset.none()
            for name in list(self.form.errors):
                field = self.form.fields.get(name)
                if field is not None and field.widget.is_hidden:
                    # A hidden filter (set by a dashboard link) has no place on the page to show its error.
                    for message in self.form.errors[name]:
                        self.form.add_error(None, f"{field.label}: {message}")
        return super().qs

    @property
    def sort_key(self) -> str:
        """The key of the order the list is in ("" when it has none of its headers' orders)."""
        sort = self.filters.get("sort")
        if not isinstance(sort, SortFilter):
            return ""
        self.form.is_valid()  # cleans every field, the order included, even when another is invalid
        return self.form.cleaned_data.get("sort") or sort.default
