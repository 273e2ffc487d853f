"""Assessments and the reintegration plan's goals."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from repat.core.forms import DateInput, SingleSubmitFormMixin, VersionedFormMixin

from ..models import Assessment, Case, PlanDomain, PlanGoal
from .base import HelperMixin


class AssessmentForm(HelperMixin, SingleSubmitFormMixin, VersionedFormMixin, forms.ModelForm):
    recommended_domains = forms.MultipleChoiceField(
        label=_("Needs recommended for the plan"),
        choices=PlanDomain.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Assessment
        fields = [
            "kind",
            "status",
            "due_date",
            "assessed_on",
            "assessor",
            "tool",
            "score",
            "findings",
            "recommendations",
            "recommended_domains",
        ]
        widgets = {
            "due_date": DateInput(),
            "assessed_on": DateInput(),
            "findings": forms.Textarea(attrs={"rows": 3}),
            "recommendations": forms.Textarea(attrs={"rows": 3}),
        }

    def data_for_action(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class GoalForm(HelperMixin, SingleSubmitFormMixin, VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = PlanGoal
        fields = ["domain", "goal", "actions", "responsible", "target_date", "status", "source_assessment"]
        widgets = {"target_date": DateInput(), "actions": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source_assessment"].queryset = case.assessments.filter(status=Assessment.Status.COMPLETED)

    def data_for_action(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class GoalProgressForm(HelperMixin, SingleSubmitFormMixin, forms.Form):
    written_on = forms.DateField(label=_("Date"), widget=DateInput(), initial=timezone.localdate)
    text = forms.CharField(label=_("Progress"), widget=forms.Textarea(attrs={"rows": 2}))
