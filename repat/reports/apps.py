from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Dashboards and progress reports across cases and services: aggregates only, in SQL."""

    name = "repat.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from repat.core import navigation, restore

        from . import permissions
        from .restore import report_files

        navigation.register(
            "dashboard",
            "reports:dashboard",
            _("Dashboard"),
            visible=permissions.can_view_dashboard,
            order=70,
            icon="speedometer2",
        )
        navigation.register(
            "reports",
            "reports:report_list",
            _("Progress reports"),
            visible=permissions.can_make_reports,
            order=80,
            icon="file-earmark-bar-graph",
            short_label=_("Reports"),
        )
        restore.register_check("report files", report_files)  # manage.py verify_restore
