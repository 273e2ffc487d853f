"""The referral queue's filters; each one maps to an indexed column (see Referral.Meta.indexes)."""

import django_filters
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from repat.core.choices import chooser
from repat.core.filters import SortFilter, StrictFilterSet
from repat.core.forms import DateInput

from .models import Provider, Referral


class ReferralFilter(StrictFilterSet):
    # Newest first, or oldest first: read from referral_queue_order_idx (provider staff:
    # referral_provider_order_idx; a status and region: referral_status_region_idx), backwards for the
    # oldest, as the default order always was. The other columns are not offered: the due date is
    # computed from the status and the names live on other tables, so a million referrals would be sorted.
    sort = SortFilter(
        orders={"requested": ("created_at", "id"), "-requested": ("-created_at", "-id")}, default="-requested"
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Referral.Status.choices)
    category = django_filters.ChoiceFilter(
        label=_("Category"), field_name="service_type__category", choices=chooser("service_categories")
    )
    region = django_filters.ChoiceFilter(label=_("Region"), choices=chooser("regions"), method="filter_region")
    provider = django_filters.ModelChoiceFilter(label=_("Provider"), queryset=Provider.objects.all())
    overdue = django_filters.BooleanFilter(label=_("Overdue"), method="filter_overdue", widget=forms.CheckboxInput)
    since = django_filters.DateFilter(
        label=_("Requested from"), field_name="created_at", lookup_expr="date__gte", widget=DateInput()
    )
    until = django_filters.DateFilter(
        label=_("Requested until"), field_name="created_at", lookup_expr="date__lte", widget=DateInput()
    )
    unassigned = django_filters.BooleanFilter(
        label=_("Waiting for a provider"), method="filter_unassigned", widget=forms.CheckboxInput
    )

    class Meta:
        model = Referral
        fields = ["status", "category", "region", "provider", "overdue", "unassigned", "since", "until"]

    def __init__(self, *args, for_provider: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.for_provider = for_provider
        self.form.helper = helper = FormHelper()
        helper.form_method = "get"
        helper.layout = Layout(
            Row(
                Column("status", css_class="col-md-2"),
                Column("category", css_class="col-md-3"),
                Column("region", css_class="col-md-2"),
                Column("provider", css_class="col-md-3"),
                Column("overdue", "unassigned", css_class="col-md-2"),
            ),
            Row(Column("since", css_class="col-md-2"), Column("until", css_class="col-md-2")),
            "sort",
            Submit("", _("Filter")),
        )

    def filter_region(self, queryset, name, value):
        # Provider staff are not told the region of a referral that shares no data (it would narrow
        # down who it is for), so filtering by region finds only those that share data.
        queryset = queryset.filter(region=value)
        return queryset.filter(shares_data=True) if self.for_provider else queryset

    def filter_overdue(self, queryset, name, value):
        return queryset.overdue(timezone.localdate()) if value else queryset

    def filter_unassigned(self, queryset, name, value):
        return queryset.unassigned() if value else queryset


class ProviderLoadFilter(StrictFilterSet):
    """The provider load page's order. Bounded: providers are organisations (hundreds in a country, not
    millions), each one's counts are computed for the page anyway, so any order is a sort of a few
    hundred rows."""

    sort = SortFilter(
        orders={
            "name": ("name", "id"),
            "-name": ("-name", "-id"),
            "open": ("open_referrals", "name", "id"),
            "-open": ("-open_referrals", "name", "id"),
            "waiting": ("waiting", "name", "id"),
            "-waiting": ("-waiting", "name", "id"),
        },
        default="name",
    )


class ConsentOverrideFilter(StrictFilterSet):
    """The consent overrides page's order. Bounded: an override is an exception a supervisor decides
    one by one, so they are few among the referrals, and the newest-first list was sorted the same
    way already."""

    sort = SortFilter(
        orders={
            "overridden": ("consent_overridden_at", "id"),
            "-overridden": ("-consent_overridden_at", "-id"),
        },
        default="-overridden",
    )
