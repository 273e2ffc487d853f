"""The account's own API tokens: list, create and revoke. A new key is kept in the session only
until the page that follows shows it, once (as the recovery codes are); the database never holds
it. Accounts that need a second factor reach these pages only after passing it
(accounts/middleware.py), and the action checks it again."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from repat.core.views import add_action_errors

from .. import actions, permissions
from ..forms import TokenForm
from ..models import ApiToken

NEW_KEY = "api_new_token_key"


def _page(request, form):
    shown = request.session.pop(NEW_KEY, None)
    tokens = list(ApiToken.objects.filter(user=request.user).order_by("-created_at", "-id")[:100])
    new_token = next((token for token in tokens if shown and token.pk == shown["id"]), None)
    context = {"form": form, "tokens": tokens, "key": shown["key"] if new_token else None, "new_token": new_token}
    return render(request, "api/token_list.html", context)


class TokenListView(View):
    def get(self, request):
        return _page(request, TokenForm())

    def post(self, request):
        form = TokenForm(request.POST)
        if not form.is_valid():
            return _page(request, form)
        try:
            token, key = actions.token_issue(
                actor=request.user,
                user=request.user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                expires_at=form.expires_at(),
                second_factor_passed=permissions.second_factor_passed(request),
            )
        except ValidationError as error:
            add_action_errors(error, form)
            return _page(request, form)
        request.session[NEW_KEY] = {"id": token.pk, "key": key}
        return redirect("api:tokens")


class TokenRevokeView(View):
    """Revoke one of one's own tokens (its id posted as `token`)."""

    http_method_names = ["post"]

    def post(self, request):
        pk = request.POST.get("token", "")
        if not pk.isdecimal() or len(pk) > 18:
            messages.error(request, _("Choose a token to revoke."))
            return redirect("api:tokens")
        token = ApiToken.objects.filter(user=request.user, pk=int(pk)).first()
        if token is None:
            raise Http404
        try:
            actions.token_revoke(actor=request.user, token=token)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The token was revoked."))
        return redirect("api:tokens")
