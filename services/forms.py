from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms import HelperMixin
from repat.accounts.models import User
from repat.core.forms import DateInput, SingleSubmitFormMixin

from .models import Provider, Referral, ServiceType


class ServiceTypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.category.localized_name} — {obj.localized_name}"


class ReferralForm(HelperMixin, SingleSubmitFormMixin, forms.ModelForm):
    service_type = ServiceTypeChoiceField(
        label=_("Service"), queryset=ServiceType.objects.filter(is_active=True).select_related("category")
    )
    submit_now = forms.BooleanField(
        label=_("Submit to the coordinators now"),
        required=False,
        initial=True,
        help_text=_("Leave unticked to keep it as a draft."),
    )

    class Meta:
        model = Referral
        fields = [
            "service_type",
            "reason",
            "urgency",
            "plan_goal",
            "shares_data",
            "provider_contact",
            "provider_brief",
            "days_to_accept",
            "days_to_complete",
        ]
        widgets = {"reason": forms.Textarea(attrs={"rows": 3}), "provider_brief": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "days_to_accept": _("Leave empty for the service's default."),
            "days_to_complete": _("Leave empty for the service's default."),
        }

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        from cases.models import PlanGoal

        self.fields["plan_goal"].queryset = PlanGoal.objects.filter(
            plan__case=case, plan__status__in=["draft", "current"]
        )


class TransitionForm(HelperMixin, forms.Form):
    """One form for every step; it keeps only the fields its step asks for (`Step.fields`)."""

    expected_status = forms.CharField(widget=forms.HiddenInput)
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    provider = forms.ModelChoiceField(label=_("Provider"), queryset=Provider.objects.none(), required=False)
    assignee = forms.ModelChoiceField(label=_("Responsible person"), queryset=User.objects.none(), required=False)
    provider_brief = forms.CharField(
        label=_("What the provider needs to act"),
        help_text=Referral._meta.get_field("provider_brief").help_text,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    outcome = forms.CharField(label=_("Outcome"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    completed_on = forms.DateField(label=_("Completed on"), required=False, widget=DateInput())

    def __init__(self, *args, action: str, referral: Referral | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        asked = Referral.TRANSITIONS[action].fields
        keep = {"expected_status", *asked}
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        self.order_fields(asked)
        if "provider" in self.fields:
            providers = Provider.objects.filter(accepting_referrals=True)
            if referral is not None:
                providers = providers.filter(service_types=referral.service_type_id, regions=referral.region_id)
            self.fields["provider"].queryset = providers.distinct()
            self.fields["provider"].required = True
            self.fields["assignee"].queryset = User.objects.filter(
                is_active=True, role__in=[User.Role.PROVIDER, User.Role.SOCIAL_WORKER]
            ).select_related("provider_staff__provider")
            self.fields["comment"].help_text = _(
                "For the referral's history. The provider's staff read it only when data are shared."
            )
        for name in ("reason", "outcome"):
            if name in self.fields:
                self.fields[name].required = True


class BulkAssignForm(forms.Form):
    referrals = forms.ModelMultipleChoiceField(queryset=Referral.objects.none(), widget=forms.MultipleHiddenInput)
    provider = forms.ModelChoiceField(label=_("Provider"), queryset=Provider.objects.filter(accepting_referrals=True))
    assignee = forms.ModelChoiceField(
        label=_("Responsible person"),
        queryset=User.objects.filter(is_active=True, role__in=[User.Role.PROVIDER, User.Role.SOCIAL_WORKER]),
        required=False,
    )

    def __init__(self, *args, referrals, assignees=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["referrals"].queryset = referrals
        if assignees is not None:
            self.fields["assignee"].queryset = assignees
