from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from cases.permissions import cases_visible_to, duplicate_decisions_visible_to
from repat.accounts.permissions import can_export_lists
from repat.approvals.permissions import approvals_visible_to
from repat.core.exports import ListExportView, export_links
from repat.core.views import paginate
from services.permissions import referrals_visible_to

from . import actions, exports, selectors
from .models import Reminder


class ReminderListView(TemplateView):
    template_name = "reminders/reminder_list.html"

    def get_context_data(self, **kwargs):
        page, _query = paginate(self.request, selectors.reminders_for(user=self.request.user))
        return super().get_context_data(
            page_obj=page,
            reminders=selectors.with_people(page.object_list),
            show_case_numbers=selectors.shows_case_numbers(self.request.user),
            exports=export_links(self.request, reverse("reminders:list_export"))
            if can_export_lists(self.request.user)
            else None,
            **kwargs,
        )


class ReminderListExportView(ListExportView):
    """The user's reminders as CSV or Excel (not for provider staff)."""

    def export(self):
        return exports.reminders_export(user=self.request.user)


class EscalationListView(TemplateView):
    """Coordinators and supervisors: overdue work escalated to them, with who was told when."""

    template_name = "reminders/escalation_list.html"

    def get_context_data(self, **kwargs):
        page, _query = paginate(self.request, selectors.escalations_for(user=self.request.user))
        chains = selectors.chains(reminders=page.object_list)
        rows = [
            (r, chains.get((r.item_type, r.item_id, r.due_date), [])) for r in selectors.with_people(page.object_list)
        ]
        return super().get_context_data(
            page_obj=page,
            rows=rows,
            today=timezone.localdate(),
            show_case_numbers=selectors.shows_case_numbers(self.request.user),
            **kwargs,
        )


class ReminderOpenView(View):
    """Mark a reminder read and go to what it is about, if the reader may still see it: a
    reminder never opens a case to someone outside its need-to-know."""

    def get(self, request, pk):
        reminder = get_object_or_404(Reminder, pk=pk, recipient=request.user)
        actions.mark_read(user=request.user, reminder_ids=[reminder.pk])
        if reminder.item_type in Reminder.ABOUT_A_PERSON:
            return redirect(selectors.alert_url(reminder, request.user))  # those pages check who may look
        if reminder.item_type.startswith("referral"):
            visible = referrals_visible_to(request.user).filter(pk=reminder.item_id).exists()
        elif reminder.item_type.startswith("approval"):
            visible = approvals_visible_to(request.user).filter(pk=reminder.item_id).exists()
        elif reminder.item_type == Reminder.Item.DUPLICATE:
            visible = duplicate_decisions_visible_to(request.user).filter(pk=reminder.item_id).exists()
        else:
            visible = cases_visible_to(request.user).filter(pk=reminder.case_id).exists()
        if not visible:
            messages.info(request, _("You can no longer open what this reminder was about."))
            return redirect("reminders:list")
        return redirect(selectors.target_url(reminder))


class MarkAllReadView(View):
    def post(self, request):
        count = actions.mark_read(user=request.user)
        messages.success(request, _("%(count)s reminders marked as read.") % {"count": count})
        return redirect("reminders:list")
