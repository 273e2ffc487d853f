"""Moving a case to another worker or region: the request, the list and the answer."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from repat.core.views import SingleSubmitMixin

from .. import actions, permissions, selectors
from ..forms import TransferDecisionForm, TransferForm
from ..models import CaseTransfer
from .base import CaseWriteView


class TransferCreateView(SingleSubmitMixin, CaseWriteView):
    title = gettext_lazy("Transfer the case")
    form_class = TransferForm

    def load(self, pk):
        return selectors.case_get(user=self.request.user, pk=pk)

    def case_of(self, case):
        return case

    def success_url_for(self, result) -> str:
        return self.case.get_absolute_url()

    def get_initial(self):
        return {**super().get_initial(), "to_region": self.case.returnee.region_id}

    def perform(self, form) -> str:
        data = form.cleaned_data
        actions.transfer_request(
            actor=self.request.user,
            case=self.case,
            to_region=data["to_region"],
            to_worker=data["to_worker"],
            reason=data["reason"],
        )
        messages.success(self.request, _("The transfer was requested; the case moves when the receiving side accepts."))
        return self.success_url_for(None)


class TransferListView(TemplateView):
    """Transfers waiting for this user's answer, and the ones they asked for."""

    template_name = "cases/transfer_list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            incoming=selectors.transfers_incoming(user=user),
            outgoing=selectors.transfers_outgoing(user=user),
            decide_form=TransferDecisionForm(user=user),
            chooses_worker=permissions.chooses_transfer_worker(user),
            **kwargs,
        )


class TransferDecideView(View):
    def post(self, request, pk):
        transfer = get_object_or_404(permissions.transfers_answerable_by(request.user), pk=pk)
        form = TransferDecisionForm(request.POST, user=request.user)
        if not form.is_valid():
            messages.error(request, _("Check the answer and try again."))
            return redirect("cases:transfers")
        data = form.cleaned_data
        try:
            actions.transfer_decide(
                actor=request.user,
                transfer=transfer,
                accept=data["decision"] == "accept",
                worker=data.get("worker"),
                comment=data["comment"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Your answer was recorded."))
        return redirect("cases:transfers")


class TransferCancelView(View):
    def post(self, request, pk):
        # Not `transfers_outgoing`: that list is sliced for display and cannot be filtered again.
        visible = permissions.cases_visible_to(request.user).values("pk")
        transfer = get_object_or_404(CaseTransfer.objects.filter(case__in=visible), pk=pk)
        try:
            actions.transfer_cancel(actor=request.user, transfer=transfer)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The transfer was cancelled."))
        return redirect("cases:transfers")
