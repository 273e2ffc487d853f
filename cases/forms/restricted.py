"""The restricted section (legal records) and emergency access ("breaking the glass")."""

from django import forms
from django.utils.translation import gettext_lazy as _

from repat.core.forms import VersionedFormMixin

from ..actions import emergency_number_check, emergency_reason_check
from ..models import LegalRecord
from .base import _helper


class RestrictedSectionForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = LegalRecord
        fields = list(LegalRecord.FIELDS)
        widgets = {field: forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}) for field in LegalRecord.FIELDS}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()

    def _post_clean(self):
        pass  # the action validates and saves


class EmergencyAccessForm(forms.Form):
    """The case number's form and the reason's words are checked here, before anything is looked up
    or counted (the action checks them again): a typing mistake is not an attempt."""

    case_number = forms.CharField(label=_("Case number"), max_length=30)
    reason = forms.CharField(
        label=_("Why you need this case now"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Your reason, the time and your name are recorded, and the region's supervisors are told."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()

    def clean_case_number(self):
        return _action_check(emergency_number_check, self.cleaned_data["case_number"])

    def clean_reason(self):
        return _action_check(emergency_reason_check, self.cleaned_data["reason"])


def _action_check(check, value):
    """An action's own check of one field, its message shown next to that field."""
    try:
        return check(value)
    except forms.ValidationError as error:
        raise forms.ValidationError(next(iter(error.message_dict.values()))) from None
