"""What the write pages inside a case share (also the services app's "request a service")."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.generic import FormView

from repat.core.views import PermissionMixin

from .. import permissions
from ..models import Case


class CaseWriteView(PermissionMixin, FormView):
    """A form page for one write on something inside a case. `load(pk)` fetches the object through
    its visibility queryset (404 when not visible); writing needs `can_edit_case` (403)."""

    template_name = "cases/object_form.html"
    title = ""
    permission = staticmethod(permissions.can_edit_case)

    def load(self, pk: int):
        raise Http404

    def case_of(self, obj) -> Case:
        return obj.case

    def load_objects(self):
        self.object = self.load(self.kwargs["pk"])
        self.case = self.case_of(self.object)

    def permission_object(self):
        return self.case

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
