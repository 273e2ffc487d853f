from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from repat.core.views import PermissionMixin, paginate

from . import actions, permissions, presentation
from .filters import AuditFilter
from .models import AuditEvent


class AuditSearchView(PermissionMixin, TemplateView):
    """Administrators search the trail and check that it is unbroken."""

    template_name = "audit/audit_list.html"
    permission = staticmethod(permissions.can_search_audit)

    def get_context_data(self, **kwargs):
        filterset = AuditFilter(self.request.GET, queryset=presentation.with_names(AuditEvent.objects.all()))
        page, query_string = paginate(self.request, filterset.qs)
        return super().get_context_data(
            filter=filterset,
            page_obj=page,
            events=page.object_list,
            rows=presentation.describe(page.object_list),
            query_string=query_string,
            **kwargs,
        )


class AuditVerifyView(View):
    def post(self, request):
        if not permissions.can_search_audit(request.user):
            raise PermissionDenied
        result = actions.verify()
        if result.intact:
            messages.success(
                request,
                _("The audit trail is intact: %(count)s rows checked; published heads it was held against: %(heads)s.")
                % {"count": result.checked, "heads": len(result.published)},
            )
        elif result.broken_at and result.broken_at > 0:
            messages.error(
                request,
                _("The audit trail is broken at row %(row)s: %(reason)s.")
                % {"row": result.broken_at, "reason": result.reason},
            )
        else:
            messages.error(request, _("The audit trail is broken: %(reason)s.") % {"reason": result.reason})
        return redirect("audit:search")
