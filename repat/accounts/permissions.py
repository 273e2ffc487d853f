"""Who must do what to sign in, and the rule every app's permissions.py starts from. (What a user
may see is decided by each app's permissions.py.)"""

from .models import User


def is_active_user(user) -> bool:
    """Signed in, with an account that is not switched off. Every permission starts here, so an
    anonymous or deactivated user may see and do nothing (each app's querysets fail closed)."""
    return bool(user and user.is_authenticated and user.is_active)


def is_active_administrator(user) -> bool:
    """An active administrator (or superuser, see `User.is_administrator`): sees every region."""
    return is_active_user(user) and user.is_administrator


def two_factor_required(user) -> bool:
    """Supervisors, administrators, superusers and anyone who can reach the admin site must pass a
    second factor (they see many cases across regions: a stolen password alone must not be
    enough); everyone else may choose to."""
    if not (user and user.is_authenticated):
        return False
    return user.role == User.Role.SUPERVISOR or user.is_administrator or user.is_staff


def can_export_lists(user) -> bool:
    """Who may take a list away as CSV or Excel (repat/core/exports.py): everyone who works cases.
    Provider staff see the referrals sent to them, one at a time, and take no lists away."""
    return is_active_user(user) and user.role != User.Role.PROVIDER
