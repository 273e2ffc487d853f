"""HTTP glue for the social worker's pages. Objects come through selectors (visibility first), writes
go through actions; a case the user may not see is a 404, whatever the reason."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, TemplateView

from repat.approvals import permissions as approval_permissions
from repat.approvals import selectors as approval_selectors
from repat.audit import actions as audit
from repat.audit import permissions as audit_permissions
from repat.audit import selectors as audit_selectors
from repat.audit.models import AuditEvent
from repat.core.search import SEARCH_MAX_LENGTH
from repat.core.views import ActionFormMixin, SingleSubmitMixin, VersionedEditMixin, add_action_errors, paginate
from services import selectors as service_selectors

from . import actions, permissions, selectors
from .forms import (
    AssessmentForm,
    CareArrangementForm,
    CaseForm,
    ConsentForm,
    ConsentWithdrawForm,
    DocumentForm,
    DocumentTransitionForm,
    EmergencyAccessForm,
    FamilyMemberForm,
    FollowUpTaskForm,
    GoalForm,
    GoalProgressForm,
    KinshipResultForm,
    KinshipTestForm,
    NoteForm,
    RegistrationForm,
    RestrictedSectionForm,
    ReturneeForm,
    TransferDecisionForm,
    TransferForm,
)
from .models import Case, CaseSettings, CaseTransfer, LegalRecord

SEARCH_KEY = "caseload_search"


class CaseloadView(TemplateView):
    """The caseload. Names typed in the search box never travel in the URL (where proxies, browser
    history and access logs would keep them): the filter form is posted, the search text is kept in
    the session, and the page is shown by GET with the other filters only."""

    template_name = "cases/case_list.html"

    def get(self, request, *args, **kwargs):
        if not permissions.can_use_caseload(request.user):
            return redirect("services:queue")  # provider staff start from their referrals
        if "q" in request.GET:  # an old link or bookmark: move the search out of the URL
            return self._remember_search(request, request.GET)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if not permissions.can_use_caseload(request.user):
            return redirect("services:queue")
        return self._remember_search(request, request.POST)

    def _remember_search(self, request, data):
        # Kept as typed (the filter form checks it and says what is wrong), cut just past the
        # longest search so that an over-long one is still refused rather than shortened.
        request.session[SEARCH_KEY] = data.get("q", "")[: SEARCH_MAX_LENGTH + 1]
        params = data.copy()
        for name in ("q", "csrfmiddlewaretoken", "page"):
            params.pop(name, None)
        query = params.urlencode()
        return redirect(f"{request.path}?{query}" if query else request.path)

    def params(self):
        params = self.request.GET.copy()
        params["q"] = self.request.session.get(SEARCH_KEY, "")
        return params

    def get_template_names(self):
        if self.request.headers.get("HX-Request"):
            return ["cases/_case_table.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        filterset = selectors.caseload(user=self.request.user, params=self.params())
        page, query_string = paginate(self.request, filterset.qs)
        return super().get_context_data(
            filter=filterset,
            page_obj=page,
            cases=page.object_list,
            query_string=query_string,
            can_register=permissions.can_register_returnee(self.request.user),
            **kwargs,
        )


class CaseDetailView(SingleSubmitMixin, FormView):
    """The case page: status, risk, family, timeline, and the quick "log a visit" form."""

    template_name = "cases/case_detail.html"
    form_class = NoteForm

    def dispatch(self, request, *args, **kwargs):
        self.case = selectors.case_get(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if not permissions.can_edit_case(request.user, self.case):
            raise PermissionDenied
        return super().post(request, *args, **kwargs)

    def perform(self, form) -> str:
        data = form.cleaned_data
        actions.note_log(
            actor=self.request.user,
            case=self.case,
            contact_date=data["contact_date"],
            kind=data["kind"],
            summary=data["summary"],
            follow_up_needed=data["follow_up_needed"],
            next_follow_up=data["next_follow_up"],
        )
        messages.success(self.request, _("The contact was logged."))
        return self.case.get_absolute_url()

    def get_context_data(self, **kwargs):
        user = self.request.user
        audit.record_view(self.request, self.case, case_id=self.case.pk)
        can_edit = permissions.can_edit_case(user, self.case)
        restricted = permissions.can_see_restricted(user, self.case.returnee)
        overview = selectors.case_overview(case=self.case)
        approvals = approval_selectors.case_approvals(case=self.case)
        latest = approval_selectors.latest_by_subject(approvals)
        for assessment in overview["assessments"]:
            assessment.latest_approval = latest.get(("assessment", assessment.pk))
            assessment.can_ask_approval = approval_permissions.can_ask_for_assessment(
                user, assessment, assessment.latest_approval
            )
        closure = latest.get(("closure", self.case.pk))
        referrals = service_selectors.case_referrals(user=self.request.user, case=self.case)
        return super().get_context_data(
            case=self.case,
            returnee=self.case.returnee,
            timeline=selectors.timeline(case=self.case, restricted=restricted, referrals=referrals),
            can_edit=can_edit,
            emergency=not permissions.in_scope(user, self.case),
            viewers=audit_selectors.case_viewers(case_id=self.case.pk)
            if audit_permissions.can_see_viewers(user)
            else None,
            approvals=approvals,
            pending_closure=closure if closure and closure.is_pending else None,
            **overview,
            referrals=referrals,
            **kwargs,
        )


class CaseUpdateView(VersionedEditMixin, ActionFormMixin, FormView):
    template_name = "cases/case_form.html"
    form_class = CaseForm

    def dispatch(self, request, *args, **kwargs):
        self.case = selectors.case_get(user=request.user, pk=kwargs["pk"])
        if not permissions.can_edit_case(request.user, self.case):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def edited(self):
        return self.case

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.case, "user": self.request.user}

    def perform(self, form) -> str:
        actions.case_update(
            actor=self.request.user, case=self.case, data=form.case_data(), version=form.opened_version()
        )
        messages.success(self.request, _("The case was updated."))
        return self.case.get_absolute_url()

    def get_context_data(self, **kwargs):
        return super().get_context_data(case=self.case, **kwargs)


class ReturneeRegisterView(SingleSubmitMixin, TemplateView):
    """Register a returnee: their details, their family and their case, in one form and one transaction."""

    template_name = "cases/returnee_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not permissions.can_register_returnee(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        return self.render(ReturneeForm(), RegistrationForm(user=request.user))

    def post(self, request, *args, **kwargs):
        done = self.previous_submission(request.POST.get("form_token", ""))
        if done:
            return redirect(done)
        returnee_form = ReturneeForm(request.POST)
        registration_form = RegistrationForm(request.POST, user=request.user)
        if returnee_form.is_valid() and registration_form.is_valid():
            token = registration_form.cleaned_data["form_token"]
            try:
                return redirect(self.run_once(token, lambda: self.perform(returnee_form, registration_form)))
            except ValidationError as error:
                add_action_errors(error, returnee_form, registration_form)
        return self.render(returnee_form, registration_form)

    def perform(self, returnee_form, registration_form) -> str:
        data = registration_form.cleaned_data
        returnee = actions.returnee_register(
            actor=self.request.user,
            data=returnee_form.returnee_data(),
            aliases=returnee_form.alias_list(),
            worker=data.get("worker"),
            risk_level=data["risk_level"],
            risk_reason=data["risk_reason"],
            family=data["family"],
            new_family_name=data["new_family_name"].strip(),
            relationship=data["relationship"],
            is_head=data["is_head"],
        )
        messages.success(
            self.request, _("%(name)s was registered and their case opened.") % {"name": returnee.full_name}
        )
        return returnee.case.get_absolute_url()

    def render(self, returnee_form, registration_form):
        return self.render_to_response(self.get_context_data(form=returnee_form, registration_form=registration_form))


class ReturneeDetailView(TemplateView):
    template_name = "cases/returnee_detail.html"

    def get_context_data(self, **kwargs):
        returnee = selectors.returnee_get(user=self.request.user, pk=kwargs["pk"])
        audit.record_view(self.request, returnee, case_id=returnee.case.pk)
        return super().get_context_data(
            returnee=returnee,
            case=returnee.case,
            can_see_restricted=permissions.can_see_restricted(self.request.user, returnee),
            family=getattr(getattr(returnee, "membership", None), "family", None),
            can_edit=permissions.can_edit_case(self.request.user, returnee.case),
            **selectors.returnee_overview(returnee=returnee),
            family_referrals=service_selectors.family_service_history(user=self.request.user, returnee=returnee),
            **kwargs,
        )


class ReturneeUpdateView(VersionedEditMixin, ActionFormMixin, FormView):
    template_name = "cases/returnee_form.html"
    form_class = ReturneeForm

    def dispatch(self, request, *args, **kwargs):
        self.returnee = selectors.returnee_get(user=request.user, pk=kwargs["pk"])
        if not permissions.can_edit_case(request.user, self.returnee.case):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def edited(self):
        return self.returnee

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.returnee}

    def perform(self, form) -> str:
        actions.returnee_update(
            actor=self.request.user,
            returnee=self.returnee,
            data=form.returnee_data(),
            aliases=form.alias_list(),
            version=form.opened_version(),
        )
        messages.success(self.request, _("The returnee's details were saved."))
        return self.returnee.get_absolute_url()

    def get_context_data(self, **kwargs):
        return super().get_context_data(returnee=self.returnee, **kwargs)


class FamilyDetailView(SingleSubmitMixin, FormView):
    """The family page: members, their whereabouts and cases; and a form to add a relative."""

    template_name = "cases/family_detail.html"
    form_class = FamilyMemberForm

    def dispatch(self, request, *args, **kwargs):
        self.family = selectors.family_get(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if not self.can_add():
            raise PermissionDenied
        return super().post(request, *args, **kwargs)

    def can_add(self) -> bool:
        user = self.request.user
        return (
            permissions.can_register_returnee(user)
            and permissions.families_in_scope(user).filter(pk=self.family.pk).exists()
        )

    def perform(self, form) -> str:
        data = form.cleaned_data
        actions.family_member_add(
            actor=self.request.user,
            family=self.family,
            full_name=data["full_name"],
            relationship=data["relationship"],
            whereabouts=data["whereabouts"],
            is_head=data["is_head"],
            notes=data["notes"],
        )
        messages.success(self.request, _("The family member was added."))
        return self.family.get_absolute_url()

    def get_context_data(self, **kwargs):
        audit.record_view(self.request, self.family, case_id=None)
        members = list(self.family.members.all())
        cases = [m.returnee.case for m in members if m.returnee_id]
        return super().get_context_data(
            family=self.family,
            members=members,
            visible_cases=selectors.visible_case_ids(user=self.request.user, cases=cases),
            can_add=self.can_add(),
            **kwargs,
        )


# --- Documents, consent, kinship, care, assessments and plans --------------------------------------


class CaseWriteView(FormView):
    """A form page for one write on something inside a case. `load(pk)` fetches the object through
    its visibility queryset (404 when not visible); writing needs `can_edit_case` (403)."""

    template_name = "cases/object_form.html"
    title = ""

    def load(self, pk: int):
        raise Http404

    def case_of(self, obj) -> Case:
        return obj.case

    def dispatch(self, request, *args, **kwargs):
        self.object = self.load(kwargs["pk"])
        self.case = self.case_of(self.object)
        if not permissions.can_edit_case(request.user, self.case):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def success_url_for(self, result) -> str:
        return self.case.returnee.get_absolute_url()

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=self.title,
            case=self.case,
            returnee=self.case.returnee,
            cancel_url=self.success_url_for(None),
            **kwargs,
        )


def _visible(queryset, pk: int, *related):
    return get_object_or_404(queryset.select_related(*related), pk=pk)


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


# --- Transfers --------------------------------------------------------------------------------------


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


# --- Follow-up tasks --------------------------------------------------------------------------------


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


# --- Restricted section and emergency access --------------------------------------------------------


class RestrictedSectionView(VersionedEditMixin, ActionFormMixin, FormView):
    """Legal and prosecution information and security notes: only for users granted it; everyone
    else gets a 404, as if it did not exist."""

    template_name = "cases/restricted_section.html"
    form_class = RestrictedSectionForm

    def dispatch(self, request, *args, **kwargs):
        self.returnee = selectors.returnee_get(user=request.user, pk=kwargs["pk"])
        if not permissions.can_see_restricted(request.user, self.returnee):
            raise Http404
        self.record = LegalRecord.objects.filter(returnee=self.returnee).first()
        audit.record_view(request, self.record or self.returnee, case_id=self.returnee.case.pk)
        return super().dispatch(request, *args, **kwargs)

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


class EmergencyAccessView(FormView):
    """Break the glass: open a case outside one's scope, with a reason, for a limited time; beyond
    the day's limit, ask a supervisor. The page never says whether a case number exists."""

    template_name = "cases/emergency_access.html"
    form_class = EmergencyAccessForm

    def dispatch(self, request, *args, **kwargs):
        if not permissions.can_break_the_glass(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

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
