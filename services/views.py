"""HTTP glue for referrals: the coordinator's queue, the referral page with one form per step,
requesting a service from a case, provider load and the supervisor's list of consent overrides."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, TemplateView

from cases import selectors as case_selectors
from cases.views import CaseWriteView
from repat.accounts.permissions import can_export_lists
from repat.audit import actions as audit
from repat.core.exports import ListExportView, export_links
from repat.core.views import PermissionMixin, SingleSubmitMixin, add_action_errors, paginate

from . import actions, exports, permissions, selectors
from .filters import ConsentOverrideFilter, ProviderLoadFilter
from .forms import BulkAssignForm, ReferralForm, TransitionForm
from .models import Referral


class ReferralQueueView(TemplateView):
    """Coordinators: the referral queue of their regions. Workers: their cases' referrals.
    Providers: the referrals sent to them."""

    template_name = "services/referral_list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        filterset = selectors.referral_queue(user=user, params=self.request.GET)
        page, query_string = paginate(self.request, filterset.qs)
        coordinating = permissions.can_coordinate(user)
        return super().get_context_data(
            filter=filterset,
            page_obj=page,
            referrals=permissions.mark_identity(user, list(page.object_list)),
            query_string=query_string,
            can_assign=coordinating,
            # Provider staff see the returnee's name, never the case number (as on the referral page).
            hide_case_numbers=permissions.provider_of(user) is not None,
            exports=export_links(self.request, reverse("services:queue_export")) if can_export_lists(user) else None,
            bulk_form=BulkAssignForm(
                referrals=permissions.referrals_visible_to(user), assignees=permissions.assignable_people(user)
            )
            if coordinating
            else None,
            **kwargs,
        )


class ReferralQueueExportView(ListExportView):
    """The referral queue as CSV or Excel, with the page's filters (not for provider staff)."""

    def export(self):
        return exports.referral_queue_export(user=self.request.user, params=self.request.GET)


class ReferralDetailView(TemplateView):
    template_name = "services/referral_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        referral = selectors.referral_get(user=user, pk=kwargs["pk"])
        # Provider staff included: whoever opens a referral is in the case's "who viewed" list.
        audit.record_view(self.request, referral, case_id=referral.case_id)
        allowed = permissions.allowed_transitions(user, referral)
        full_view = permissions.sees_case_file(user, referral)
        identity = permissions.sees_identity(user, referral)
        return super().get_context_data(
            referral=referral,
            returnee=referral.case.returnee,
            full_view=full_view,
            identity=identity,
            history=selectors.referral_history(referral=referral, full_view=full_view, identity=identity),
            steps=[(action, Referral.TRANSITIONS[action]) for action in allowed],
            can_request_override=permissions.can_request_consent_override(user, referral),
            **kwargs,
        )


class ReferralCreateView(SingleSubmitMixin, CaseWriteView):
    """ "Request a service" from a case page or a plan goal."""

    title = gettext_lazy("Request a service")
    form_class = ReferralForm

    def load(self, pk):
        return case_selectors.case_get(user=self.request.user, pk=pk)

    def case_of(self, case):
        return case

    def success_url_for(self, result) -> str:
        return self.case.get_absolute_url() + "#referrals"

    def get_initial(self):
        initial = super().get_initial()
        goal = self.request.GET.get("goal")
        if goal and goal.isdecimal():  # not isdigit(): "²" is a digit that int() refuses
            initial["plan_goal"] = int(goal)
        return initial

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "case": self.case}

    def perform(self, form) -> str:
        data = form.cleaned_data
        referral = actions.referral_create(
            actor=self.request.user,
            case=self.case,
            service_type=data["service_type"],
            reason=data["reason"],
            urgency=data["urgency"],
            plan_goal=data["plan_goal"],
            shares_data=data["shares_data"],
            provider_contact=data["provider_contact"],
            provider_brief=data["provider_brief"],
            days_to_accept=data["days_to_accept"],
            days_to_complete=data["days_to_complete"],
            submit=data["submit_now"],
        )
        messages.success(self.request, _("The service was requested."))
        return referral.get_absolute_url()


