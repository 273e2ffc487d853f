"""What every list's filters share (the caseload, referral queue, approvals, audit trail).

django-filter leaves out of the query any filter whose input is invalid, so a search it cannot use
(a NUL byte, a made-up status) listed everything. Here such input lists nothing, and the form says
why next to the field."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from .search import SEARCH_MAX_LENGTH, SearchField


class SearchFilter(django_filters.CharFilter):
    """A text box of a list's filters, cleaned by `repat.core.search.search_text`."""

    field_class = SearchField

    def __init__(self, *args, max_length: int = SEARCH_MAX_LENGTH, **kwargs):
        super().__init__(*args, max_length=max_length, **kwargs)


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
