"""The restricted section (legal records) and emergency access ("breaking the glass")."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import FormView

from repat.audit import actions as audit
from repat.core.views import ActionFormMixin, PermissionMixin, VersionedEditMixin, add_action_errors

from .. import actions, permissions, selectors
from ..forms import EmergencyAccessForm, RestrictedSectionForm
from ..models import CaseSettings, LegalRecord


class RestrictedSectionView(PermissionMixin, VersionedEditMixin, ActionFormMixin, FormView):
    """Legal and prosecution information and security notes: only for users granted it; everyone
    else gets a 404, as if it did not exist."""

    template_name = "cases/restricted_section.html"
    form_class = RestrictedSectionForm
    permission = staticmethod(permissions.can_see_restricted)

    def load_objects(self):
        self.returnee = selectors.returnee_get(user=self.request.user, pk=self.kwargs["pk"])

    def permission_object(self):
        return self.returnee

    def permission_denied(self):
        raise Http404

    def get(self, request, *args, **kwargs):
        self.open_section()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.open_section()
        return super().post(request, *args, **kwargs)

    def open_section(self):
        """Reading the section and saving it both open it: recorded either way, before the form."""
        self.record = LegalRecord.objects.filter(returnee=self.returnee).first()
        audit.record_view(self.request, self.record or self.returnee, case_id=self.returnee.case.pk)

    def edited(self):
        return self.record

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.record}

    def perform(self, form) -> str:
        actions.restricted_section_save(
            actor=self.request.user, returnee=self.returnee, data=form.cleaned_data, version=form.opened_version()
        )
        messages.success(self.request, _("The restricted section was saved."))
        return reverse("cases:restricted_section", args=[self.returnee.pk])

    def get_context_data(self, **kwargs):
        return super().get_context_data(returnee=self.returnee, record=self.record, **kwargs)


class EmergencyAccessView(PermissionMixin, FormView):
    """Break the glass: open a case outside one's scope, with a reason, for a limited time; beyond
    the day's limit, ask a supervisor. The page never says whether a case number exists."""

    template_name = "cases/emergency_access.html"
    form_class = EmergencyAccessForm
    permission = staticmethod(permissions.can_break_the_glass)

    def form_valid(self, form):
        user = self.request.user
        try:
            with transaction.atomic():
                outcome = actions.emergency_access_open(
                    actor=user, case_number=form.cleaned_data["case_number"], reason=form.cleaned_data["reason"]
                )
        except ValidationError as error:
            add_action_errors(error, form)
            return self.form_invalid(form)
        Result = actions.EmergencyResult
        if outcome.result == Result.OWN:
            return redirect(outcome.case.get_absolute_url())  # their own case: nothing was opened or counted
        if outcome.result == Result.REFUSED:
            form.add_error(
                "case_number",
                _(
                    "No case that you may open in an emergency has this number. The attempt is recorded and "
                    "counts towards today's emergency openings."
                ),
            )
            return self.form_invalid(form)
        if outcome.result == Result.SENT_FOR_APPROVAL:
            messages.warning(
                self.request,
                _(
                    "You have used today's emergency openings, so a supervisor must approve each further one. "
                    "If a case has this number, your request is now with its supervisors, and you will be told "
                    "of their answer. The attempt is recorded."
                ),
            )
            return redirect("cases:emergency_access")
        messages.warning(
            self.request,
            _("Emergency access for %(minutes)s minutes. It is recorded and the supervisors are told.")
            % {"minutes": settings.REPAT_EMERGENCY_ACCESS_MINUTES},
        )
        return redirect(outcome.case.get_absolute_url())

    def get_context_data(self, **kwargs):
        limit = CaseSettings.current().emergency_access_daily_limit
        return super().get_context_data(
            minutes=settings.REPAT_EMERGENCY_ACCESS_MINUTES,
            limit=limit,
            left=max(limit - actions.emergency_attempts_today(self.request.user), 0),
            **kwargs,
        )
