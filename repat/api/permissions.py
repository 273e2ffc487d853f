"""Who may hold, issue and use API tokens, and what a token's scope allows. What a request may see
and change is decided by each app's permissions.py, exactly as for the pages."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from repat.accounts.models import User
from repat.accounts.permissions import is_active_administrator, is_active_user, two_factor_required
from repat.accounts.selectors import has_authenticator


def can_hold_tokens(user) -> bool:
    """Every active account may hold tokens of its own: a token acts as its account, no more."""
    return is_active_user(user)


def can_issue_tokens_for_others(user) -> bool:
    return is_active_administrator(user)


def needs_second_factor(user) -> bool:
    """Accounts whose role requires a second factor, or that set one up, create a token only from a
    session that passed it (a stolen password alone must not mint a lasting key)."""
    known = getattr(user, "has_confirmed_authenticator", None)
    return two_factor_required(user) or bool(known if known is not None else has_authenticator(user))


def second_factor_passed(request) -> bool:
    user = request.user
    return not needs_second_factor(user) or (hasattr(user, "is_verified") and user.is_verified())


def can_be_issued_by_administrator(user: User) -> bool:
    """An administrator issues a token to an account that needs a second factor only once that
    account has one: the account's own sign-in stays as strong as the role asks."""
    return is_active_user(user) and (not two_factor_required(user) or has_authenticator(user))


class TokenScope(BasePermission):
    """Signed in (session or token), and for a write, a session or a token with the write scope."""

    message = _("This token may only read: writing needs a token with the write scope.")

    def has_permission(self, request, view) -> bool:
        if not is_active_user(request.user):
            return False
        token = request.auth if hasattr(request.auth, "can_write") else None
        return request.method in SAFE_METHODS or token is None or token.can_write
