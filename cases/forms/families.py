"""A family in one form: what the household shares typed once, then a row per person; and the
family picker that shows enough (members, operation, region) to choose the right household."""

from crispy_forms.layout import HTML, Column, Div, Fieldset, Row
from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy

from repat.accounts.models import Region
from repat.core.forms import DateInput, SingleSubmitFormMixin

from .. import permissions, selectors
from ..models import Case, FamilyMember, Language, Returnee, Sex
from .base import _helper, clean_family_and_risk

# How many given names a picker label spells out before "…": enough to recognise a household.
PICKER_NAMES = 6
# At most this many children's rows in one family form (a household of a manifest is rarely above ten).
MAX_PEOPLE = 15

R = FamilyMember.Relationship
CAREGIVER_RELATIONSHIPS = [R.MOTHER, R.FATHER, R.GRANDPARENT, R.AUNT_UNCLE, R.SIBLING, R.GUARDIAN, R.OTHER_RELATIVE]
CHILD_RELATIONSHIPS = [R.CHILD, R.GRANDCHILD, R.NIECE_NEPHEW, R.SIBLING, R.OTHER_RELATIVE]


def family_choice_label(family) -> str:
    """A family as the picker shows it, from the members `selectors.family_choices` fetched with it:
    `Жумабаевы: Асель, Хамза, Гулнара Жумабаева (3 people) · Мээрим-3 · Chüy Oblast`."""
    members = family.picker_members
    names = [m.returnee.given_name if m.returnee_id else m.full_name for m in members]
    shown = ", ".join(names[:PICKER_NAMES]) + ("…" if len(names) > PICKER_NAMES else "")
    count = ngettext("%(count)s person", "%(count)s people", len(members)) % {"count": len(members)}
    operations = list(dict.fromkeys(str(m.returnee.operation) for m in members if m.returnee_id))
    parts = [f"{family.name}: {shown} ({count})" if names else f"{family.name} ({count})"]
    if operations:
        parts.append(", ".join(operations))
    parts.append(str(family.region))
    return " · ".join(parts)


class FamilyChoiceField(forms.ModelChoiceField):
    """A family picker over the families the user may register people into (`user`), each labelled
    with its members, operation and region (not only a surname, which many households share)."""

    def __init__(self, *, user, **kwargs):
        super().__init__(queryset=selectors.family_choices(user=user), **kwargs)

    def label_from_instance(self, obj) -> str:
        return family_choice_label(obj)


class FamilySharedForm(forms.ModelForm):
    """What the people of a household registered together have in common: typed once."""

    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"), choices=Language.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Returnee
        fields = [
            "operation",
            "departure_place",
            "arrival_date",
            "citizenship_status",
            "languages",
            "region",
            "district",
            "locality",
        ]
        widgets = {"arrival_date": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="shared", **kwargs)
        self.fields["region"].queryset = Region.objects.filter(parent__isnull=True)
        self.fields["district"].queryset = Region.objects.filter(kind=Region.Kind.DISTRICT).select_related("parent")
        self.fields["district"].label_from_instance = lambda d: f"{d.parent} / {d}"
        self.helper = _helper(
            Fieldset(
                _("What the family shares"),
                Row(Column("operation"), Column("departure_place"), Column("arrival_date")),
                "citizenship_status",
                "languages",
                Row(Column("region"), Column("district")),
                "locality",
            )
        )

    def shared_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


# Each person's own fields in the family form (the rest is shared by the family).
PERSON_FIELDS = [
    "family_name",
    "given_name",
    "patronymic",
    "sex",
    "date_of_birth",
    "date_of_birth_precision",
    "place_of_birth",
    "born_in_conflict_zone",
    "special_needs",
]


