"""Who must do what to sign in. (What a user may see is decided by each app's permissions.py.)"""

from .models import User

# Roles that see many cases across regions: a stolen password alone must not be enough.
TWO_FACTOR_ROLES = (User.Role.SUPERVISOR, User.Role.ADMINISTRATOR)


def two_factor_required(user) -> bool:
    """Supervisors, administrators, superusers and anyone who can reach the admin site must pass a
    second factor; everyone else may choose to."""
    if not (user and user.is_authenticated):
        return False
    return user.role in TWO_FACTOR_ROLES or user.is_superuser or user.is_staff
