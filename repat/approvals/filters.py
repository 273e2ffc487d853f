"""The approvals queue's filters: each maps to an indexed column (ApprovalRequest.Meta.indexes)."""

import django_filters
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django.utils.translation import gettext_lazy as _

from repat.accounts.models import Region, User
from repat.core.choices import chooser
from repat.core.filters import SortFilter, StrictFilterSet

from .models import ApprovalRequest


class ApprovalFilter(StrictFilterSet):
    # Oldest or newest request first, on approval_queue_idx (status, region, requested_at) read either
    # way; the default depends on the status asked for (approval_queue).
    sort = SortFilter(
        orders={"requested": ("requested_at", "id"), "-requested": ("-requested_at", "-id")}, default="-requested"
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=ApprovalRequest.Status.choices, empty_label=_("Any status")
    )
    kind = django_filters.ChoiceFilter(label=_("Approval of"), choices=ApprovalRequest.Kind.choices)
    region = django_filters.ModelChoiceFilter(label=_("Region"), queryset=Region.objects.filter(parent__isnull=True))
    operation = django_filters.ChoiceFilter(
        label=_("Operation"), field_name="case__returnee__operation", choices=chooser("operations")
    )
    requested_by = django_filters.ModelChoiceFilter(
        label=_("Requested by"),
        queryset=User.objects.filter(role__in=[User.Role.SOCIAL_WORKER, User.Role.COORDINATOR], is_active=True),
    )

    class Meta:
        model = ApprovalRequest
        fields = ["status", "kind", "region", "operation", "requested_by"]

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if regions is not None:
            self.filters["region"].queryset = regions
            self.form.fields["region"].queryset = regions
            people = self.form.fields["requested_by"].queryset.filter(regions__in=regions).distinct()
            self.form.fields["requested_by"].queryset = people
        self.form.helper = helper = FormHelper()
        helper.form_method = "get"
        helper.layout = Layout(
            Row(
                Column("status", css_class="col-md-2"),
                Column("kind", css_class="col-md-2"),
                Column("region", css_class="col-md-2"),
                Column("operation", css_class="col-md-2"),
                Column("requested_by", css_class="col-md-2"),
                Column(Submit("", _("Filter"), css_class="mt-md-4"), css_class="col-md-2"),
            ),
            "sort",
        )
