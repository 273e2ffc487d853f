"""Registration and the people: the caseload and its search, the case page with its notes,
returnees and families."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from repat.accounts.permissions import can_export_lists
from repat.approvals import permissions as approval_permissions
from repat.approvals import selectors as approval_selectors
from repat.audit import actions as audit
from repat.audit import permissions as audit_permissions
from repat.audit import selectors as audit_selectors
from repat.core.exports import ListExportView, export_links
from repat.core.search import SEARCH_MAX_LENGTH
from repat.core.views import (
    ActionFormMixin,
    PermissionMixin,
    SingleSubmitMixin,
    VersionedEditMixin,
    add_action_errors,
    paginate,
)
from services import selectors as service_selectors

from .. import actions, exports, permissions, selectors
from ..forms import CaseForm, DistinctPersonForm, FamilyMemberForm, NoteForm, RegistrationForm, ReturneeForm

SEARCH_KEY = "caseload_search"


class CaseloadView(PermissionMixin, TemplateView):
    """The caseload. Names typed in the search box never travel in the URL (where proxies, browser
    history and access logs would keep them): the filter form is posted, the search text is kept in
    the session, and the page is shown by GET with the other filters only."""

    template_name = "cases/case_list.html"
    permission = staticmethod(permissions.can_use_caseload)

    def permission_denied(self):
        return redirect("services:queue")  # provider staff start from their referrals

    def get(self, request, *args, **kwargs):
        if "q" in request.GET:  # an old link or bookmark: move the search out of the URL
            return self._remember_search(request, request.GET)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
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
        return caseload_params(self.request)

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
            own_caseload=permissions.has_own_caseload(self.request.user),
            exports=export_links(self.request, reverse("cases:caseload_export"))
            if can_export_lists(self.request.user)
            else None,
            **kwargs,
        )


def caseload_params(request):
    """The caseload's filters: those of the URL, and the search text kept in the session."""
    params = request.GET.copy()
    params["q"] = request.session.get(SEARCH_KEY, "")
    return params


class CaseloadExportView(ListExportView):
    """The caseload as CSV or Excel, with the page's filters and the search kept in the session."""

    list_permission = staticmethod(permissions.can_use_caseload)

    def export(self):
        return exports.caseload_export(user=self.request.user, params=caseload_params(self.request))


class CaseDetailView(PermissionMixin, SingleSubmitMixin, FormView):
    """The case page: status, risk, family, timeline, and the quick "log a visit" form."""

    template_name = "cases/case_detail.html"
    form_class = NoteForm

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except Http404:
            # The case of a record merged into another: its page is now the other record's.
            survivor = selectors.merged_successor(user=request.user, case_pk=kwargs["pk"]) if self.is_read() else None
            if survivor is None:
                raise
            return redirect(survivor.case.get_absolute_url())

    def load_objects(self):
        self.case = selectors.case_get(user=self.request.user, pk=self.kwargs["pk"])

    def has_permission(self) -> bool:
        # Whoever sees the case reads its page; logging a contact is a change to the case.
        return self.is_read() or permissions.can_edit_case(self.request.user, self.case)

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
            can_merge=permissions.can_merge_records(user, self.case),
            **overview,
            referrals=referrals,
            **kwargs,
        )


class CaseUpdateView(PermissionMixin, VersionedEditMixin, ActionFormMixin, FormView):
    template_name = "cases/case_form.html"
    form_class = CaseForm
    permission = staticmethod(permissions.can_edit_case)

    def load_objects(self):
        self.case = selectors.case_get(user=self.request.user, pk=self.kwargs["pk"])

    def permission_object(self):
        return self.case

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


