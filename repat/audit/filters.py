import datetime

import django_filters
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from repat.accounts.models import User
from repat.core.filters import SearchFilter, SortFilter, StrictFilterSet
from repat.core.forms import DateInput

from .models import AuditEvent


class AuditFilter(StrictFilterSet):
    action = django_filters.ChoiceFilter(label=_("Action"), choices=AuditEvent.Action.choices)
    user = SearchFilter(label=_("User name"), method="filter_user", max_length=150)
    case = SearchFilter(label=_("Case number"), method="filter_case", max_length=30)
    object_type = SearchFilter(label=_("Record type"), field_name="object_type")
    # Days in local time, compared as moments so that the index on `at` is used (a cast to a date is not).
    since = django_filters.DateFilter(label=pgettext_lazy("period", "From"), method="filter_since", widget=DateInput())
    until = django_filters.DateFilter(label=pgettext_lazy("period", "To"), method="filter_until", widget=DateInput())
    # Newest or oldest first: by id, the order of the chain, which every index of the trail ends with
    # (read backwards for the oldest). `at` follows it.
    sort = SortFilter(orders={"-at": ("-id",), "at": ("id",)}, default="-at")

    class Meta:
        model = AuditEvent
        fields = ["action", "user", "case", "object_type", "since", "until"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.helper = helper = FormHelper()
        helper.form_method = "get"
        helper.layout = Layout(
            Row(
                Column("action", css_class="col-md-2"),
                Column("user", css_class="col-md-2"),
                Column("case", css_class="col-md-2"),
                Column("object_type", css_class="col-md-2"),
                Column("since", css_class="col-md-1"),
                Column("until", css_class="col-md-1"),
                Column(Submit("", _("Search"), css_class="mt-md-4"), css_class="col-md-2"),
            ),
            "sort",
        )

    def filter_user(self, queryset, name, value):
        """Any case of a user's name finds them; the trail is then searched by the exact name, on the
        (actor_name, id) index. A name that is no account (a failed sign-in) is searched as typed."""
        known = User.objects.filter(username__iexact=value).values_list("username", flat=True)
        return queryset.filter(actor_name__in=[*known, value])

    def filter_case(self, queryset, name, value):
        """A case number as people write it (any letter case, spaces around it), on the case index;
        a number that names no case finds nothing."""
        from .presentation import case_ids_numbered

        return queryset.filter(case_id__in=list(case_ids_numbered(value.strip())))

    def filter_since(self, queryset, name, value):
        if value <= EARLIEST:  # no moment before it: nothing to leave out
            return queryset
        return queryset.filter(at__gte=_start_of(value))

    def filter_until(self, queryset, name, value):
        if value >= LATEST:
            return queryset
        return queryset.filter(at__lt=_start_of(value + datetime.timedelta(days=1)))


# Days at the ends of the calendar have no local start that converts to UTC.
EARLIEST = datetime.date.min + datetime.timedelta(days=1)
LATEST = datetime.date.max - datetime.timedelta(days=1)


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