class FamilyPersonForm(forms.ModelForm):
    """One person's own fields. The model's rules (a date of birth in the past...) are checked here;
    the date of arrival, which is shared, is checked against it by the page."""

    relationship_choices = CHILD_RELATIONSHIPS

    aliases = forms.CharField(
        label=_("Other spellings of the name"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line, in any script (Cyrillic, Latin, Arabic), as written on documents."),
    )
    relationship = forms.ChoiceField(label=_("Role in the family"))

    class Meta:
        model = Returnee
        fields = PERSON_FIELDS
        widgets = {"date_of_birth": DateInput(), "special_needs": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["relationship"].choices = [(r.value, r.label) for r in self.relationship_choices]
        self.fields["relationship"].initial = self.relationship_choices[0]
        self.helper = _helper(*self.layout())

    def layout(self) -> list:
        return [
            Row(Column("family_name"), Column("given_name"), Column("patronymic")),
            "aliases",
            Row(Column("sex"), Column("date_of_birth"), Column("date_of_birth_precision")),
            Row(Column("relationship"), Column("place_of_birth")),
            Row(Column("born_in_conflict_zone"), Column("special_needs")),
        ]

    def person(self):
        from ..actions import FamilyPerson

        data = self.cleaned_data
        return FamilyPerson(
            data={name: data[name] for name in self.Meta.fields},
            aliases=data["aliases"].splitlines(),
            relationship=data["relationship"],
            is_head=data.get("is_head", False),
        )


class CaregiverForm(FamilyPersonForm):
    """The mother or other caregiver: left empty when she is in the chosen family already."""

    relationship_choices = CAREGIVER_RELATIONSHIPS
    is_head = forms.BooleanField(label=_("Head of household"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="carer", empty_permitted=True, use_required_attribute=False, **kwargs)
        self.fields["sex"].initial = Sex.FEMALE

    def layout(self) -> list:
        return [
            Fieldset(_("Mother or other caregiver"), *super().layout(), "is_head", css_class="family-carer"),
        ]


class ChildForm(FamilyPersonForm):
    """A child's row; its DELETE box (added by the formset) removes it without JavaScript."""

    def layout(self) -> list:
        return [
            Div(
                Div(
                    HTML(
                        '<h3 class="h6 mb-0 family-row-title">{% load i18n %}{% translate "Child" %} '
                        '<span class="family-row-number"></span></h3>'
                    ),
                    Div("DELETE", css_class="family-row-delete"),
                    css_class="d-flex flex-wrap justify-content-between align-items-center gap-2 mb-2",
                ),
                *super().layout(),
                css_class="family-row border rounded p-3 mb-3",
            )
        ]


class BaseChildFormSet(forms.BaseFormSet):
    """The children's rows. The same child typed twice is refused on the later row."""

    default_error_messages = {
        "too_few_forms": ngettext_lazy("Add at least %(num)d child.", "Add at least %(num)d children.", "num"),
        "too_many_forms": ngettext_lazy(
            "At most %(num)d child can be registered at once.",
            "At most %(num)d children can be registered at once.",
            "num",
        ),
    }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("form_kwargs", {})["use_required_attribute"] = False
        super().__init__(*args, prefix="child", **kwargs)

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["DELETE"].label = _("Remove this row")

    def clean(self):
        super().clean()
        seen = {}
        for number, form in enumerate(self.forms, start=1):
            if not hasattr(form, "cleaned_data") or not form.cleaned_data or self._should_delete_form(form):
                continue
            data = form.cleaned_data
            key = (
                (data.get("family_name") or "").strip().casefold(),
                (data.get("given_name") or "").strip().casefold(),
                data.get("date_of_birth"),
            )
            if key in seen:
                form.add_error("given_name", _("This child is in row %(row)s already.") % {"row": seen[key]})
            else:
                seen[key] = number


ChildFormSet = forms.formset_factory(
    ChildForm,
    formset=BaseChildFormSet,
    extra=1,
    min_num=1,
    validate_min=True,
    max_num=MAX_PEOPLE,
    validate_max=True,
    absolute_max=MAX_PEOPLE,
    can_delete=True,
)


class FamilyCaseForm(SingleSubmitFormMixin, forms.Form):
    """The household and the cases of a family registration."""

    new_family_name = forms.CharField(
        label=_("Or a new family"),
        max_length=200,
        required=False,
        help_text=_("How the household is known, e.g. the head's family name."),
    )
    worker = forms.ModelChoiceField(label=_("Social worker"), queryset=None, required=False)
    risk_level = forms.ChoiceField(label=_("Risk level"), choices=Case.Risk.choices, initial=Case.Risk.MEDIUM)
    risk_reason = forms.CharField(
        label=_("Reason for the risk level"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {
            "family": FamilyChoiceField(
                user=user,
                label=_("Existing family"),
                required=False,
                help_text=_("Choose the household these people belong to, or name a new one."),
            ),
            **self.fields,
        }
        self.fields["worker"].queryset = permissions.assignable_workers(user)
        if user.role == user.Role.SOCIAL_WORKER:
            del self.fields["worker"]
        # Two parts of the page: the household first, the cases after the people.
        self.family_helper = _helper(Fieldset(_("Family"), Row(Column("family"), Column("new_family_name"))))
        self.family_helper.render_hidden_fields = False
        self.helper = _helper(
            Fieldset(_("Cases"), *(["worker"] if "worker" in self.fields else []), "risk_level", "risk_reason"),
            "form_token",
        )

    def clean(self):
        return clean_family_and_risk(self, super().clean())
