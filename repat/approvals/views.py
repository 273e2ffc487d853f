"""HTTP glue for approvals: the queue, one request's page with the decision, and the request forms
opened from the assessment, plan, case and referral pages."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django.views.generic import FormView, TemplateView

from cases import permissions as case_permissions
from repat.accounts.permissions import can_export_lists
from repat.audit import actions as audit
from repat.core.exports import ListExportView, export_links
from repat.core.views import PermissionMixin, add_action_errors, paginate
from services.permissions import referrals_visible_to

from . import actions, exports, permissions, selectors
from .forms import ApprovalDecisionForm, ApprovalRequestForm
from .models import ApprovalRequest

Kind = ApprovalRequest.Kind

# For each kind: where its subject comes from (need-to-know first) and how the request page names it.
SUBJECTS = {
    Kind.ASSESSMENT: (case_permissions.assessments_visible_to, gettext_lazy("Ask for approval of an assessment")),
    Kind.PLAN: (case_permissions.plans_visible_to, gettext_lazy("Ask for approval of the plan")),
    Kind.CLOSURE: (case_permissions.cases_visible_to, gettext_lazy("Request closure of the case")),
    Kind.CONSENT_OVERRIDE: (referrals_visible_to, gettext_lazy("Ask a supervisor to override consent")),
}


class ApprovalQueueView(PermissionMixin, TemplateView):
    template_name = "approvals/approval_list.html"
    permission = staticmethod(permissions.can_use_approvals)

    def get_context_data(self, **kwargs):
        user = self.request.user
        filterset = selectors.approval_queue(user=user, params=self.request.GET)
        page, query_string = paginate(self.request, filterset.qs)
        approvals = list(page.object_list)
        approver = permissions.is_approver(user)
        for approval in approvals:
            # What can_decide checks, without a query per row: the queue is the approver's scope.
            approval.selectable = (
                approver
                and approval.is_pending
                and approval.requested_by_id != user.pk
                and approval.kind in actions.BULK_KINDS
            )
        return super().get_context_data(
            filter=filterset,
            page_obj=page,
            approvals=approvals,
            any_selectable=any(approval.selectable for approval in approvals),
            bulk_limit=actions.BULK_LIMIT,
            query_string=query_string,
            exports=export_links(self.request, reverse("approvals:queue_export"))
            if can_export_lists(self.request.user)
            else None,
            **kwargs,
        )


class ApprovalApproveSelectedView(View):
    """Approve the requests ticked on the queue, each through the approval action, all or none."""

    def post(self, request):
        if not permissions.is_approver(request.user):
            raise PermissionDenied
        try:
            approved = actions.approvals_approve_selected(
                actor=request.user, approval_ids=request.POST.getlist("approval")
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                ngettext("%(count)s request approved.", "%(count)s requests approved.", len(approved))
                % {"count": len(approved)},
            )
        return redirect(f"{reverse('approvals:queue')}?status=pending")


class ApprovalQueueExportView(ListExportView):
    """The approvals queue as CSV or Excel, with the page's filters."""

    list_permission = staticmethod(permissions.can_use_approvals)

    def export(self):
        return exports.approval_queue_export(user=self.request.user, params=self.request.GET)


class ApprovalRequestView(PermissionMixin, FormView):
    template_name = "approvals/approval_request.html"
    form_class = ApprovalRequestForm
    permission = staticmethod(permissions.can_request)

    def load_objects(self):
        self.kind = self.kwargs["kind"]
        if self.kind not in SUBJECTS:
            raise Http404
        visible_to, self.title = SUBJECTS[self.kind]
        found = get_object_or_404(visible_to(self.request.user), pk=self.kwargs["pk"])
        self.case, self.subject = (found, None) if self.kind == Kind.CLOSURE else (found.case, found)

    def permission_object(self):
        return self.case

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "kind": self.kind}

    def form_valid(self, form):
        try:
            approval = actions.approval_request(
                actor=self.request.user,
                kind=self.kind,
                case=self.case,
                subject=self.subject,
                closure_reason=form.cleaned_data.get("closure_reason", ""),
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            add_action_errors(error, form)
            return self.form_invalid(form)
        messages.success(self.request, _("Sent to the supervisor for approval."))
        return redirect(approval.subject_url())

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=self.title,
            kind=self.kind,
            case=self.case,
            subject=self.subject,
            returnee=self.case.returnee,
            **kwargs,
        )


class ApprovalDetailView(PermissionMixin, FormView):
    """One request: what is asked, by whom, the answer; approvers decide here."""

    template_name = "approvals/approval_detail.html"
    form_class = ApprovalDecisionForm

    def load_objects(self):
        self.approval = selectors.approval_get(user=self.request.user, pk=self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        # What the approver read (an assessment's answers, a plan's goals) is case data: audited.
        audit.record_view(request, self.approval, case_id=self.approval.case_id)
        return super().get(request, *args, **kwargs)

    def has_permission(self) -> bool:
        # Whoever sees the request reads it; deciding is for an approver other than the asker.
        return self.is_read() or permissions.can_decide(self.request.user, self.approval)

    def permission_denied(self):
        if not self.approval.is_pending and permissions.is_approver(self.request.user):
            # Answered or withdrawn since this page was opened: show the answer, not "forbidden".
            messages.error(self.request, _("This request was already answered or withdrawn."))
            return redirect(self.approval.get_absolute_url())
        raise PermissionDenied

    def form_valid(self, form):
        approve = form.cleaned_data["decision"] == "approve"
        try:
            actions.approval_decide(
                actor=self.request.user, approval=self.approval, approve=approve, comment=form.cleaned_data["comment"]
            )
        except ValidationError as error:
            add_action_errors(error, form)
            return self.form_invalid(form)
        messages.success(self.request, _("Approved.") if approve else _("Returned to the social worker."))
        return redirect("approvals:queue")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            approval=self.approval,
            case=self.approval.case,
            **selectors.approval_contents(self.approval),
            emergency_minutes=settings.REPAT_EMERGENCY_ACCESS_MINUTES,
            can_decide=permissions.can_decide(self.request.user, self.approval),
            can_withdraw=permissions.can_withdraw(self.request.user, self.approval),
            **kwargs,
        )


class ApprovalWithdrawView(View):
    def post(self, request, pk):
        approval = selectors.approval_get(user=request.user, pk=pk)
        try:
            actions.approval_withdraw(actor=request.user, approval=approval)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The request was withdrawn."))
        return redirect(approval.subject_url())
