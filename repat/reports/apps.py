from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Dashboards and progress reports across cases and services: aggregates only, in SQL."""

    name = "repat.reports"
    label = "reports"
    verbose_name = _("Reports")
