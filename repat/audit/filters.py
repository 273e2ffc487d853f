import django_filters
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from repat.core.forms import DateInput

from .models import AuditEvent


class AuditFilter(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(label=_("Action"), choices=AuditEvent.Action.choices)
    user = django_filters.CharFilter(label=_("User name"), field_name="actor_name", lookup_expr="iexact")
    case = django_filters.NumberFilter(label=_("Case (internal number)"), field_name="case_id")
    object_type = django_filters.CharFilter(label=_("Record type"), field_name="object_type")
    since = django_filters.DateFilter(
        label=pgettext_lazy("period", "From"), field_name="at", lookup_expr="date__gte", widget=DateInput()
    )
    until = django_filters.DateFilter(
        label=pgettext_lazy("period", "To"), field_name="at", lookup_expr="date__lte", widget=DateInput()
    )

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
            )
        )
