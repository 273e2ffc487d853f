"""The printable case summary: the same need-to-know as the case page (whoever may open the case,
emergency access included, reads its summary), in the reader's language, audited as a view (the
page) or a download (the PDF)."""

import base64

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.generic import TemplateView

from repat.audit import actions as audit
from repat.audit.models import AuditEvent
from repat.core.views import PermissionMixin
from services import selectors as service_selectors

from .. import selectors


class CaseSummaryView(PermissionMixin, TemplateView):
    """The summary as a page to print (the browser's print uses the print stylesheet)."""

    template_name = "cases/case_summary.html"
    http_method_names = ["get", "head"]

    def dispatch(self, request, *args, **kwargs):
        # A read-only page: any other method is refused before the case is looked up (405, not 404).
        if request.method.lower() not in self.http_method_names:
            return self.http_method_not_allowed(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def load_objects(self):
        self.case = selectors.case_get(user=self.request.user, pk=self.kwargs["pk"])

    def has_permission(self) -> bool:
        # As on the case page: whoever `case_get` lets see the case reads it (others got a 404 there).
        return True

    def summary(self) -> dict:
        user = self.request.user
        summary = selectors.case_summary(user=user, case=self.case)
        return {
            **summary,
            "photo_src": self.photo_src(summary["photo"]) if summary["photo"] else "",
            "referrals": service_selectors.case_referrals(user=user, case=self.case),
            "printed_at": timezone.now(),
        }

    def photo_src(self, photo) -> str:
        # The page loads the photo from its view (which checks and audits the read again).
        return photo.get_absolute_url()

    def get_context_data(self, **kwargs):
        audit.record_view(self.request, self.case, case_id=self.case.pk)
        return super().get_context_data(**self.summary(), **kwargs)


class CaseSummaryPdfView(CaseSummaryView):
    """The same summary as an A4 PDF (WeasyPrint, the progress reports' fonts)."""

    def photo_src(self, photo) -> str:
        # Inside the PDF itself: WeasyPrint reads nothing but static files (repat/core/pdf.py).
        with photo.file.open("rb") as file:
            return "data:image/jpeg;base64," + base64.b64encode(file.read()).decode("ascii")

    def get(self, request, *args, **kwargs):
        audit.record(
            actor=request.user,
            action=AuditEvent.Action.DOWNLOAD,
            obj=self.case,
            case_id=self.case.pk,
            detail=request.resolver_match.view_name,
            request=request,
        )
        html = render_to_string("cases/case_summary_pdf.html", self.summary(), request=request)
        from repat.core.pdf import html_to_pdf  # at the first PDF, not with the URLs (repat/core/pdf.py)

        response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
        number = self.case.returnee.case_number
        response["Content-Disposition"] = f'attachment; filename="case-summary-{number}.pdf"'
        return response
