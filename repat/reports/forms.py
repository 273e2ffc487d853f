import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from cases.models import Operation
from repat.accounts.models import Organisation
from repat.core.forms import DateInput, VersionedFormMixin

from .models import ProgressReport


def default_period(today):
    """The last twelve months: from the first day of the month eleven months ago to today."""
    month = today.month - 11
    year = today.year + (month - 1) // 12
    return today.replace(year=year, month=(month - 1) % 12 + 1, day=1), today


def last_quarter(today):
    """The last full calendar quarter before today: the usual period of a donor report."""
    end = datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1) - datetime.timedelta(days=1)
    return datetime.date(end.year, end.month - 2, 1), end


class DashboardFilterForm(forms.Form):
    start = forms.DateField(label=pgettext_lazy("period", "From"), widget=DateInput(), required=False)
    end = forms.DateField(label=pgettext_lazy("period", "To"), widget=DateInput(), required=False)
    operation = forms.ModelChoiceField(label=_("Operation"), queryset=Operation.objects.all(), required=False)
    region = forms.ModelChoiceField(label=_("Region"), queryset=None, required=False)
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects.all(), required=False)

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        self.helper = helper = FormHelper()
        helper.form_method = "get"
        helper.layout = Layout(
            Row(
                Column("start", css_class="col-md-2"),
                Column("end", css_class="col-md-2"),
                Column("operation", css_class="col-md-2"),
                Column("region", css_class="col-md-2"),
                Column("organisation", css_class="col-md-2"),
                Column(Submit("", _("Show"), css_class="mt-md-4"), css_class="col-md-2"),
            )
        )

    def clean(self):
        cleaned = super().clean()
        today = timezone.localdate()
        start, end = default_period(today)
        cleaned["start"] = cleaned.get("start") or start
        cleaned["end"] = cleaned.get("end") or end
        # elif: add_error takes "end" out of the cleaned data.
        if cleaned["end"] > today:
            self.add_error("end", _("The period cannot end in the future."))
        elif cleaned["end"] < cleaned["start"]:
            self.add_error("end", _("The period cannot end before it starts."))
        return cleaned


class ReportForm(forms.ModelForm):
    class Meta:
        model = ProgressReport
        fields = [
            "period_start",
            "period_end",
            "operation",
            "region",
            "language",
            "summary",
            "achievements",
            "challenges",
            "next_steps",
        ]
        widgets = {
            "period_start": DateInput(),
            "period_end": DateInput(),
            **{
                name: forms.Textarea(attrs={"rows": 3})
                for name in ("summary", "achievements", "challenges", "next_steps")
            },
        }

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        self.fields["period_start"].initial, self.fields["period_end"].initial = last_quarter(timezone.localdate())
        self.fields["language"].initial = get_language() if get_language() in dict(settings.LANGUAGES) else "en"
        self.helper = helper = FormHelper()
        helper.form_tag = False
        helper.disable_csrf = True
        helper.layout = Layout(
            Row(Column("period_start"), Column("period_end"), Column("language")),
            Row(Column("operation"), Column("region")),
            "summary",
            "achievements",
            "challenges",
            "next_steps",
        )

    def _post_clean(self):
        # The action checks the period and the region against the author's scope.
        pass


class NarrativeForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = ProgressReport
        fields = ["summary", "achievements", "challenges", "next_steps"]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in fields}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = helper = FormHelper()
        helper.form_tag = False
        helper.disable_csrf = True
