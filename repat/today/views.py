"""HTTP glue for the home page: each section shown to whoever the owning app's rule allows."""

from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import TemplateView

from cases import permissions as case_permissions
from repat.approvals.permissions import is_approver
from repat.core.views import PermissionMixin
from repat.reports.permissions import can_make_reports, can_view_dashboard

from . import selectors


class TodayView(PermissionMixin, TemplateView):
    """What needs the user today: a worker's week; a coordinator's unassigned cases and overdue
    referrals; a supervisor's approvals waiting and the programme's figures."""

    template_name = "today/today.html"
    permission = staticmethod(case_permissions.can_use_caseload)

    def permission_denied(self):
        return redirect("services:queue")  # provider staff start from their referrals

    def get_context_data(self, **kwargs):
        user, today = self.request.user, timezone.localdate()
        context = {"today": today}
        if case_permissions.has_own_caseload(user):
            context["agenda"] = selectors.agenda(user=user, today=today)
        if case_permissions.can_assign_worker(user):
            context["unassigned"] = selectors.unassigned_cases(user=user)
            context["overdue_referrals"] = selectors.overdue_referrals(user=user, today=today)
        if is_approver(user):
            context["approvals"] = selectors.approvals_waiting(user=user)
        if can_make_reports(user):
            context["figures"] = selectors.programme_figures(user=user, today=today)
        context["can_view_dashboard"] = can_view_dashboard(user)
        return super().get_context_data(**context, **kwargs)
