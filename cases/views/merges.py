"""Merging two records of one person (supervisors of both records' regions, administrators), and
undoing a merge (administrators, for REPAT_MERGE_UNDO_DAYS)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from repat.core.versions import version_of
from repat.core.views import PermissionMixin, add_action_errors

from .. import actions, permissions, selectors
from ..forms import MergeFindForm, MergeForm, MergeUndoForm
from ..models import Returnee, ReturneeMerge


class ReturneeMergeView(PermissionMixin, TemplateView):
    """GET: name the other record by its case number, then see both side by side; POST: merge."""

    template_name = "cases/returnee_merge.html"

    def load_objects(self):
        self.returnee = selectors.returnee_get(user=self.request.user, pk=self.kwargs["pk"])

    def has_permission(self) -> bool:
        return permissions.can_merge_records(self.request.user, self.returnee.case)

    def get(self, request, *args, **kwargs):
        find = MergeFindForm(request.GET if "case_number" in request.GET else None)
        other = None
        if find.is_valid():
            other = self._find(find)
        form = None
        if other is not None:
            form = MergeForm(
                initial={
                    "other": other.pk,
                    "version_this": version_of(self.returnee),
                    "version_other": version_of(other),
                },
                **self._labels(other),
            )
        return self.render(find, other, form)

    def post(self, request, *args, **kwargs):
        pk = request.POST.get("other", "")
        other = self._other(int(pk)) if pk.isdigit() else None
        if other is None:
            raise Http404
        form = MergeForm(request.POST, **self._labels(other))
        if form.is_valid():
            data = form.cleaned_data
            keep_this = data["keep"] == MergeForm.KEEP_THIS
            survivor, merged = (self.returnee, other) if keep_this else (other, self.returnee)
            try:
                actions.returnee_merge(
                    actor=request.user,
                    survivor=survivor,
                    merged=merged,
                    reason=data["reason"],
                    # (A form without the versions compares nothing, as check_version does.)
                    versions={self.returnee.pk: data["version_this"] or None, other.pk: data["version_other"] or None},
                )
            except ValidationError as error:
                add_action_errors(error, form)
            else:
                messages.success(
                    request,
                    _("Record %(merged)s was merged into %(kept)s.")
                    % {"merged": merged.case_number, "kept": survivor.case_number},
                )
                return redirect(survivor.get_absolute_url())
        return self.render(MergeFindForm(initial={"case_number": other.case_number}), other, form)

    def _other(self, pk: int) -> Returnee | None:
        """The other record again, as the user may merge it now (visible and in scope)."""
        other = (
            permissions.returnees_visible_to(self.request.user)
            .filter(pk=pk, case__in=permissions.cases_in_scope(self.request.user))
            .select_related("case")
            .first()
        )
        if other is None or other.pk == self.returnee.pk:
            return None
        return other

    def _find(self, find: MergeFindForm) -> Returnee | None:
        number = find.cleaned_data["case_number"]
        other, became = selectors.merge_candidate(user=self.request.user, number=number)
        if other is None and became:
            find.add_error(
                "case_number",
                _("Record %(number)s has already been merged into %(kept)s.") % {"number": number, "kept": became},
            )
            return None
        try:
            actions.merge_target_check(actor=self.request.user, returnee=self.returnee, other=other)
        except ValidationError as error:
            add_action_errors(error, find)
            return None
        return other

    def _labels(self, other: Returnee) -> dict:
        return {
            "this_label": _("Keep %(number)s (this record)") % {"number": self.returnee.case_number},
            "other_label": _("Keep %(number)s (the other record)") % {"number": other.case_number},
        }

    def render(self, find, other, form):
        preview = selectors.merge_preview(returnees=[self.returnee, other]) if other is not None else None
        return self.render_to_response(
            self.get_context_data(returnee=self.returnee, find=find, other=other, form=form, preview=preview)
        )


class MergeUndoView(PermissionMixin, TemplateView):
    """An administrator undoes a merge, within the period, after giving a reason."""

    template_name = "cases/merge_undo.html"
    permission = staticmethod(permissions.can_undo_merge)

    def load_objects(self):
        if not permissions.can_undo_merge(self.request.user):
            raise Http404  # nobody else learns which merges exist
        self.merge = get_object_or_404(
            ReturneeMerge.objects.select_related("survivor", "merged", "merged_by", "undone_by"), pk=self.kwargs["pk"]
        )

    def get(self, request, *args, **kwargs):
        return self.render(MergeUndoForm())

    def post(self, request, *args, **kwargs):
        form = MergeUndoForm(request.POST)
        if form.is_valid():
            try:
                actions.returnee_merge_undo(actor=request.user, merge=self.merge, reason=form.cleaned_data["reason"])
            except ValidationError as error:
                add_action_errors(error, form)
            else:
                messages.success(
                    request,
                    _("The merge was undone: %(merged)s is a record of its own again.")
                    % {"merged": self.merge.merged_case_number},
                )
                return redirect(self.merge.merged.get_absolute_url())
        return self.render(form)

    def render(self, form):
        return self.render_to_response(
            self.get_context_data(merge=self.merge, form=form, refusal=actions.merge_undo_refusal(self.merge))
        )
