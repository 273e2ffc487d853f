"""Issuing, revoking and using API tokens, each audited. The secret exists only in the value
returned by `token_issue`: the database keeps its SHA-256."""

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from repat.audit.actions import record
from repat.audit.models import AuditEvent

from . import permissions
from .models import ApiToken, key_hash

KEY_START = "rpt_"
# How often a token's `last_used` (and its audit row) is written: not on every request.
USE_RECORDED_EVERY = datetime.timedelta(minutes=1)


def new_key() -> tuple[str, str]:
    """(prefix, key): the prefix finds the row and is shown in lists; the key is prefix.secret."""
    prefix = KEY_START + secrets.token_hex(5)
    return prefix, f"{prefix}.{secrets.token_urlsafe(32)}"


def check_expiry(expires_at: datetime.datetime) -> None:
    now = timezone.now()
    if expires_at <= now:
        raise ValidationError({"expires_at": _("The expiry must be in the future.")})
    if expires_at > now + datetime.timedelta(days=settings.REPAT_API_TOKEN_MAX_DAYS):
        raise ValidationError(
            {"expires_at": _("A token lives at most %(days)s days.") % {"days": settings.REPAT_API_TOKEN_MAX_DAYS}}
        )


@transaction.atomic
def token_issue(
    *, actor, user, name: str, scope: str, expires_at: datetime.datetime, second_factor_passed: bool
) -> tuple[ApiToken, str]:
    """Issue a token for `user` (oneself, or any account by an administrator). Returns the token and
    its key, which is shown once and never stored."""
    if actor.pk == user.pk:
        if not permissions.can_hold_tokens(actor):
            raise PermissionDenied
        if not second_factor_passed:
            raise ValidationError(_("Confirm your second factor (authenticator app) before creating a token."))
    else:
        if not permissions.can_issue_tokens_for_others(actor):
            raise PermissionDenied
        if not permissions.can_be_issued_by_administrator(user):
            raise ValidationError(
                {
                    "user": _(
                        "This account must set up its second factor (authenticator app) before it may hold a token."
                    )
                }
            )
    if not name.strip():
        raise ValidationError({"name": _("Give the token a name.")})
    check_expiry(expires_at)
    prefix, key = new_key()
    token = ApiToken(
        name=name.strip(),
        user=user,
        scope=scope,
        prefix=prefix,
        key_hash=key_hash(key),
        created_by=actor,
        expires_at=expires_at,
    )
    token.full_clean()
    token.save()
    record(
        actor=actor,
        action=AuditEvent.Action.PERMISSION,
        obj=token,
        detail="api token issued",
        changes={"user": [None, user.get_username()], "scope": [None, scope], "prefix": [None, prefix]},
    )
    return token, key


@transaction.atomic
def token_revoke(*, actor, token: ApiToken) -> ApiToken:
    """Revoke a token at once: the next request with it answers 401."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.user_id != actor.pk and not permissions.can_issue_tokens_for_others(actor):
        raise PermissionDenied
    if token.revoked_at is not None:
        raise ValidationError(_("This token is already revoked."))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record(
        actor=actor,
        action=AuditEvent.Action.PERMISSION,
        obj=token,
        detail="api token revoked",
        changes={"user": [None, token.user.get_username()], "prefix": [None, token.prefix]},
    )
    return token


def token_used(*, token: ApiToken, user, request) -> None:
    """Note that a token was used: `last_used` and an audit row, at most once a minute per token
    (a sync client makes thousands of requests; each read of a case is audited on its own)."""
    now = timezone.now()
    if token.last_used is not None and now - token.last_used < USE_RECORDED_EVERY:
        return
    with transaction.atomic():
        updated = ApiToken.objects.filter(pk=token.pk, last_used=token.last_used).update(last_used=now)
        if updated:  # another request of the same minute may have written it first
            record(
                actor=user,
                action=AuditEvent.Action.LOGIN,
                obj=token,
                detail="api token",
                request=request,
            )
    token.last_used = now
