"""Assessments and the reintegration plan with its goals."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from repat.approvals import permissions as approval_permissions
from repat.approvals import selectors as approval_selectors
from repat.audit import actions as audit
from repat.core.views import ActionFormMixin, SingleSubmitMixin, VersionedEditMixin

from .. import actions, permissions, selectors
from ..forms import AssessmentForm, GoalForm, GoalProgressForm
from .base import CaseWriteView, _visible


class AssessmentCreateView(SingleSubmitMixin, CaseWriteView):
    title = gettext_lazy("Record an assessment")
    form_class = AssessmentForm

    def load(self, pk):
        return selectors.case_get(user=self.request.user, pk=pk)

    def case_of(self, case):
        return case

    def success_url_for(self, result) -> str:
        return self.case.get_absolute_url() + "#assessments"

    def perform(self, form) -> str:
        actions.assessment_record(actor=self.request.user, case=self.case, data=form.data_for_action())
        messages.success(self.request, _("The assessment was recorded."))
        return self.success_url_for(None)


class AssessmentUpdateView(VersionedEditMixin, ActionFormMixin, CaseWriteView):
    title = gettext_lazy("Edit assessment")
    form_class = AssessmentForm
    success_url_for = AssessmentCreateView.success_url_for

    def load(self, pk):
        return _visible(permissions.assessments_visible_to(self.request.user), pk, "case__returnee")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object}

    def perform(self, form) -> str:
        actions.assessment_update(
            actor=self.request.user, assessment=self.object, data=form.data_for_action(), version=form.opened_version()
        )
        messages.success(self.request, _("The assessment was saved."))
        return self.success_url_for(None)


class PlanView(TemplateView):
    """A case's reintegration plan: the current version, or the draft, or a start button."""

    template_name = "cases/plan_detail.html"

    def get(self, request, *args, **kwargs):
        case = selectors.case_get(user=request.user, pk=kwargs["pk"])
        plan = selectors.plan_latest(case=case)
        if plan is not None:
            return redirect(plan.get_absolute_url())
        return self.render_to_response(
            self.get_context_data(
                case=case, returnee=case.returnee, can_edit=permissions.can_edit_case(request.user, case)
            )
        )


class PlanDetailView(TemplateView):
    template_name = "cases/plan_detail.html"

    def get_context_data(self, **kwargs):
        plan = selectors.plan_get(user=self.request.user, pk=kwargs["pk"])
        audit.record_view(self.request, plan, case_id=plan.case_id)
        can_edit = permissions.can_edit_case(self.request.user, plan.case)
        approval = approval_selectors.plan_approval(plan=plan)
        return super().get_context_data(
            plan=plan,
            case=plan.case,
            returnee=plan.case.returnee,
            versions=selectors.plan_versions(case=plan.case),
            goals_by_domain=selectors.goals_by_domain(plan=plan),
            uncovered=selectors.recommended_but_uncovered(plan=plan),
            can_edit=can_edit and plan.is_editable,
            can_start=can_edit and not any(v.status == v.Status.DRAFT for v in selectors.plan_versions(case=plan.case)),
            approval=approval,
            can_edit_goals=can_edit and plan.is_editable and not (approval and approval.is_pending),
            can_ask_approval=approval_permissions.can_ask_for_plan(self.request.user, plan, approval),
            progress_form=GoalProgressForm(),
            **kwargs,
        )


class PlanStartView(View):
    def post(self, request, pk):
        case = selectors.case_get(user=request.user, pk=pk)
        try:
            plan = actions.plan_start(actor=request.user, case=case)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("cases:plan", pk=case.pk)
        messages.success(request, _("Plan version %(version)s was started as a draft.") % {"version": plan.version})
        return redirect(plan.get_absolute_url())


class GoalCreateView(SingleSubmitMixin, CaseWriteView):
    title = gettext_lazy("Add a plan goal")
    form_class = GoalForm

    def load(self, pk):
        plan = selectors.plan_get(user=self.request.user, pk=pk)
        if not plan.is_editable:
            raise PermissionDenied
        return plan

    def get_initial(self):
        initial = super().get_initial()
        for name in ("domain", "source_assessment"):
            if self.request.GET.get(name):
                initial[name] = self.request.GET[name]
        return initial

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "case": self.case}

    def success_url_for(self, result) -> str:
        return self.object.get_absolute_url()

    def perform(self, form) -> str:
        actions.goal_add(actor=self.request.user, plan=self.object, data=form.data_for_action())
        messages.success(self.request, _("The goal was added."))
        return self.success_url_for(None)


class GoalUpdateView(VersionedEditMixin, ActionFormMixin, CaseWriteView):
    title = gettext_lazy("Edit plan goal")
    form_class = GoalForm

    def load(self, pk):
        return _visible(permissions.goals_visible_to(self.request.user), pk, "plan__case__returnee")

    def case_of(self, goal):
        return goal.plan.case

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "case": self.case, "instance": self.object}

    def success_url_for(self, result) -> str:
        return self.object.plan.get_absolute_url()

    def perform(self, form) -> str:
        actions.goal_update(
            actor=self.request.user, goal=self.object, data=form.data_for_action(), version=form.opened_version()
        )
        messages.success(self.request, _("The goal was saved."))
        return self.success_url_for(None)


class GoalProgressView(SingleSubmitMixin, CaseWriteView):
    title = gettext_lazy("Note progress on a goal")
    form_class = GoalProgressForm
    load = GoalUpdateView.load
    case_of = GoalUpdateView.case_of
    success_url_for = GoalUpdateView.success_url_for

    def perform(self, form) -> str:
        data = form.cleaned_data
        actions.goal_progress_add(
            actor=self.request.user, goal=self.object, written_on=data["written_on"], text=data["text"]
        )
        messages.success(self.request, _("The progress was noted."))
        return self.success_url_for(None)
