"""The manifest import's pages (issue 16): upload, the preview with its answers, the progress of a
large file, and the result. Coordinators and administrators only; an import is seen by whoever
uploaded it (and administrators)."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from repat.core.views import PermissionMixin, add_action_errors

from .. import actions, permissions
from ..forms import ManifestMappingForm, ManifestUploadForm
from ..manifest.rows import COLUMNS, missing_columns, problem_text
from ..manifest.template import template_csv, template_xlsx
from ..models import DatePrecision, FamilyMember, ManifestImport, Sex
from ..search import ProbableMatch

# Rows without problem or match listed under the preview (the others are all listed).
PLAIN_ROWS_SHOWN = 300


class ManifestListView(PermissionMixin, TemplateView):
    template_name = "cases/manifest_list.html"
    permission = staticmethod(permissions.can_import_manifests)

    def get(self, request, *args, **kwargs):
        return self.render(ManifestUploadForm(user=request.user))

    def post(self, request, *args, **kwargs):
        form = ManifestUploadForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                manifest = actions.manifest_upload(
                    actor=request.user,
                    uploaded=data["file"],
                    operation=data["operation"],
                    region=data["region"],
                    source=data["source"],
                )
            except ValidationError as error:
                add_action_errors(error, form)
            else:
                return redirect(manifest.get_absolute_url())
        return self.render(form)

    def render(self, form):
        imports = permissions.manifests_visible_to(self.request.user).select_related("created_by")[:30]
        return self.render_to_response(self.get_context_data(form=form, imports=imports))


class ManifestMixin(PermissionMixin):
    """An import's pages: someone else's import is not there (404), as any object one may not see;
    a method the page does not take is refused first (405 says nothing about the import)."""

    permission = staticmethod(permissions.can_import_manifests)

    def dispatch(self, request, *args, **kwargs):
        if not hasattr(self, request.method.lower()):
            return self.http_method_not_allowed(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def load_objects(self):
        self.manifest = get_object_or_404(
            permissions.manifests_visible_to(self.request.user).select_related("operation", "region"),
            pk=self.kwargs["pk"],
        )


def _in_words(row: dict) -> dict:
    """A row's codes as the reader's language names them, and its date of birth as a date."""
    born = row.get("date_of_birth")
    labels = {
        "relation_label": dict(FamilyMember.Relationship.choices).get(row.get("relation"), row.get("relation") or ""),
        "sex_label": dict(Sex.choices).get(row.get("sex"), row.get("sex") or ""),
        "precision_label": dict(DatePrecision.choices).get(row.get("precision"), ""),
    }
    return {**labels, "born": datetime.date.fromisoformat(born) if born else None}


def _matches_shown(rows: list[dict], user) -> dict[int, object]:
    """The visible matched people of a preview, in one query."""
    ids = {m["id"] for row in rows for m in row.get("matches", []) if m["visible"]}
    people = permissions.returnees_visible_to(user).filter(pk__in=ids).select_related("region", "operation", "case")
    return {person.pk: person for person in people}


class ManifestDetailView(ManifestMixin, TemplateView):
    """The import's page: progress while it is read or registered (htmx polls the fragment), the
    mapping when columns are missing, the preview to answer, or the result."""

    template_name = "cases/manifest_detail.html"

    def get(self, request, *args, **kwargs):
        if request.headers.get("HX-Request"):
            response = self.render_to_response(self.progress_context(), template="cases/_manifest_progress.html")
            if not self.manifest.is_working:
                response["HX-Refresh"] = "true"  # finished: the whole page shows what came of it
            return response
        return self.render_page()

    def render_to_response(self, context, template=None, **kwargs):
        if template:
            self.template_name = template
        return super().render_to_response(context, **kwargs)

    def progress_context(self):
        return {"manifest": self.manifest, "progress": actions.manifest_progress(self.manifest)}

    def render_page(self, mapping_form=None, errors=None, answers=None):
        manifest = self.manifest
        context = self.progress_context()
        if manifest.status == ManifestImport.Status.PREVIEWED:
            if not manifest.rows or missing_columns(manifest.mapping):
                context["mapping_form"] = mapping_form or ManifestMappingForm(
                    header=manifest.header, mapping=manifest.mapping, source=manifest.source
                )
            else:
                context.update(self.preview(answers if answers is not None else manifest.decisions))
        if manifest.status == ManifestImport.Status.COMMITTED:
            context.update(self.result())
        context["errors"] = errors or []
        return self.render_to_response(self.get_context_data(**context))

    def preview(self, answers: dict) -> dict:
        rows = self.manifest.rows
        people = _matches_shown(rows, self.request.user)
        problems, matched, plain = [], [], []
        for row in rows:
            view = {
                **row,
                **_in_words(row),
                "errors_text": [problem_text(code, params) for code, params in row["errors"]],
                "warnings_text": [problem_text(code, params) for code, params in row["warnings"]],
            }
            if row["errors"]:
                problems.append(view)
                continue
            if row.get("matches"):
                shown = []
                for data in row["matches"]:
                    if data["visible"] and data["id"] in people:
                        match = ProbableMatch(
                            data["id"],
                            data["score"],
                            data["same_birth"],
                            data["same_operation"],
                            data["same_mother"],
                            name_kind=data["kind"],
                            birth_days=data["birth_days"],
                        )
                        shown.append({"person": people[data["id"]], "reasons": match.reasons})
                view["shown"] = shown
                view["hidden"] = any(not m["visible"] for m in row["matches"])
                view["answer"] = answers.get(str(row["line"]), {})
                matched.append(view)
            else:
                plain.append(view)
        return {
            "problems": problems,
            "matched": matched,
            "plain": plain[:PLAIN_ROWS_SHOWN],
            "plain_more": max(len(plain) - PLAIN_ROWS_SHOWN, 0),
            "row_count": len(rows),
            "columns": COLUMNS,
        }

    def result(self) -> dict:
        result = self.manifest.result or {}
        user = self.request.user
        cases = permissions.cases_visible_to(user).filter(pk__in=result.get("cases", [])).select_related("returnee")
        families = permissions.families_visible_to(user).filter(pk__in=result.get("families", []))
        linked = permissions.returnees_visible_to(user).filter(pk__in=result.get("linked", []))
        return {"created_cases": cases, "created_families": families, "linked": linked}


class ManifestMapView(ManifestDetailView):
    def post(self, request, *args, **kwargs):
        form = ManifestMappingForm(
            request.POST, header=self.manifest.header, mapping=self.manifest.mapping, source=self.manifest.source
        )
        if form.is_valid():
            try:
                actions.manifest_map(
                    actor=request.user,
                    manifest=self.manifest,
                    mapping=form.mapping(),
                    save_for=form.cleaned_data["save_for"],
                )
            except ValidationError as error:
                add_action_errors(error, form)
            else:
                return redirect(self.manifest.get_absolute_url())
        return self.render_page(mapping_form=form)


class ManifestCommitView(ManifestDetailView):
    def post(self, request, *args, **kwargs):
        answers = {}
        for row in self.manifest.rows:
            line = str(row["line"])
            if not row.get("matches"):
                continue
            choice = request.POST.get(f"choice-{line}", "")
            match = None
            if choice.startswith("link-"):
                choice, _sep, pk = choice.partition("-")
                match = int(pk) if pk.isdigit() else None
            answers[line] = {"choice": choice, "match": match, "reason": request.POST.get(f"reason-{line}", "")[:500]}
        try:
            actions.manifest_commit_request(actor=request.user, manifest=self.manifest, decisions=answers)
        except ValidationError as error:
            self.manifest.refresh_from_db()
            return self.render_page(errors=error.messages, answers=answers)
        self.manifest.refresh_from_db()
        if self.manifest.status == ManifestImport.Status.COMMITTED:
            messages.success(request, _("The manifest was registered."))
        return redirect(self.manifest.get_absolute_url())


class ManifestFileView(ManifestMixin, View):
    """The original file as uploaded, recorded in the audit trail before it goes out."""

    def get(self, request, *args, **kwargs):
        actions.manifest_file_read(actor=request.user, manifest=self.manifest, request=request)
        with self.manifest.file.open("rb") as handle:
            data = handle.read()
        response = HttpResponse(data, content_type="application/octet-stream")
        response["Content-Disposition"] = f'attachment; filename="manifest-{self.manifest.pk}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response


class ManifestTemplateView(PermissionMixin, View):
    permission = staticmethod(permissions.can_import_manifests)

    def get(self, request):
        fmt = request.GET.get("format", "csv")
        if fmt == "xlsx":
            response = HttpResponse(
                template_xlsx(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            )
        else:
            response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
            fmt = "csv"
        response["Content-Disposition"] = f'attachment; filename="repat-manifest-template.{fmt}"'
        return response
