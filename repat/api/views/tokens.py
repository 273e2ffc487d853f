"""The account's own API tokens: list, create (the key shown once, on the page that created it,
never stored) and revoke. Accounts that need a second factor reach this page only after passing it
(accounts/middleware.py), and the action checks it again."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from repat.core.views import add_action_errors

from .. import actions, permissions
from ..forms import TokenForm
from ..models import ApiToken


def _page(request, form, key=None, token=None, status=200):
    tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at", "-id")[:100]
    context = {"form": form, "tokens": tokens, "key": key, "new_token": token}
    return render(request, "api/token_list.html", context, status=status)


class TokenListView(View):
    def get(self, request):
        return _page(request, TokenForm())

    def post(self, request):
        form = TokenForm(request.POST)
        if not form.is_valid():
            return _page(request, form, status=200)
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
        return _page(request, TokenForm(), key=key, token=token)


class TokenRevokeView(View):
    http_method_names = ["post"]

    def post(self, request, pk):
        token = get_object_or_404(ApiToken.objects.filter(user=request.user), pk=pk)
        try:
            actions.token_revoke(actor=request.user, token=token)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The token was revoked."))
        return redirect("api:tokens")
