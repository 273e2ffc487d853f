"""The manifest import's forms: the upload, and the mapping of another shape's columns."""

from django import forms
from django.utils.translation import gettext_lazy as _

from repat.accounts.models import Region

from .. import permissions
from ..manifest.reading import MAX_BYTES
from ..manifest.rows import COLUMNS
from ..models import ManifestMapping, Operation
from .base import HelperMixin


class ManifestUploadForm(HelperMixin, forms.Form):
    file = forms.FileField(
        label=_("Manifest (.xlsx or .csv)"),
        help_text=_("One person per row, with the template's columns or mapped on the next page."),
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=100,
        required=False,
        help_text=_("Who sent the list; a mapping saved for this source is used again."),
    )
    operation = forms.ModelChoiceField(
        label=_("Operation"),
        queryset=Operation.objects.all(),
        required=False,
        help_text=_("For the rows whose operation column is empty."),
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.none(),
        required=False,
        help_text=_("For the rows whose region column is empty."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        regions = Region.objects.filter(parent__isnull=True)
        allowed = permissions.import_regions(user)
        self.fields["region"].queryset = regions if allowed is None else regions.filter(pk__in=allowed)
        self.fields["source"].widget.attrs["list"] = "manifest-sources"
        self.sources = list(ManifestMapping.objects.values_list("source", flat=True)[:200])

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if uploaded.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is too large."))
        return uploaded


class ManifestMappingForm(HelperMixin, forms.Form):
    """One choice per template field: which of the file's columns holds it."""

    save_for = forms.CharField(
        label=_("Save this mapping for the source"),
        max_length=100,
        required=False,
        help_text=_("The next file from this source is read the same way."),
    )

    def __init__(self, *args, header: list[str], mapping: dict[str, str], source: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("— not in this file —"))] + [(title, title) for title in header if title]
        fields = {}
        for field, label in COLUMNS.items():
            fields[field] = forms.ChoiceField(label=label, choices=choices, required=False, initial=mapping.get(field))
        self.fields = {**fields, **self.fields}
        self.fields["save_for"].initial = source

    def mapping(self) -> dict[str, str]:
        return {field: self.cleaned_data[field] for field in COLUMNS if self.cleaned_data.get(field)}
