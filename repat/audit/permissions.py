"""Who may read the trail: administrators search all of it; supervisors see who viewed the cases
of their regions (on the case page)."""

from repat.accounts.models import User


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def can_search_audit(user) -> bool:
    return _active(user) and (user.role == User.Role.ADMINISTRATOR or user.is_superuser)


def can_see_viewers(user) -> bool:
    """Supervisors and administrators see "who viewed this record" on the case page (the case
    itself is already need-to-know)."""
    return _active(user) and (user.role == User.Role.SUPERVISOR or can_search_audit(user))
