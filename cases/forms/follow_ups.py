"""Follow-up tasks on a case."""

from django import forms
from django.db.models import Q

from repat.accounts.models import User
from repat.core.forms import DateInput, SingleSubmitFormMixin

from ..models import FollowUpTask
from .base import HelperMixin


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
