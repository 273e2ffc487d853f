"""Who a request is: a token (Authorization: Bearer <key>) or the site's own session, with its CSRF
check. Either way the request acts as one account, with that account's role and regions."""

import hmac

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from repat.accounts.backends import UserBackend
from repat.accounts.middleware import second_step_url

from .actions import KEY_START, token_used
from .models import ApiToken, key_hash

INVALID = _("This token is not valid: it is unknown, revoked or expired, or its account is switched off.")


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(INVALID)
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(INVALID) from None
        prefix = key.split(".", 1)[0]
        if not prefix.startswith(KEY_START) or len(prefix) > 16:
            raise exceptions.AuthenticationFailed(INVALID)
        token = ApiToken.objects.filter(prefix=prefix).first()
        # Compared in constant time: the prefix is not secret, the rest of the key is.
        if token is None or not hmac.compare_digest(token.key_hash, key_hash(key)) or not token.is_usable:
            raise exceptions.AuthenticationFailed(INVALID)
        # Loaded as the pages load the signed-in user (regions, emergency access...): None when inactive.
        user = UserBackend().get_user(token.user_id)
        if user is None:
            raise exceptions.AuthenticationFailed(INVALID)
        token_used(token=token, user=user, request=request._request)
        return user, token

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    """The site's session (the pages' own scripts, the interactive docs), with DRF's CSRF check on
    writes, and only once the session passed the second factor where the account needs one (the
    API is no way around the two-factor pages)."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        if not user.is_verified() and second_step_url(user) is not None:
            raise exceptions.AuthenticationFailed(_("Confirm your second factor on the site first."))
        return result
