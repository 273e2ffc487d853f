"""Civil status: identity documents, consent, kinship tests, care arrangements and uploaded files."""

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from repat.audit import actions as audit
from repat.audit.models import AuditEvent
from repat.core.views import ActionFormMixin, SingleSubmitMixin, VersionedEditMixin

from .. import actions, permissions, selectors
from ..forms import (
    CareArrangementForm,
    ConsentForm,
    ConsentWithdrawForm,
    DocumentForm,
    DocumentTransitionForm,
    KinshipResultForm,
    KinshipTestForm,
)
from .base import CaseWriteView, _visible


class ReturneeWriteView(CaseWriteView):
    """A write on the returnee's page (documents, consent, kinship, care)."""

    def load(self, pk):
        return selectors.returnee_get(user=self.request.user, pk=pk)

    def case_of(self, returnee):
        return returnee.case


class DocumentCreateView(SingleSubmitMixin, ReturneeWriteView):
    title = gettext_lazy("Record a document")
    form_class = DocumentForm

    def perform(self, form) -> str:
        actions.document_add(
            actor=self.request.user,
            returnee=self.object,
            data=form.data_for_action(),
            scan_file=form.cleaned_data["scan_file"],
        )
        messages.success(self.request, _("The document was recorded."))
        return self.success_url_for(None) + "#documents"


class DocumentUpdateView(VersionedEditMixin, ActionFormMixin, CaseWriteView):
    title = gettext_lazy("Edit document")
    form_class = DocumentForm

    def load(self, pk):
        return _visible(permissions.documents_visible_to(self.request.user), pk, "returnee__case")

    def case_of(self, document):
        return document.returnee.case

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object}

    def perform(self, form) -> str:
        actions.document_update(
            actor=self.request.user,
            document=self.object,
            data=form.data_for_action(),
            scan_file=form.cleaned_data["scan_file"],
            version=form.opened_version(),
        )
        messages.success(self.request, _("The document was saved."))
        return self.success_url_for(None) + "#documents"


class DocumentTransitionView(VersionedEditMixin, ActionFormMixin, CaseWriteView):
    title = gettext_lazy("Change document status")
    form_class = DocumentTransitionForm

    load = DocumentUpdateView.load
    case_of = DocumentUpdateView.case_of

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "document": self.object}

    def perform(self, form) -> str:
        data = form.cleaned_data
        actions.document_transition(
            actor=self.request.user,
            document=self.object,
            status=data["status"],
            on=data["on"],
            reason=data["reason"],
            version=form.opened_version(),
        )
        messages.success(self.request, _("The document status was changed."))
        return self.success_url_for(None) + "#documents"


class ConsentCreateView(SingleSubmitMixin, ReturneeWriteView):
    title = gettext_lazy("Record consent")
    form_class = ConsentForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "returnee": self.object}

    def perform(self, form) -> str:
        actions.consent_record(
            actor=self.request.user,
            returnee=self.object,
            data=form.cleaned_data,
            form_file=form.cleaned_data["form_file"],
        )
        messages.success(self.request, _("The consent was recorded."))
        return self.success_url_for(None) + "#consent"


class ConsentWithdrawView(ActionFormMixin, CaseWriteView):
    title = gettext_lazy("Withdraw consent")
    form_class = ConsentWithdrawForm

    def load(self, pk):
        return _visible(permissions.consents_visible_to(self.request.user), pk, "returnee__case")

    def case_of(self, consent):
        return consent.returnee.case

    def perform(self, form) -> str:
        data = form.cleaned_data
        actions.consent_withdraw(actor=self.request.user, consent=self.object, on=data["on"], reason=data["reason"])
        messages.success(self.request, _("The consent was withdrawn."))
        return self.success_url_for(None) + "#consent"


class KinshipTestCreateView(SingleSubmitMixin, ReturneeWriteView):
    title = gettext_lazy("Record a kinship (DNA) test")
    form_class = KinshipTestForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "returnee": self.object, "user": self.request.user}

    def perform(self, form) -> str:
        data = form.cleaned_data
        actions.kinship_test_record(
            actor=self.request.user,
            returnee=self.object,
            relative=data["relative"],
            claimed_relationship=data["claimed_relationship"],
            laboratory=data["laboratory"],
            sample_date=data["sample_date"],
            consent=data["consent"],
            notes=data["notes"],
        )
        messages.success(self.request, _("The kinship test was recorded."))
        return self.success_url_for(None) + "#kinship"


class KinshipResultView(ActionFormMixin, CaseWriteView):
    title = gettext_lazy("Record the test result")
    form_class = KinshipResultForm

    def load(self, pk):
        return _visible(permissions.kinship_tests_visible_to(self.request.user), pk, "returnee__case", "relative")

    def case_of(self, test):
        return test.returnee.case

    def perform(self, form) -> str:
        data = form.cleaned_data
        actions.kinship_result_record(
            actor=self.request.user,
            test=self.object,
            result=data["result"],
            reported_on=data["reported_on"],
            confirm_relationship=data["confirm_relationship"],
        )
        messages.success(self.request, _("The test result was recorded."))
        return self.success_url_for(None) + "#kinship"


class CareArrangementCreateView(VersionedEditMixin, SingleSubmitMixin, ReturneeWriteView):
    """A new arrangement ends the current one: the form carries the current one's version, so that
    two people recording a child's new care at once do not end each other's."""

    title = gettext_lazy("Record a care arrangement")
    form_class = CareArrangementForm

    def edited(self):
        return self.object.care_arrangements.filter(ended_on__isnull=True).first()

    def perform(self, form) -> str:
        actions.care_arrangement_set(
            actor=self.request.user, returnee=self.object, data=form.cleaned_data, version=form.opened_version()
        )
        messages.success(self.request, _("The care arrangement was recorded."))
        return self.success_url_for(None) + "#care"


class AttachmentDownloadView(View):
    """Serve an uploaded file to those who may see its case, as a download, never inline."""

    def get(self, request, pk):
        attachment = get_object_or_404(permissions.attachments_visible_to(request.user), pk=pk)
        audit.record(
            actor=request.user,
            action=AuditEvent.Action.DOWNLOAD,
            obj=attachment,
            case_id=attachment.case_id,
            request=request,
        )
        response = FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )
        response["Content-Security-Policy"] = "sandbox; default-src 'none'"
        response["X-Content-Type-Options"] = "nosniff"
        return response
