from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """Who saw and changed what: an append-only, hash-chained trail written with each action."""

    name = "repat.audit"
    label = "audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        from repat.core import navigation, restore

        from . import signals  # noqa: F401 - sign-ins, sign-outs and permission changes
        from .keys import audit_keys
        from .permissions import can_search_audit
        from .verification import restore_check

        navigation.register(
            "audit",
            "audit:search",
            _("Audit trail"),
            visible=can_search_audit,
            place=navigation.ACCOUNT,
            order=30,
            icon="journal-text",
        )

        restore.register_check("audit trail", restore_check)  # manage.py verify_restore

        audit_keys()  # a malformed REPAT_AUDIT_KEYS stops every process at start, not at the first write
