from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from django.db.models import signals
        from django.utils.translation import gettext

        from repat.accounts.backends import load_with_user
        from repat.audit import presentation as audit_trail
        from repat.core import health, navigation, restore

        from . import permissions, search
        from . import restore as restore_checks
        from .models import Case, CaseEvent, Family, FamilyMember, Returnee, ReturneeAlias
        from .storage import private_storage

        # The name index is derived data: it follows every save of the records it is built from.
        signals.post_save.connect(search.returnee_saved, sender=Returnee, dispatch_uid="namekey-returnee")
        signals.post_save.connect(search.alias_changed, sender=ReturneeAlias, dispatch_uid="namekey-alias-save")
        signals.post_delete.connect(search.alias_changed, sender=ReturneeAlias, dispatch_uid="namekey-alias-delete")
        for model in (Family, FamilyMember):
            signals.post_save.connect(search.family_changed, sender=model, dispatch_uid=f"namekey-{model}-save")
            signals.post_delete.connect(search.family_changed, sender=model, dispatch_uid=f"namekey-{model}-del")

        load_with_user("has_emergency_access", permissions.holds_emergency_access)  # spares most a query
        audit_trail.register_cases(
            case_model=Case, number_field="returnee__case_number", event_labels=dict(CaseEvent.Kind.choices)
        )

        def caseload(user) -> str:
            return gettext("My caseload") if permissions.has_own_caseload(user) else gettext("Cases")

        navigation.register(
            "caseload",
            "cases:caseload",
            caseload,
            visible=permissions.can_use_caseload,
            order=10,
            home=True,
            icon="folder2-open",
        )
        navigation.register(
            "register",
            "cases:returnee_register",
            _("Register a returnee"),
            visible=permissions.can_register_returnee,
            order=20,
            icon="person-plus",
            short_label=_("Register"),
        )
        navigation.register(
            "manifests",
            "cases:manifest_list",
            _("Import a manifest"),
            visible=permissions.can_import_manifests,
            order=25,
            icon="file-earmark-arrow-up",
        )
        navigation.register(
            "transfers",
            "cases:transfers",
            _("Transfers"),
            visible=permissions.can_handle_transfers,
            order=40,
            icon="arrow-left-right",
        )
        navigation.register(
            "emergency",
            "cases:emergency_access",
            _("Emergency access to a case"),
            visible=permissions.can_break_the_glass,
            place=navigation.ACCOUNT,
            order=20,
            css_class="text-danger",
            icon="exclamation-triangle",
        )
        navigation.register_flag("escalations", permissions.receives_escalations)  # the reminders page's link
        navigation.register_flag("people_search", permissions.can_search_people)  # the top bar's box
        # /readyz: the private files answer (a stat on a folder, a HEAD on an object store).
        health.register_check("storage", lambda: private_storage().exists("readyz"))
        # manage.py verify_restore (docs/operations.md)
        restore.register_check("records", restore_checks.records)
        restore.register_check("uploaded files", restore_checks.attachments)
        restore.register_check("restricted section", restore_checks.restricted_section)
