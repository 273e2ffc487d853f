"""A probable duplicate the registering worker could not see: a coordinator, supervisor or
administrator who sees both records compares them and decides."""

from django.contrib import messages
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import FormView

from repat.audit import actions as audit
from repat.core.views import ActionFormMixin, PermissionMixin

from .. import actions, permissions, selectors
from ..forms import DuplicateDecisionForm


def merge_url(decision) -> str:
    """Where "the same person" leads: the merge of the two records, from the one registered last."""
    return reverse("cases:returnee_merge", args=[decision.returnee_id])


class DuplicateDecideView(PermissionMixin, ActionFormMixin, FormView):
    template_name = "cases/duplicate_decide.html"
    form_class = DuplicateDecisionForm

    def load_objects(self):
        # Anyone who does not see both records (or does not decide) gets the 404 of a missing page.
        self.decision = selectors.duplicate_decision_get(user=self.request.user, pk=self.kwargs["pk"])

    def has_permission(self) -> bool:
        return self.is_read() or permissions.can_decide_duplicate(self.request.user, self.decision)

    def perform(self, form) -> str:
        same = form.cleaned_data["decision"] == "same"
        actions.duplicate_decide(
            actor=self.request.user, decision=self.decision, same=same, reason=form.cleaned_data["reason"]
        )
        if same and permissions.can_merge_both(self.request.user, self.decision):
            messages.success(self.request, _("Recorded as the same person: merge the two records."))
            return merge_url(self.decision)
        if same:
            messages.success(
                self.request, _("Recorded as the same person. A supervisor has been asked to merge the two records.")
            )
            return self.request.path
        messages.success(self.request, _("Recorded as different people."))
        return self.decision.returnee.get_absolute_url()

    def can_merge(self, decision) -> bool:
        same = decision.status == decision.Status.SAME
        return same and permissions.can_merge_both(self.request.user, decision)

    def get_context_data(self, **kwargs):
        decision = self.decision
        for returnee in (decision.returnee, decision.candidate):
            audit.record_view(self.request, returnee, case_id=returnee.case.pk)
        mothers = selectors.mothers_of([decision.returnee, decision.candidate])
        return super().get_context_data(
            decision=decision,
            merge_url=merge_url(decision) if self.can_merge(decision) else "",
            people=[
                (decision.returnee, mothers.get(decision.returnee_id, "")),
                (decision.candidate, mothers.get(decision.candidate_id, "")),
            ],
            **kwargs,
        )
