"""The caseload's filters and sort orders. Every filter hits an indexed column (see models.Meta)."""

import django_filters
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.conf import settings
from django.db.models import Case as DbCase
from django.db.models import F, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from repat.accounts.models import User
from repat.core.choices import chooser
from repat.core.filters import SearchFilter, SortFilter, StrictFilterSet

from .indicators import indicator_conditions, indicators
from .models import Case, Returnee
from .search import ranked_returnee_ids

SORTS = {
    # Cases with no follow-up date go last either way, on SQLite as on PostgreSQL.
    "next_follow_up": (F("next_follow_up").asc(nulls_last=True), "id"),
    "-next_follow_up": (F("next_follow_up").desc(nulls_last=True), "-id"),
    "name": ("returnee__family_name", "returnee__given_name", "id"),
    "-name": ("-returnee__family_name", "-returnee__given_name", "-id"),
    "opened": ("opened_on", "id"),
    "-opened": ("-opened_on", "-id"),
    "risk": ("risk_level", "id"),
}


class CaseFilter(StrictFilterSet):
    q = SearchFilter(label=_("Search"), method="filter_search")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Case.Status.choices)
    risk_level = django_filters.ChoiceFilter(label=_("Risk"), choices=Case.Risk.choices)
    operation = django_filters.ChoiceFilter(
        label=_("Operation"), field_name="returnee__operation", choices=chooser("operations")
    )
    region = django_filters.ChoiceFilter(label=_("Region"), field_name="returnee__region", choices=chooser("regions"))
    overdue = django_filters.BooleanFilter(
        label=_("Follow-up overdue"), method="filter_overdue", widget=forms.CheckboxInput
    )
    # Coordinators look for the cases nobody holds yet, to give them a social worker.
    unassigned = django_filters.BooleanFilter(
        label=_("No social worker yet"), method="filter_unassigned", widget=forms.CheckboxInput
    )
    # Reached from the dashboard's figures: a worker's open cases, the returnees an indicator counts.
    worker = django_filters.ModelChoiceFilter(
        label=_("Social worker"), queryset=User.objects.filter(role=User.Role.SOCIAL_WORKER)
    )
    indicator = django_filters.ChoiceFilter(label=_("Indicator"), method="filter_indicator", choices=[])
    # The day an indicator is counted on (the dashboard's period end); today when not given.
    on = django_filters.DateFilter(label=_("Indicator on"), method="filter_nothing", widget=forms.HiddenInput)
    # The dashboard counts open cases per worker and per region; its links add this to match.
    hide_closed = django_filters.BooleanFilter(
        label=_("Hide closed cases"), method="filter_hide_closed", widget=forms.CheckboxInput
    )
    sort = SortFilter(
        orders=SORTS,
        default="next_follow_up",
        widget=forms.Select,
        choices=[
            ("next_follow_up", _("Next follow-up, soonest first")),
            ("-next_follow_up", _("Next follow-up, latest first")),
            ("name", _("Name, A to Z")),
            ("-name", _("Name, Z to A")),
            ("-opened", _("Opened, newest first")),
            ("opened", _("Opened, oldest first")),
            ("risk", _("Risk")),
        ],
    )

    class Meta:
        model = Case
        fields = [
            "q",
            "status",
            "risk_level",
            "operation",
            "region",
            "overdue",
            "hide_closed",
            "unassigned",
            "worker",
            "indicator",
            "on",
        ]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user  # the people search lists only whom they may see
        self.ranked: list[int] = []
        choices = [(indicator.key, str(indicator.label)) for indicator in indicators()]
        self.filters["indicator"].extra["choices"] = choices
        self.form.fields["indicator"].choices = [
            ("", settings.FILTERS_EMPTY_CHOICE_LABEL),
            *self.filters["indicator"].extra["choices"],
        ]
        self.form.helper = helper = FormHelper()
        helper.form_method = "post"  # the search text stays out of the URL (CaseloadView)
        helper.layout = Layout(
            Row(
                Column("q", css_class="col-md-3"),
                Column("status", css_class="col-md-2"),
                Column("risk_level", css_class="col-md-2"),
                Column("operation", css_class="col-md-2"),
                Column("region", css_class="col-md-3"),
            ),
            Row(
                Column("overdue", "hide_closed", "unassigned", css_class="col-md-2"),
                Column("worker", css_class="col-md-2"),
                Column("indicator", css_class="col-md-3"),
                Column("sort", css_class="col-md-3"),
                Column(Submit("", _("Filter"), css_class="mt-md-4"), css_class="col-md-2"),
            ),
        )

    @property
    def qs(self):
        queryset = super().qs
        if self.ranked and not self.form.cleaned_data.get("sort"):
            # A search: the best matches first, as the people search lists them.
            ranks = [When(returnee_id=pk, then=Value(rank)) for rank, pk in enumerate(self.ranked)]
            queryset = queryset.order_by(DbCase(*ranks, output_field=IntegerField()), "id")
        return queryset

    @property
    def sort_key(self) -> str:
        return "" if self.ranked and not self.form.cleaned_data.get("sort") else super().sort_key

    def filter_search(self, queryset, name, value):
        """The people search's engine (cases/search.py): any spelling, script, case number or date."""
        if not value.strip():
            return queryset
        self.ranked = ranked_returnee_ids(self.user, value)
        return queryset.filter(returnee_id__in=self.ranked)

    def filter_overdue(self, queryset, name, value):
        return queryset.overdue(timezone.localdate()) if value else queryset

    def filter_unassigned(self, queryset, name, value):
        return queryset.filter(worker__isnull=True) if value else queryset

    def filter_hide_closed(self, queryset, name, value):
        return queryset.open() if value else queryset

    def filter_indicator(self, queryset, name, value):
        on = self.form.cleaned_data.get("on") or timezone.localdate()
        condition = indicator_conditions(on)[value] & Q(arrival_date__lte=on)
        return queryset.filter(returnee__in=Returnee.objects.filter(condition).values("pk"))

    def filter_nothing(self, queryset, name, value):
        return queryset  # read by filter_indicator
