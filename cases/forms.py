"""Input shape and layout. Rules live in models (clean) and actions; forms only collect input."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from repat.accounts.models import Region, User
from repat.core.forms import DateInput, SingleSubmitFormMixin, VersionedFormMixin

from . import permissions
from .actions import emergency_number_check, emergency_reason_check
from .models import (
    Assessment,
    CareArrangement,
    Case,
    ConsentRecord,
    FamilyMember,
    FollowUpTask,
    IdentityDocument,
    KinshipTest,
    Language,
    LegalRecord,
    Note,
    PlanDomain,
    PlanGoal,
    Returnee,
)


def _helper(*layout) -> FormHelper:
    """Crispy helper for forms rendered inside a page's own <form> tag (several forms, one submit)."""
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    helper.render_hidden_fields = True  # the version of an edit form, wherever the layout ends
    if layout:
        helper.layout = Layout(*layout)
    return helper


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
        self.fields["family"].queryset = permissions.families_in_scope(user).select_related("region")
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
        cleaned = super().clean()
        if not cleaned.get("family") and not cleaned.get("new_family_name", "").strip():
            self.add_error("family", _("Choose a family or give the name of a new one."))
        if cleaned.get("family") and cleaned.get("new_family_name", "").strip():
            self.add_error("new_family_name", _("Choose an existing family or a new one, not both."))
        if cleaned.get("risk_level") == Case.Risk.HIGH and not cleaned.get("risk_reason", "").strip():
            self.add_error("risk_reason", _("Say why the risk is high."))
        return cleaned


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


# --- Documents, consent, kinship, care, assessments and plans --------------------------------------


class HelperMixin:
    """A crispy helper that renders the fields in order inside the page's own <form> tag."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


def _file_field(label):
    return forms.FileField(
        label=label,
        required=False,
        help_text=_("PDF, JPEG or PNG. Photos are stored without their location data."),
        # Not ClearableFileInput: there is nothing to clear, and its "clear" value (False) is not a file.
        widget=forms.FileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
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
        from .consent import min_age

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


class TransferForm(HelperMixin, SingleSubmitFormMixin, forms.Form):
    to_region = forms.ModelChoiceField(label=_("To region"), queryset=Region.objects.filter(parent__isnull=True))
    to_worker = forms.ModelChoiceField(
        label=_("To social worker"),
        queryset=User.objects.filter(role=User.Role.SOCIAL_WORKER, is_active=True),
        required=False,
        help_text=_("Leave empty to let a coordinator of the region choose."),
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class TransferDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("Accept")), ("decline", _("Decline"))])
    worker = forms.ModelChoiceField(label=_("Social worker"), queryset=User.objects.none(), required=False)
    comment = forms.CharField(label=_("Comment"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = permissions.assignable_workers(user)


class FollowUpTaskForm(HelperMixin, SingleSubmitFormMixin, forms.ModelForm):
    class Meta:
        model = FollowUpTask
        fields = ["description", "due_date", "assigned_to"]
        widgets = {"due_date": DateInput()}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        colleagues = Q(
            is_active=True,
            role__in=[User.Role.SOCIAL_WORKER, User.Role.COORDINATOR],
            regions__in=user.regions.values("pk"),
        )
        self.fields["assigned_to"].queryset = User.objects.filter(colleagues | Q(pk=user.pk)).distinct()
        self.fields["assigned_to"].initial = user.pk


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
