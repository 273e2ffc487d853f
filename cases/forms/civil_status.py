"""Civil status: identity documents, consent, kinship tests and care arrangements."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from repat.core.forms import DateInput, SingleSubmitFormMixin, VersionedFormMixin

from .. import permissions
from ..models import CareArrangement, ConsentRecord, FamilyMember, IdentityDocument, KinshipTest, Returnee
from .base import HelperMixin


def _file_field(label):
    return forms.FileField(
        label=label,
        required=False,
        help_text=_("PDF, JPEG or PNG. Photos are stored without their location data."),
        # Not ClearableFileInput: there is nothing to clear, and its "clear" value (False) is not a file.
        widget=forms.FileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )


class PhotoForm(HelperMixin, forms.Form):
    photo = forms.FileField(
        label=_("Photo"),
        help_text=_("JPEG, PNG or WebP. It is kept small (800 pixels at most) and without its location data."),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )


class DocumentForm(HelperMixin, SingleSubmitFormMixin, VersionedFormMixin, forms.ModelForm):
    scan_file = _file_field(_("Scan"))

    class Meta:
        model = IdentityDocument
        fields = [
            "kind",
            "status",
            "number",
            "issuing_body",
            "requested_on",
            "issued_on",
            "expires_on",
            "responsible_organisation",
            "due_date",
            "notes",
        ]
        widgets = {
            "requested_on": DateInput(),
            "issued_on": DateInput(),
            "expires_on": DateInput(),
            "due_date": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["status"]  # changed through the status form, one transition at a time
        else:
            allowed = (
                IdentityDocument.Status.MISSING,
                IdentityDocument.Status.REQUESTED,
                IdentityDocument.Status.ISSUED,
            )
            self.fields["status"].choices = [c for c in IdentityDocument.Status.choices if c[0] in allowed]

    def data_for_action(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.fields}


class DocumentTransitionForm(HelperMixin, VersionedFormMixin, forms.Form):
    status = forms.ChoiceField(label=_("New status"))
    on = forms.DateField(label=_("Date"), widget=DateInput(), initial=timezone.localdate)
    reason = forms.CharField(label=_("Reason for refusal"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, document: IdentityDocument, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(IdentityDocument.Status.choices)
        self.fields["status"].choices = [(s, labels[s]) for s in document.next_statuses()]


class ConsentForm(HelperMixin, SingleSubmitFormMixin, forms.ModelForm):
    """Who gave consent is chosen among the people on the returnee's record: the returnee, the
    members of their family, and the guardians named by a current guardianship order."""

    giver = forms.ChoiceField(label=_("Given by"))
    form_file = _file_field(_("Signed form"))

    field_order = ["purpose", "giver", "provider", "service_category", "given_on", "expires_on", "form_file"]

    class Meta:
        model = ConsentRecord
        fields = ["purpose", "provider", "service_category", "given_on", "expires_on"]
        widgets = {"given_on": DateInput(), "expires_on": DateInput()}
        help_texts = {
            "provider": _(
                "For receiving services or sharing data: the organisation. To cover any provider of a kind "
                "of service, leave it empty and choose the category."
            ),
            "service_category": _(
                "Without a provider: any provider of this category. With one: only its services of this category."
            ),
            "expires_on": _("Required for sharing data."),
        }

    def __init__(self, *args, returnee: Returnee, **kwargs):
        from ..consent import min_age

        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = self.fields["provider"].queryset.order_by("name")
        self.fields["provider"].label_from_instance = lambda provider: provider.localized_name
        members = FamilyMember.objects.none()
        membership = getattr(returnee, "membership", None)
        if membership is not None:
            members = membership.family.members.exclude(pk=membership.pk).select_related("returnee")
        guardians = returnee.care_arrangements.filter(ended_on__isnull=True).exclude(guardianship_order_number="")
        self.members = {str(member.pk): member for member in members}
        self.guardians = {str(arrangement.pk): arrangement for arrangement in guardians}
        choices = [("", "---------"), ("self", ConsentRecord.GivenBy.SELF.label)]
        choices += [
            (f"member:{pk}", f"{member.display_name} — {member.get_relationship_display()}")
            for pk, member in self.members.items()
        ]
        choices += [
            (
                f"guardian:{pk}",
                _("%(name)s — legal guardian (order %(number)s)")
                % {"name": arrangement.guardian_name, "number": arrangement.guardianship_order_number},
            )
            for pk, arrangement in self.guardians.items()
        ]
        self.fields["giver"].choices = choices
        self.fields["giver"].help_text = _(
            "Below %(age)s, consent comes from a parent or legal guardian on record: a family member recorded as "
            "mother, father or guardian, or the guardian named by a guardianship order. From %(age)s the returnee "
            "may consent themself. Add a missing parent to the family first."
        ) % {"age": min_age()}

    def clean(self):
        data = super().clean()
        kind, _sep, pk = (data.get("giver") or "").partition(":")
        data["given_by"], data["giver"], data["guardianship"] = {
            "self": (ConsentRecord.GivenBy.SELF, None, None),
            "member": (ConsentRecord.GivenBy.MEMBER, self.members.get(pk), None),
            "guardian": (ConsentRecord.GivenBy.GUARDIAN, None, self.guardians.get(pk)),
        }.get(kind, (None, None, None))
        return data


class ConsentWithdrawForm(HelperMixin, forms.Form):
    on = forms.DateField(label=_("Withdrawn on"), widget=DateInput(), initial=timezone.localdate)
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class KinshipTestForm(HelperMixin, SingleSubmitFormMixin, forms.Form):
    relative = forms.ModelChoiceField(label=_("Tested against"), queryset=FamilyMember.objects.none())
    claimed_relationship = forms.ChoiceField(
        label=_("Claimed relationship of that person to the returnee"), choices=FamilyMember.Relationship.choices
    )
    consent = forms.ModelChoiceField(
        label=_("Consent to DNA testing"), queryset=ConsentRecord.objects.none(), required=False
    )
    laboratory = forms.CharField(label=_("Laboratory"), max_length=200)
    sample_date = forms.DateField(label=_("Sample date"), widget=DateInput())
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, returnee: Returnee, user, **kwargs):
        super().__init__(*args, **kwargs)
        families = permissions.families_in_scope(user)
        self.fields["relative"].queryset = (
            FamilyMember.objects.filter(family__in=families.values("pk"))
            .exclude(returnee=returnee)
            .select_related("family", "returnee")
        )
        self.fields["relative"].label_from_instance = lambda m: (
            f"{m.display_name} ({m.get_relationship_display()}, {m.family})"
        )
        self.fields["consent"].queryset = returnee.consents.filter(
            purpose=ConsentRecord.Purpose.DNA_TESTING, withdrawn_on__isnull=True
        )


class KinshipResultForm(HelperMixin, forms.Form):
    result = forms.ChoiceField(
        label=_("Result"), choices=[c for c in KinshipTest.Result.choices if c[0] != KinshipTest.Result.PENDING]
    )
    reported_on = forms.DateField(label=_("Result reported on"), widget=DateInput(), initial=timezone.localdate)
    confirm_relationship = forms.BooleanField(
        label=_("Confirm the relationship in the family record"),
        required=False,
        help_text=_("Only for a match: the returnee is placed in (or confirmed as part of) the relative's family."),
    )


class CareArrangementForm(HelperMixin, SingleSubmitFormMixin, VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = CareArrangement
        fields = [
            "kind",
            "caregiver_name",
            "caregiver_relationship",
            "placement_date",
            "prior_agreement",
            "guardian_name",
            "guardianship_order_number",
            "guardianship_order_date",
            "notes",
        ]
        widgets = {
            "placement_date": DateInput(),
            "guardianship_order_date": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("guardianship_order_number") and not cleaned.get("guardian_name"):
            self.add_error("guardian_name", _("Name the legal guardian the order appoints."))
        return cleaned
