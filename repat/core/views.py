from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
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


# Methods that only read: a page anyone who may see its object may open, unlike a write to it.
READ_METHODS = ("GET", "HEAD", "OPTIONS")


class PermissionMixin:
    """Who may use a view, said once per view, decided by the app's permissions.py before any
    handler runs:

    1. `load_objects()` fetches what the view is about onto `self`, through the app's visibility
       queryset or selector: a user who may not see it gets a 404, as if it did not exist;
    2. `has_permission()` calls `permission`, the app's rule (`staticmethod(permissions.can_x)`),
       with the user, and with `permission_object()` too when that returns something; a view whose
       rule depends on the method or combines two rules overrides `has_permission()` instead;
    3. refused, `permission_denied()` answers 403; a view that must not admit that its page exists
       raises Http404 there, one that has a better page for the user redirects to it.

    A view that neither names a rule nor overrides `has_permission()` fails with ImproperlyConfigured
    instead of opening: a forgotten rule cannot open a page."""

    permission: Callable[..., bool] | None = None

    def load_objects(self) -> None:
        """Fetch the objects the view works on (from `self.kwargs`); nothing by default."""

    def permission_object(self):
        """The object `permission` is asked about, or None for a rule about the user alone."""
        return None

    def has_permission(self) -> bool:
        if self.permission is None:
            raise ImproperlyConfigured(
                f"{type(self).__name__} names no permission: set `permission` or override `has_permission()`."
            )
        obj = self.permission_object()
        return self.permission(self.request.user) if obj is None else self.permission(self.request.user, obj)

    def is_read(self) -> bool:
        return self.request.method in READ_METHODS

    def permission_denied(self):
        raise PermissionDenied

    def dispatch(self, request, *args, **kwargs):
        self.load_objects()
        if not self.has_permission():
            return self.permission_denied()
        return super().dispatch(request, *args, **kwargs)


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
