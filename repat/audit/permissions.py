"""Who may read the trail: administrators search all of it; supervisors see who viewed the cases
of their regions (on the case page)."""

from repat.accounts.models import User
from repat.accounts.permissions import is_active_administrator, is_active_user


def can_search_audit(user) -> bool:
    return is_active_administrator(user)


def can_see_viewers(user) -> bool:
    """Supervisors and administrators see "who viewed this record" on the case page (the case
    itself is already need-to-know)."""
    return is_active_user(user) and (user.role == User.Role.SUPERVISOR or can_search_audit(user))
