import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
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


class SnoozeForm(forms.Form):
    whole_group = forms.BooleanField(required=False)
    until = forms.DateField(
        error_messages={"required": gettext_lazy("Choose until when."), "invalid": gettext_lazy("Choose until when.")}
    )


class GroupFilterForm(forms.Form):
    day = forms.DateField(required=False)
    kind = forms.ChoiceField(required=False, choices=Reminder.Item.choices)


class EscalationFilterForm(forms.Form):
    """A region's daily summary links here with its region and day."""

    region = forms.IntegerField(required=False, min_value=1)
    day = forms.DateField(required=False)


class ReminderListView(TemplateView):
    """A person's reminders, one entry per kind and day, one line per case in it; `?day=&kind=`
    shows one entry with all its lines (its "see all" link)."""

    template_name = "reminders/reminder_list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        form = GroupFilterForm(self.request.GET)
        one = form.cleaned_data if form.is_valid() and form.cleaned_data.get("day") else None
        groups = selectors.reminder_groups(user=user, day=one and one["day"], item_type=one and (one["kind"] or None))
        page, query_string = paginate(self.request, groups)
        lines_per_group = None if one else selectors.LINES_PER_GROUP
        return super().get_context_data(
            page_obj=page,
            query_string=query_string,
            groups=selectors.groups_of(page.object_list, user=user, lines_per_group=lines_per_group),
            one_group=bool(one),
            show_case_numbers=selectors.shows_case_numbers(user),
            snooze_choices=snooze_choices(timezone.localdate()),
            exports=export_links(self.request, reverse("reminders:list_export")) if can_export_lists(user) else None,
            **kwargs,
        )


class ReminderListExportView(ListExportView):
    """The user's reminders as CSV or Excel (not for provider staff)."""

    def export(self):
        return exports.reminders_export(user=self.request.user)


def snooze_choices(today: datetime.date) -> list[tuple[str, str]]:
    """Until when a reminder can be put aside from the list: tomorrow, or next Monday."""
    monday = today + datetime.timedelta(days=7 - today.weekday())
    return [
        ((today + datetime.timedelta(days=1)).isoformat(), _("Until tomorrow")),
        (monday.isoformat(), _("Until next week")),
    ]


class EscalationListView(TemplateView):
    """Coordinators and supervisors: overdue work escalated to them, with who was told when; a
    region's daily summary opens it for that region and day."""

    template_name = "reminders/escalation_list.html"

    def get_context_data(self, **kwargs):
        form = EscalationFilterForm(self.request.GET)
        filters = form.cleaned_data if form.is_valid() else {}
        page, _query = paginate(
            self.request,
            selectors.escalations_for(user=self.request.user, region=filters.get("region"), day=filters.get("day")),
        )
        chains = selectors.chains(reminders=page.object_list)
        rows = [
            (r, chains.get((r.item_type, r.item_id, r.due_date), [])) for r in selectors.with_people(page.object_list)
        ]
        return super().get_context_data(
            page_obj=page,
            rows=rows,
            filtered_day=filters.get("day") if filters.get("region") else None,
            today=timezone.localdate(),
            show_case_numbers=selectors.shows_case_numbers(self.request.user),
            **kwargs,
        )


class ReminderOpenView(View):
    """Mark a reminder read and go to what it is about, if the reader may still see it: a
    reminder never opens a case to someone outside its need-to-know."""

    def get(self, request, pk):
        reminder = get_object_or_404(Reminder, pk=pk, recipient=request.user)
        actions.reminder_group_read(user=request.user, reminder=reminder)
        if reminder.item_type == Reminder.Item.ESCALATIONS:
            return redirect(selectors.target_url(reminder))  # the escalations page lists one's own only
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


class ReminderSnoozeView(View):
    """Put a reminder's group aside until tomorrow or next week (POST; one's own only)."""

    def post(self, request, pk):
        reminder = get_object_or_404(Reminder, pk=pk, recipient=request.user)
        form = SnoozeForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(form.errors.get("until", [])))
            return redirect("reminders:list")
        try:
            actions.reminder_group_snooze(
                user=request.user,
                reminder=reminder,
                until=form.cleaned_data["until"],
                whole_group=form.cleaned_data["whole_group"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            when = date_format(form.cleaned_data["until"], "SHORT_DATE_FORMAT")
            messages.success(request, _("Put aside until %(date)s.") % {"date": when})
        return redirect("reminders:list")


class ReminderDoneView(View):
    """Mark a reminder's group done (POST; one's own only)."""

    def post(self, request, pk):
        reminder = get_object_or_404(Reminder, pk=pk, recipient=request.user)
        whole_group = request.POST.get("whole_group") == "on"
        actions.reminder_group_done(user=request.user, reminder=reminder, whole_group=whole_group)
        messages.success(request, _("Marked as done."))
        return redirect("reminders:list")


class MarkAllReadView(View):
    def post(self, request):
        count = actions.mark_read(user=request.user)
        messages.success(request, _("%(count)s reminders marked as read.") % {"count": count})
        return redirect("reminders:list")
