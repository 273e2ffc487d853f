"""Asking for a case's transfer and answering it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from repat.accounts.models import Region, User
from repat.core.forms import SingleSubmitFormMixin

from .. import permissions
from .base import HelperMixin


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
