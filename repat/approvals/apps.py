from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    """Supervisor approval of assessments, plan versions, case closures and consent overrides."""

    name = "repat.approvals"
    label = "approvals"
    verbose_name = _("Approvals")

    def ready(self) -> None:
        from cases.actions import register_merge_check
        from repat.core import navigation

        from .permissions import can_use_approvals
        from .selectors import pending_merge_problems

        navigation.register(
            "approvals", "approvals:queue", _("Approvals"), visible=can_use_approvals, order=60, icon="check2-square"
        )
        register_merge_check(pending_merge_problems)
