def navigation(request):
    """What the menu offers, from the permission functions (templates hold no role rules)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from cases import permissions as case_permissions
    from repat.approvals import permissions as approval_permissions
    from repat.audit import permissions as audit_permissions
    from repat.reports import permissions as report_permissions
    from services import permissions as service_permissions

    return {
        "nav": {
            "caseload": case_permissions.can_use_caseload(user),
            "register": case_permissions.can_register_returnee(user),
            "transfers": case_permissions.can_handle_transfers(user),
            "escalations": case_permissions.receives_escalations(user),
            "providers": service_permissions.can_coordinate(user) or service_permissions.can_override_consent(user),
            "consent_overrides": service_permissions.can_override_consent(user),
            "provider_staff": service_permissions.provider_of(user) is not None,
            "approvals": approval_permissions.can_use_approvals(user),
            "dashboard": report_permissions.can_view_dashboard(user),
            "reports": report_permissions.can_make_reports(user),
            "emergency": case_permissions.can_break_the_glass(user),
            "audit": audit_permissions.can_search_audit(user),
        }
    }