class ReturneeRegisterView(PermissionMixin, SingleSubmitMixin, TemplateView):
    """Register a returnee: their details, their family and their case, in one form and one transaction.

    Before saving, the duplicate check (`returnee_register`): when people already recorded are
    probably this person, the same form comes back with everything typed, the matches the worker
    may see in detail, one sentence for those they may not, and "This is a different person" with
    a reason. The confirmation carries a fingerprint of the matches shown: if others appear by the
    next POST (the names were changed), the worker is asked again."""

    template_name = "cases/returnee_form.html"
    permission = staticmethod(permissions.can_register_returnee)

    def get(self, request, *args, **kwargs):
        return self.render(ReturneeForm(), RegistrationForm(user=request.user), DistinctPersonForm())

    def post(self, request, *args, **kwargs):
        done = self.previous_submission(request.POST.get("form_token", ""))
        if done:
            return redirect(done)
        returnee_form = ReturneeForm(request.POST)
        registration_form = RegistrationForm(request.POST, user=request.user)
        distinct_form = DistinctPersonForm(request.POST)
        matches = None
        if returnee_form.is_valid() and registration_form.is_valid() and distinct_form.is_valid():
            token = registration_form.cleaned_data["form_token"]
            distinct = self.distinct(distinct_form)
            try:
                return redirect(self.run_once(token, lambda: self.perform(returnee_form, registration_form, distinct)))
            except actions.ProbableDuplicates as found:
                matches = found.matches
                distinct_form = self.ask_again(found, distinct_form, distinct)
            except ValidationError as error:
                add_action_errors(error, returnee_form, registration_form)
        return self.render(returnee_form, registration_form, distinct_form, matches)

    @staticmethod
    def distinct(distinct_form) -> actions.DistinctPerson | None:
        data = distinct_form.cleaned_data
        if not data["distinct_person"]:
            return None
        return actions.DistinctPerson(fingerprint=data["shown"], reason=data["distinct_reason"])

    @staticmethod
    def ask_again(found, distinct_form, distinct) -> DistinctPersonForm:
        """The confirmation part for the matches found now: ticked only if it was ticked for these
        very matches; an error saying what is missing when the worker had seen them already."""
        seen = distinct_form.cleaned_data["shown"]
        same = seen == found.fingerprint
        form = DistinctPersonForm(
            {
                "distinct_person": "on" if distinct and same else "",
                "distinct_reason": distinct_form.cleaned_data["distinct_reason"],
                "shown": found.fingerprint,
            }
        )
        form.is_valid()
        if hasattr(found, "error_dict"):  # confirmed without a reason
            add_action_errors(found, form)
        elif distinct and not same:
            form.add_error(
                "distinct_person",
                _("The probable matches changed since you confirmed: check them and confirm again."),
            )
        elif same:
            form.add_error(
                "distinct_person",
                _("Open the record of this person, or confirm that this is a different person and say why."),
            )
        return form

    def perform(self, returnee_form, registration_form, distinct=None) -> str:
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
            distinct=distinct,
        )
        messages.success(
            self.request, _("%(name)s was registered and their case opened.") % {"name": returnee.full_name}
        )
        return returnee.case.get_absolute_url()

    def render(self, returnee_form, registration_form, distinct_form, matches=None):
        matches = matches or []
        return self.render_to_response(
            self.get_context_data(
                form=returnee_form,
                registration_form=registration_form,
                distinct_form=distinct_form,
                matches=matches,
                visible_matches=[match for match in matches if match.visible],
                # One sentence however many: their number per caseload would say something.
                hidden_match=any(not match.visible for match in matches),
            )
        )


class ReturneeDetailView(TemplateView):
    template_name = "cases/returnee_detail.html"

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            # A record merged into another: its page is now the other record's.
            survivor = selectors.merged_successor(user=request.user, returnee_pk=kwargs["pk"])
            if survivor is None:
                raise
            return redirect(survivor.get_absolute_url())

    def get_context_data(self, **kwargs):
        returnee = selectors.returnee_get(user=self.request.user, pk=kwargs["pk"])
        audit.record_view(self.request, returnee, case_id=returnee.case.pk)
        return super().get_context_data(
            returnee=returnee,
            case=returnee.case,
            can_see_restricted=permissions.can_see_restricted(self.request.user, returnee),
            family=getattr(getattr(returnee, "membership", None), "family", None),
            can_edit=permissions.can_edit_case(self.request.user, returnee.case),
            can_merge=permissions.can_merge_records(self.request.user, returnee.case),
            can_undo_merge=permissions.can_undo_merge(self.request.user),
            merges=selectors.returnee_merges(returnee=returnee),
            former_case_numbers=selectors.former_case_numbers(returnee=returnee),
            **selectors.returnee_overview(returnee=returnee),
            family_referrals=service_selectors.family_service_history(user=self.request.user, returnee=returnee),
            duplicate_decisions=selectors.duplicate_decisions_of(user=self.request.user, returnee=returnee),
            **kwargs,
        )


class ReturneeUpdateView(PermissionMixin, VersionedEditMixin, ActionFormMixin, FormView):
    template_name = "cases/returnee_form.html"
    form_class = ReturneeForm
    permission = staticmethod(permissions.can_edit_case)

    def load_objects(self):
        self.returnee = selectors.returnee_get(user=self.request.user, pk=self.kwargs["pk"])

    def permission_object(self):
        return self.returnee.case

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


class FamilyDetailView(PermissionMixin, SingleSubmitMixin, FormView):
    """The family page: members, their whereabouts and cases; and a form to add a relative."""

    template_name = "cases/family_detail.html"
    form_class = FamilyMemberForm

    def load_objects(self):
        self.family = selectors.family_get(user=self.request.user, pk=self.kwargs["pk"])

    def has_permission(self) -> bool:
        return self.is_read() or self.can_add()

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
        visible_cases = selectors.visible_case_ids(user=self.request.user, cases=cases)
        return super().get_context_data(
            family=self.family,
            members=members,
            visible_cases=visible_cases,
            tree=selectors.family_tree(members=members, visible_cases=visible_cases),
            can_add=self.can_add(),
            exports=export_links(self.request, reverse("cases:family_export", args=[self.family.pk]))
            if can_export_lists(self.request.user)
            else None,
            **kwargs,
        )


class FamilyExportView(ListExportView):
    """A family's members as CSV or Excel (the family page's table)."""

    def load_objects(self):
        self.family = selectors.family_get(user=self.request.user, pk=self.kwargs["pk"])

    def export(self):
        return exports.family_export(user=self.request.user, family=self.family)
