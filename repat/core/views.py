from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Page
from django.db import IntegrityError, transaction
from django.shortcuts import redirect

from .models import FormSubmission
from .pagination import BoundedPaginator
from .versions import version_of


def paginate(request, queryset, per_page: int | None = None) -> tuple[Page, str]:
    """One page of a list (counted up to a bound: see pagination.py), and the query string of the
    other parameters for the page links."""
    page = BoundedPaginator(queryset, per_page or settings.REPAT_PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return page, params.urlencode()


def add_action_errors(error: ValidationError, *forms) -> None:
    """Show an action's ValidationError next to the field it names, on whichever of the forms has
    that field; anything else goes above the first form."""
    if not hasattr(error, "error_dict"):
        forms[0].add_error(None, error.messages)
        return
    for field, messages in error.message_dict.items():
        target = next((form for form in forms if field in form.fields), None)
        if target is None:
            forms[0].add_error(None, messages)
        else:
            target.add_error(field, messages)


class ActionFormMixin:
    """Form views whose valid POST calls an action: `perform(form)` returns the URL to go to; a
    ValidationError raised by the action is shown on the form and nothing is saved."""

    def form_valid(self, form):
        try:
            with transaction.atomic():
                url = self.perform(form)
        except ValidationError as error:
            add_action_errors(error, form)
            return self.form_invalid(form)
        return redirect(url)


class VersionedEditMixin:
    """Edit views: the form opens with the version of the record `edited()` returns (None: there is
    none yet), and `perform` passes `form.opened_version()` to the action, which refuses a stale save."""

    def edited(self):
        return self.object

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "version": version_of(self.edited())}


class SingleSubmitMixin:
    """For views whose POST creates rows: a repeated POST of the same form token redirects to the
    first result instead of creating a duplicate. The form uses `SingleSubmitFormMixin`."""

    def post(self, request, *args, **kwargs):
        done = self.previous_submission(request.POST.get("form_token", ""))
        if done:
            return redirect(done)
        return super().post(request, *args, **kwargs)

    def previous_submission(self, token: str) -> str | None:
        try:
            return (
                FormSubmission.objects.filter(token=token, user=self.request.user)
                .values_list("redirect_to", flat=True)
                .first()
            )
        except ValidationError:  # a malformed token is simply not a previous submission
            return None

    def run_once(self, token, perform: Callable[[], str]) -> str:
        """Run `perform` and record the token with its result, in one transaction."""
        try:
            with transaction.atomic():
                url = perform()
                FormSubmission.objects.create(token=token, user=self.request.user, redirect_to=url)
        except IntegrityError:
            # The same form was posted twice at once: the other request won; go where it went.
            previous = self.previous_submission(str(token))
            if previous is None:
                raise
            return previous
        return url

    def form_valid(self, form):
        try:
            url = self.run_once(form.cleaned_data["form_token"], lambda: self.perform(form))
        except ValidationError as error:
            add_action_errors(error, form)
            return self.form_invalid(form)
        return redirect(url)
