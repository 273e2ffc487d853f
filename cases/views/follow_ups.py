"""Follow-up tasks on a case."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from repat.core.views import SingleSubmitMixin

from .. import actions, selectors
from ..forms import FollowUpTaskForm
from .base import CaseWriteView


class TaskCreateView(SingleSubmitMixin, CaseWriteView):
    title = gettext_lazy("Schedule a follow-up task")
    form_class = FollowUpTaskForm

    def load(self, pk):
        return selectors.case_get(user=self.request.user, pk=pk)

    def case_of(self, case):
        return case

    def success_url_for(self, result) -> str:
        return self.case.get_absolute_url() + "#tasks"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def perform(self, form) -> str:
        data = form.cleaned_data
        actions.task_schedule(
            actor=self.request.user,
            case=self.case,
            due_date=data["due_date"],
            description=data["description"],
            assigned_to=data["assigned_to"],
        )
        messages.success(self.request, _("The task was scheduled."))
        return self.success_url_for(None)


class TaskDoneView(View):
    def post(self, request, pk):
        task = get_object_or_404(selectors.tasks_visible_to(user=request.user), pk=pk)
        try:
            actions.task_done(actor=request.user, task=task)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The task is done."))
        return redirect(task.case.get_absolute_url() + "#tasks")