class ReferralTransitionView(PermissionMixin, FormView):
    """One step of a referral's workflow (GET shows the step's form, POST performs it)."""

    template_name = "services/referral_step.html"
    form_class = TransitionForm

    def load_objects(self):
        self.action = self.kwargs["action"]
        if self.action not in Referral.TRANSITIONS:
            raise Http404
        self.referral = selectors.referral_get(user=self.request.user, pk=self.kwargs["pk"])

    def has_permission(self) -> bool:
        # A step the user may not take shows no form; a POST of it reaches the action, which refuses it.
        allowed = self.action in permissions.allowed_transitions(self.request.user, self.referral)
        return allowed or self.request.method != "GET"

    def get(self, request, *args, **kwargs):
        audit.record_view(request, self.referral, case_id=self.referral.case_id)  # the step shows the referral
        return super().get(request, *args, **kwargs)

    def get_initial(self):
        return {"expected_status": self.referral.status, "provider_brief": self.referral.provider_brief}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "action": self.action, "referral": self.referral}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            if self.action == "override":
                actions.referral_consent_override(
                    actor=self.request.user, referral=self.referral, reason=data["reason"]
                )
                messages.success(self.request, Referral.TRANSITIONS["override"].done)
                return redirect(self.referral.get_absolute_url())
            moved = actions.referral_transition(
                actor=self.request.user,
                referral=self.referral,
                action=self.action,
                expected_status=data["expected_status"],
                comment=data.get("comment", ""),
                reason=data.get("reason", ""),
                provider=data.get("provider"),
                assignee=data.get("assignee"),
                provider_brief=data.get("provider_brief"),
                outcome=data.get("outcome", ""),
                completed_on=data.get("completed_on"),
            )
        except ValidationError as error:
            add_action_errors(error, form)
            return self.form_invalid(form)
        done = Referral.TRANSITIONS[self.action].done
        messages.success(self.request, str(done) % {"provider": getattr(moved, "provider", None) or ""})
        return redirect(self.referral.get_absolute_url())

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            referral=self.referral,
            title=Referral.TRANSITIONS[self.action].label,
            help=Referral.TRANSITIONS[self.action].help,
            full_view=permissions.sees_case_file(self.request.user, self.referral),
            identity=permissions.sees_identity(self.request.user, self.referral),
            **kwargs,
        )


class BulkAssignView(View):
    """Assign the referrals ticked in the queue to one provider, all or none."""

    def post(self, request):
        if not permissions.can_coordinate(request.user):
            raise PermissionDenied
        form = BulkAssignForm(
            request.POST,
            referrals=permissions.referrals_visible_to(request.user),
            assignees=permissions.assignable_people(request.user),
        )
        if not form.is_valid():
            messages.error(request, _("Tick the referrals and choose a provider."))
            return redirect("services:queue")
        try:
            count = actions.referrals_assign(
                actor=request.user,
                referrals=list(form.cleaned_data["referrals"].select_related("case__returnee")),
                provider=form.cleaned_data["provider"],
                assignee=form.cleaned_data["assignee"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("%(count)s referrals were assigned.") % {"count": count})
        next_url = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
            next_url = ""  # back to the queue, never to another site
        return redirect(next_url or "services:queue")


SIDEBAR_PROVIDERS = 12


class ProviderLoadView(PermissionMixin, TemplateView):
    template_name = "services/provider_list.html"

    def has_permission(self) -> bool:
        user = self.request.user
        return permissions.can_coordinate(user) or permissions.can_override_consent(user)

    def get_template_names(self):
        # The referral queue's sidebar loads the busiest part of this page after the queue itself.
        if self.request.headers.get("HX-Request") and self.request.GET.get("part") == "sidebar":
            return ["services/_provider_load.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        if self.get_template_names() != [self.template_name]:
            loads = selectors.provider_loads(user=self.request.user, details=False)[:SIDEBAR_PROVIDERS]
            return super().get_context_data(loads=list(loads), **kwargs)
        filterset = ProviderLoadFilter(self.request.GET, queryset=selectors.provider_loads(user=self.request.user))
        page, query_string = paginate(self.request, filterset.qs, 50)
        return super().get_context_data(
            filter=filterset, page_obj=page, providers=page.object_list, query_string=query_string, **kwargs
        )


class ConsentOverrideListView(PermissionMixin, TemplateView):
    """Supervisors: every referral whose consent requirement was overridden, and why."""

    template_name = "services/consent_overrides.html"
    permission = staticmethod(permissions.can_override_consent)

    def get_context_data(self, **kwargs):
        filterset = ConsentOverrideFilter(
            self.request.GET, queryset=selectors.consent_overrides(user=self.request.user)
        )
        page, query_string = paginate(self.request, filterset.qs)
        return super().get_context_data(
            filter=filterset, page_obj=page, referrals=page.object_list, query_string=query_string, **kwargs
        )
