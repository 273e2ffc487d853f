"""Registering a returnee with their family and case; editing the case; logging a contact; adding
a relative."""

from crispy_forms.layout import Column, Fieldset, Row
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from repat.accounts.models import Region
from repat.core.forms import DateInput, SingleSubmitFormMixin, VersionedFormMixin

from .. import permissions
from ..models import Case, FamilyMember, Language, Note, Returnee
from .base import _helper, clean_family_and_risk
from .families import FamilyChoiceField


class ReturneeForm(VersionedFormMixin, forms.ModelForm):
    aliases = forms.CharField(
        label=_("Other spellings of the name"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line, in any script (Cyrillic, Latin, Arabic), as written on documents."),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"),
        choices=Language.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Returnee
        fields = [
            "family_name",
            "given_name",
            "patronymic",
            "sex",
            "date_of_birth",
            "date_of_birth_precision",
            "place_of_birth",
            "born_in_conflict_zone",
            "operation",
            "departure_place",
            "arrival_date",
            "citizenship_status",
            "languages",
            "special_needs",
            "region",
            "district",
            "locality",
        ]
        widgets = {
            "date_of_birth": DateInput(),
            "arrival_date": DateInput(),
            "special_needs": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["aliases"].initial = "\n".join(alias.name for alias in self.instance.aliases.all())
        self.fields["region"].queryset = Region.objects.filter(parent__isnull=True)
        self.fields["district"].queryset = Region.objects.filter(kind=Region.Kind.DISTRICT).select_related("parent")
        self.fields["district"].label_from_instance = lambda d: f"{d.parent} / {d}"
        self.helper = _helper(
            Fieldset(
                _("Identity"),
                Row(Column("family_name"), Column("given_name"), Column("patronymic")),
                "aliases",
                Row(Column("sex"), Column("date_of_birth"), Column("date_of_birth_precision")),
                Row(Column("place_of_birth"), Column("born_in_conflict_zone")),
            ),
            Fieldset(
                _("Return"),
                Row(Column("operation"), Column("departure_place"), Column("arrival_date")),
                "citizenship_status",
            ),
            Fieldset(_("Languages and needs"), "languages", "special_needs"),
            Fieldset(_("Current address"), Row(Column("region"), Column("district")), "locality"),
        )

    def alias_list(self) -> list[str]:
        return self.cleaned_data["aliases"].splitlines()

    def returnee_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class RegistrationForm(SingleSubmitFormMixin, forms.Form):
    """The case and family part of registering a returnee."""

    family = forms.ModelChoiceField(
        label=_("Existing family"),
        queryset=None,
        required=False,
        help_text=_("Choose the household this person belongs to, or name a new one below."),
    )
    new_family_name = forms.CharField(label=_("Or a new family"), max_length=200, required=False)
    relationship = forms.ChoiceField(label=_("Role in the family"), choices=FamilyMember.Relationship.choices)
    is_head = forms.BooleanField(label=_("Head of household"), required=False)
    worker = forms.ModelChoiceField(label=_("Social worker"), queryset=None, required=False)
    risk_level = forms.ChoiceField(label=_("Risk level"), choices=Case.Risk.choices, initial=Case.Risk.MEDIUM)
    risk_reason = forms.CharField(
        label=_("Reason for the risk level"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["family"] = FamilyChoiceField(
            user=user, label=self.fields["family"].label, required=False, help_text=self.fields["family"].help_text
        )
        workers = permissions.assignable_workers(user)
        self.fields["worker"].queryset = workers
        if user.role == user.Role.SOCIAL_WORKER:
            del self.fields["worker"]
        self.helper = _helper(
            Fieldset(
                _("Family"),
                Row(Column("family"), Column("new_family_name")),
                Row(Column("relationship"), Column("is_head")),
            ),
            Fieldset(_("Case"), *(["worker"] if "worker" in self.fields else []), "risk_level", "risk_reason"),
            "form_token",
        )

    def clean(self):
        return clean_family_and_risk(self, super().clean())


class CaseForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = Case
        fields = ["status", "risk_level", "risk_reason", "next_follow_up", "worker"]
        widgets = {"next_follow_up": DateInput(), "risk_reason": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.is_closed:
            # Closing goes through a supervisor's approval (the "Request closure" form), not this one.
            self.fields["status"].choices = [c for c in Case.Status.choices if c[0] != Case.Status.CLOSED]
        if permissions.can_assign_worker(user):
            self.fields["worker"].queryset = permissions.assignable_workers(user)
        else:
            del self.fields["worker"]
        self.helper = _helper(
            Row(Column("status"), Column("risk_level"), Column("next_follow_up")),
            "risk_reason",
            *(["worker"] if "worker" in self.fields else []),
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("risk_level") == Case.Risk.HIGH and not cleaned.get("risk_reason", "").strip():
            self.add_error("risk_reason", _("Say why the risk is high."))
        return cleaned

    def _post_clean(self):
        # The action clears the closure date and reason on reopening; do not validate the
        # half-updated instance against the closure constraint here.
        pass

    def case_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields if name != "version"}


class NoteForm(SingleSubmitFormMixin, forms.ModelForm):
    next_follow_up = forms.DateField(
        label=_("Next follow-up"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty to keep the current date."),
    )

    class Meta:
        model = Note
        fields = ["contact_date", "kind", "summary", "follow_up_needed"]
        widgets = {"contact_date": DateInput(), "summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact_date"].initial = timezone.localdate
        self.helper = _helper(
            Row(Column("contact_date"), Column("kind")),
            "summary",
            Row(Column("follow_up_needed"), Column("next_follow_up")),
            "form_token",
        )

    def clean_contact_date(self):
        value = self.cleaned_data["contact_date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("A contact cannot be logged in the future."))
        return value

    def clean_next_follow_up(self):
        value = self.cleaned_data["next_follow_up"]
        if value and value < timezone.localdate():
            raise forms.ValidationError(_("The next follow-up cannot be in the past."))
        return value

    def _post_clean(self):
        # The case and author are set by the action, which validates the full note.
        pass


class FamilyMemberForm(SingleSubmitFormMixin, forms.Form):
    """Add a relative who is not a returnee (a grandmother at home, a mother abroad)."""

    full_name = forms.CharField(label=_("Full name"), max_length=200)
    relationship = forms.ChoiceField(label=_("Relationship"), choices=FamilyMember.Relationship.choices)
    whereabouts = forms.ChoiceField(label=_("Whereabouts"), choices=FamilyMember.Whereabouts.choices)
    is_head = forms.BooleanField(label=_("Head of household"), required=False)
    notes = forms.CharField(label=_("Notes"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Row(Column("full_name"), Column("relationship")),
            Row(Column("whereabouts"), Column("is_head")),
            "notes",
            "form_token",
        )
