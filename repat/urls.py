from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Repat administration")
admin.site.site_title = _("Repat")
# The database not answering (a restart, a failover) is a 503 "try again", not a 500 (repat/core/timeouts.py).
handler500 = "repat.core.timeouts.server_error"


@login_not_required
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links to: answer with the icon, not a 404
    (a 404 is a console error the browser tests refuse)."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


urlpatterns = [
    path("favicon.ico", favicon, name="favicon"),
    path("accounts/", include("repat.accounts.urls")),
    path("admin/", admin.site.urls),
    path("services/", include("services.urls")),
    path("reminders/", include("repat.reminders.urls")),
    path("approvals/", include("repat.approvals.urls")),
    path("reports/", include("repat.reports.urls")),
    path("audit/", include("repat.audit.urls")),
    path("today/", include("repat.today.urls")),
    path("api/", include("repat.api.urls")),
    path("", include("cases.urls")),
]
