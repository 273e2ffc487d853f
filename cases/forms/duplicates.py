"""The duplicate check's two forms: the registering worker's "a different person", and the
coordinator's decision on a match the worker could not see."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .base import HelperMixin, _helper


class DistinctPersonForm(forms.Form):
    """Shown under the probable matches of a registration. `shown` carries the fingerprint of the
    matches the worker saw (`cases.search.duplicates_fingerprint`), never their ids. Whether a
    reason is needed is the action's rule (`duplicates_check`), which answers with the matches; the
    fields themselves are never invalid (no length, no choices), so the matches always come back."""

    distinct_person = forms.BooleanField(label=_("This is a different person"), required=False)
    distinct_reason = forms.CharField(
        label=_("Why this is a different person"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept on the record, for example: another mother, another village, seen in person."),
    )
    shown = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("distinct_person", "distinct_reason", "shown")


class DuplicateDecisionForm(HelperMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("same", _("The same person")), ("different", _("Different people"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required for different people."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "different" and not cleaned.get("reason", "").strip():
            self.add_error("reason", _("Say why these are different people."))
        return cleaned
