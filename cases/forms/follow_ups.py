"""Follow-up tasks on a case."""

from django import forms

from repat.core.forms import DateInput, SingleSubmitFormMixin

from .. import permissions
from ..models import FollowUpTask
from .base import HelperMixin


class FollowUpTaskForm(HelperMixin, SingleSubmitFormMixin, forms.ModelForm):
    class Meta:
        model = FollowUpTask
        fields = ["description", "due_date", "assigned_to"]
        widgets = {"due_date": DateInput()}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = permissions.task_assignees(user)
        self.fields["assigned_to"].initial = user.pk
