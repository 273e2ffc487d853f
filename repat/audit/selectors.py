from .models import AuditEvent


def case_viewers(*, case_id: int, limit: int = 20) -> list[AuditEvent]:
    """The latest reads of a case's pages (case, returnee, family, documents), newest first."""
    return list(
        AuditEvent.objects.filter(case_id=case_id, action=AuditEvent.Action.VIEW).select_related("actor")[:limit]
    )
