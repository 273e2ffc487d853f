"""HTTP glue for the dashboard and the progress reports."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from repat.accounts.sessions import RecentAuthRequiredMixin
from repat.audit import actions as audit
from repat.audit.models import AuditEvent
from repat.core.views import PermissionMixin, VersionedEditMixin, add_action_errors, paginate

from . import actions, dashboard, exports, permissions
from .forms import DashboardFilterForm, NarrativeForm, ReportForm
from .models import ReportSettings
from .selectors import Scope


class DashboardView(PermissionMixin, TemplateView):
    """Figures come from a snapshot computed in the background; the page says how fresh they are
    and, while the first computation runs, polls for them (htmx)."""

    template_name = "reports/dashboard.html"
    permission = staticmethod(permissions.can_view_dashboard)

    @cached_property
    def form(self):
        # Always bound: empty filters are valid and mean the last twelve months over all one's regions.
        return DashboardFilterForm(self.request.GET, regions=permissions.regions_for(self.request.user))

    def scope(self) -> Scope | None:
        if not self.form.is_valid():
            return None
        data = self.form.cleaned_data
        return Scope(
            regions=permissions.dashboard_regions(self.request.user),
            start=data["start"],
            end=data["end"],
            operation=data["operation"].pk if data.get("operation") else None,
            region=data["region"].pk if data.get("region") else None,
            organisation=data["organisation"].pk if data.get("organisation") else None,
        )

    def post(self, request, *args, **kwargs):
        scope = self.scope()
        if scope is not None:
            actions.dashboard_snapshot(scope=scope, refresh=True)
            messages.info(request, _("The figures are being recomputed."))
        return redirect(request.get_full_path())

    def get_template_names(self):
        if self.request.headers.get("HX-Request"):
            return ["reports/_dashboard_figures.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        scope = self.scope()
        context = {"form": self.form, "scope": scope, "snapshot": None, "figures": None}
        if scope is not None:
            snapshot, earlier = actions.dashboard_first_figures(
                scope=scope, snapshot=actions.dashboard_snapshot(scope=scope)
            )
            context["snapshot"] = snapshot
            limit = ReportSettings.current().caseload_limit
            if snapshot.figures is not None:
                context["figures"] = dashboard.present(snapshot.figures, scope, caseload_limit=limit)
            elif earlier is not None:
                # Shown, with their own period, while this scope's figures are computed.
                earlier_scope = Scope.from_dict(earlier.scope)
                context.update(
                    snapshot=earlier,
                    figures=dashboard.present(earlier.figures, earlier_scope, caseload_limit=limit),
                    shown_scope=earlier_scope,
                    computing=True,
                )
        context["can_make_reports"] = permissions.can_make_reports(self.request.user)
        return super().get_context_data(**context, **kwargs)


class ReportListView(PermissionMixin, TemplateView):
    template_name = "reports/report_list.html"
    permission = staticmethod(permissions.can_make_reports)

    def get_context_data(self, **kwargs):
        reports = (
            permissions.reports_visible_to(self.request.user)
            .select_related("operation", "region", "created_by")
            .defer("document")
        )
        page, query_string = paginate(self.request, reports)
        return super().get_context_data(page_obj=page, reports=page.object_list, query_string=query_string, **kwargs)


class ReportCreateView(PermissionMixin, FormView):
    template_name = "reports/report_form.html"
    form_class = ReportForm
    permission = staticmethod(permissions.can_make_reports)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "regions": permissions.regions_for(self.request.user)}

    def form_valid(self, form):
        try:
            report = actions.report_create(actor=self.request.user, data=form.cleaned_data)
        except ValidationError as error:
            add_action_errors(error, form)
            return self.form_invalid(form)
        messages.success(self.request, _("The report is being produced."))
        return redirect(report.get_absolute_url())


class ReportDetailView(PermissionMixin, VersionedEditMixin, FormView):
    """A report's progress while it is produced, then its tables and downloads; its author may
    change the narrative, which produces it again."""

    template_name = "reports/report_detail.html"
    form_class = NarrativeForm

    def load_objects(self):
        self.report = get_object_or_404(
            permissions.reports_visible_to(self.request.user).select_related("operation", "region", "created_by"),
            pk=self.kwargs["pk"],
        )

    def has_permission(self) -> bool:
        return True  # whoever sees the report reads it; the action lets only its author change the narrative

    def get_template_names(self):
        if self.request.headers.get("HX-Request"):
            return ["reports/_report_progress.html"]
        return [self.template_name]

    def edited(self):
        return self.report

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.report}

    def form_valid(self, form):
        try:
            actions.report_update_narrative(
                actor=self.request.user, report=self.report, data=form.cleaned_data, version=form.opened_version()
            )
        except ValidationError as error:
            add_action_errors(error, form)
            return self.form_invalid(form)
        messages.success(self.request, _("The report is being produced again with the new text."))
        return redirect(self.report.get_absolute_url())

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            report=self.report,
            can_edit=self.report.created_by_id == self.request.user.pk,
            # Cells read exactly as in the PDF and the workbook: one formatting for all three.
            tables=exports.display_tables(self.report.document) if self.report.document else [],
            exports=self.report.exports.select_related("user")[:20],
            **kwargs,
        )


class ReportDownloadView(RecentAuthRequiredMixin, View):
    def get(self, request, pk, format):
        report = get_object_or_404(permissions.reports_visible_to(request.user), pk=pk)
        file = {"pdf": report.pdf_file, "xlsx": report.xlsx_file}.get(format)
        if file is None:
            raise Http404
        try:
            actions.report_export(actor=request.user, report=report, format=format)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(report.get_absolute_url())
        audit.record(actor=request.user, action=AuditEvent.Action.EXPORT, obj=report, detail=format, request=request)
        name = f"repat-report-{report.pk}-{report.period_start:%Y%m%d}-{report.period_end:%Y%m%d}.{format}"
        return FileResponse(file.open("rb"), as_attachment=True, filename=name)
