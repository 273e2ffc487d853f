"""Merging two records of one person: naming the other record, then choosing which one is kept."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .base import HelperMixin


class MergeFindForm(HelperMixin, forms.Form):
    case_number = forms.CharField(
        label=_("Case number of the other record"),
        max_length=30,
        help_text=_("The other record of the same person, for example KG-2023-00042."),
    )

    def clean_case_number(self) -> str:
        return self.cleaned_data["case_number"].strip().upper()


class MergeForm(HelperMixin, forms.Form):
    """The choice made on the side-by-side preview. The versions are those of the two records as the
    preview showed them: the merge is refused if either changed since."""

    KEEP_THIS, KEEP_OTHER = "this", "other"

    other = forms.IntegerField(widget=forms.HiddenInput)
    keep = forms.ChoiceField(
        label=_("Record to keep"),
        widget=forms.RadioSelect,
        choices=[(KEEP_THIS, _("This record")), (KEEP_OTHER, _("The other record"))],
        initial=KEEP_THIS,
    )
    reason = forms.CharField(
        label=_("Why these are the same person"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
    version_this = forms.CharField(widget=forms.HiddenInput, required=False)
    version_other = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, this_label: str = "", other_label: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if this_label and other_label:
            self.fields["keep"].choices = [(self.KEEP_THIS, this_label), (self.KEEP_OTHER, other_label)]


class MergeUndoForm(HelperMixin, forms.Form):
    reason = forms.CharField(
        label=_("Why the merge is undone"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
