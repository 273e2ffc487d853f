from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Repat administration")
admin.site.site_title = _("Repat")

urlpatterns = [
    path("accounts/", include("repat.accounts.urls")),
    path("admin/", admin.site.urls),
    path("services/", include("services.urls")),
    path("reminders/", include("repat.reminders.urls")),
    path("approvals/", include("repat.approvals.urls")),
    path("reports/", include("repat.reports.urls")),
    path("audit/", include("repat.audit.urls")),
    path("api/", include("repat.api.urls")),
    path("", include("cases.urls")),
]
